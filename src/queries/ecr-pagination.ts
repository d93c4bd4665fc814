/**
 * ECR-style pagination over an ordered list: `maxResults` items per page and
 * an opaque `nextToken` that names where the next page starts. The token is
 * base64url(JSON {"o": offset, "q": query}): a token is only valid for the
 * query it came from (`q` is the caller's fingerprint of that query).
 */

export class InvalidNextToken extends Error {
  constructor() {
    // the member quoted as AWS quotes it (`Invalid parameter at 'maxResults' ...`)
    super("Invalid parameter at 'nextToken' failed to satisfy constraint: 'Invalid pagination token'");
    this.name = 'InvalidNextToken';
  }
}

export interface Page<T> {
  items: T[];
  nextToken: string | undefined;
}

export function decodeOffset(nextToken: string | undefined, query: string): number {
  if (nextToken === undefined) return 0;
  try {
    const t = JSON.parse(Buffer.from(nextToken, 'base64url').toString('utf8')) as { o?: unknown; q?: unknown };
    if (typeof t.o === 'number' && Number.isSafeInteger(t.o) && t.o >= 0 && t.q === query) return t.o;
  } catch {
    // fall through
  }
  throw new InvalidNextToken();
}

export const encodeOffset = (offset: number, query: string): string =>
  Buffer.from(JSON.stringify({ o: offset, q: query })).toString('base64url');

/**
 * The page of `items` (any iterable, read lazily) starting at the token's offset.
 * Only the items up to the end of the page (plus one, to know whether more follow) are read.
 * `items` may also be a function that gives the items from an offset on: a deep page then
 * costs no walk over the items before it.
 */
export function paginate<T>(
  items: Iterable<T> | ((start: number) => Iterable<T>),
  opts: { maxResults?: number | undefined; nextToken?: string | undefined; defaultMax: number; query?: string },
): Page<T> {
  const query = opts.query ?? '';
  const start = decodeOffset(opts.nextToken, query);
  const size = opts.maxResults ?? opts.defaultMax;
  const out: T[] = [];
  let i = typeof items === 'function' ? start : 0;
  for (const item of typeof items === 'function' ? items(start) : items) {
    if (i >= start) {
      if (out.length === size) return { items: out, nextToken: encodeOffset(start + size, query) };
      out.push(item);
    }
    i++;
  }
  return { items: out, nextToken: undefined };
}

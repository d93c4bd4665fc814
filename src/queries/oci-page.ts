/**
 * /v2 pagination over a sorted list of names: `n` entries after `last`
 * (exclusive), and whether more follow (the caller then sends a Link header).
 */
export interface PageRequest {
  /** Page size; undefined returns every remaining entry. */
  n?: number;
  /** The last entry of the previous page. */
  last?: string;
}

export interface Page {
  items: string[];
  /** The `last` of the next page, when there is one. */
  next: string | undefined;
}

/** First index whose entry sorts after `last` (binary search). */
function after(sorted: readonly string[], last: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as string) <= last) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function page(sorted: readonly string[], req: PageRequest): Page {
  const from = req.last === undefined ? 0 : after(sorted, req.last);
  const to = req.n === undefined ? sorted.length : Math.min(sorted.length, from + req.n);
  const items = sorted.slice(from, to);
  const next = to < sorted.length && items.length > 0 ? items[items.length - 1] : undefined;
  return { items, next };
}

/** Code-unit order, as distribution sorts (not locale order). */
export const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

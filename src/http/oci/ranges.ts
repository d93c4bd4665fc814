/**
 * The two range headers of /v2:
 *  - a chunk's `Content-Range: <start>-<end>` on PATCH (inclusive, no unit, as
 *    the distribution spec writes it; `bytes ` and `/total` are tolerated);
 *  - a blob GET's `Range: bytes=<start>-<end>` (one range; `start-`, `-suffix`).
 * And the upload `Range: 0-<last>` header the registry answers with.
 */

export interface ByteRange {
  start: number;
  /** Inclusive. */
  end: number;
}

export function parseContentRange(header: string): ByteRange | undefined {
  const m = /^\s*(?:bytes[ =])?(\d+)-(\d+)(?:\/(?:\d+|\*))?\s*$/.exec(header);
  if (!m) return undefined;
  const start = Number(m[1]);
  const end = Number(m[2]);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end < start) return undefined;
  return { start, end };
}

/** `undefined` when absent, `'unsatisfiable'` when it cannot be served from `size` bytes. */
export function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | undefined {
  if (!header) return undefined;
  const m = /^\s*bytes=(\d*)-(\d*)\s*$/.exec(header);
  if (!m || (m[1] === '' && m[2] === '')) return 'unsatisfiable';
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

/** The upload progress header: bytes `0-<last>` are held (`0-0` for none, as distribution answers). */
export const uploadRange = (offset: number): string => `0-${Math.max(0, offset - 1)}`;

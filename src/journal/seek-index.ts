/**
 * Where frames start inside segments already read, so that a read from a seq deep in a segment
 * starts near it instead of walking every frame header from the segment's start (in a 64 MiB
 * segment, one event near its end meant reading ~60 MiB). readSegments fills it as it walks and
 * uses it to start; one index per journal or reader, in memory only.
 *
 * Per segment it holds a frame start every STRIDE bytes or so, in file order, covering the part of
 * the segment walked so far without a gap: a read starts at the header or at a known frame start,
 * and only frames it walks past are added, after the last one known. An entry is checked before it
 * is used (the frame there must start with its seq); one that is not (a segment rewritten since)
 * drops the segment's entries.
 */
export const SEEK_STRIDE = 64 * 1024;

interface Starts {
  offsets: number[];
  seqs: number[];
}

export class SeekIndex {
  readonly #segments = new Map<string, Starts>();

  /** The last known frame start in segment `path` whose first seq is at or before `seq`. */
  near(path: string, seq: number): { offset: number; seq: number } | undefined {
    const s = this.#segments.get(path);
    if (!s || s.seqs.length === 0 || s.seqs[0]! > seq) return undefined;
    let lo = 0;
    let hi = s.seqs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s.seqs[mid]! <= seq) lo = mid;
      else hi = mid - 1;
    }
    return { offset: s.offsets[lo]!, seq: s.seqs[lo]! };
  }

  /** A frame of segment `path` starts at `offset` with `seq` (frames are reported in file order). */
  note(path: string, offset: number, seq: number): void {
    let s = this.#segments.get(path);
    if (!s) {
      s = { offsets: [], seqs: [] };
      this.#segments.set(path, s);
    }
    const last = s.offsets.at(-1);
    if (last === undefined ? offset < SEEK_STRIDE : offset < last + SEEK_STRIDE) return;
    s.offsets.push(offset);
    s.seqs.push(seq);
  }

  /** Forgets what is known of one segment (its entry did not hold), or of all of them. */
  forget(path?: string): void {
    if (path === undefined) this.#segments.clear();
    else this.#segments.delete(path);
  }
}

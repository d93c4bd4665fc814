import { readSync } from 'node:fs';

/**
 * Sequential reads of one file in large chunks, so the frame loop works on one Buffer and
 * allocates nothing per frame. `limit` caps how far it reads (the writer's durable end).
 */
export class ChunkReader {
  buf: Buffer;
  /** file offset of buf[0] */
  bufStart = 0;
  /** valid bytes in buf */
  bufLen = 0;

  constructor(
    private readonly fd: number,
    private readonly limit = Number.POSITIVE_INFINITY,
    chunkSize = 4 * 1024 * 1024,
  ) {
    this.buf = Buffer.allocUnsafe(chunkSize);
  }

  /**
   * Makes the bytes [off, off + n) available in `buf` (at `off - bufStart`), reading more as needed.
   * Returns how many of the n bytes are available: less than n at end of file (or limit).
   */
  fill(off: number, n: number): number {
    const have = this.bufStart + this.bufLen - off;
    if (off >= this.bufStart && have >= n) return n;
    const keep = off >= this.bufStart && have > 0 ? have : 0;
    if (keep > 0 && off > this.bufStart) this.buf.copy(this.buf, 0, off - this.bufStart, this.bufLen);
    this.bufStart = off;
    this.bufLen = keep;
    if (n > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(n, this.buf.length * 2));
      this.buf.copy(bigger, 0, 0, keep);
      this.buf = bigger;
    }
    while (this.bufLen < n) {
      const want = Math.min(this.buf.length - this.bufLen, this.limit - (this.bufStart + this.bufLen));
      if (want <= 0) break;
      const got = readSync(this.fd, this.buf, this.bufLen, want, this.bufStart + this.bufLen);
      if (got === 0) break;
      this.bufLen += got;
    }
    return Math.min(this.bufLen, n);
  }
}

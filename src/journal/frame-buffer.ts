import { crc32 } from 'node:zlib';
import { FRAME_HEADER_SIZE } from './segment-format.ts';

/**
 * A growable byte buffer that frames are encoded into before they are written:
 * `u32 LE length | u32 LE crc32(payload) | payload`. Records of many appends are written
 * with one write call (group commit), so this is the only copy they make.
 */
export class FrameBuffer {
  private buf: Buffer;
  length = 0;

  constructor(initial = 1024 * 1024) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  appendFrame(payload: Buffer): void {
    const need = this.length + FRAME_HEADER_SIZE + payload.length;
    if (need > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
      this.buf.copy(bigger, 0, 0, this.length);
      this.buf = bigger;
    }
    this.buf.writeUInt32LE(payload.length, this.length);
    this.buf.writeUInt32LE(crc32(payload), this.length + 4);
    payload.copy(this.buf, this.length + FRAME_HEADER_SIZE);
    this.length = need;
  }

  /** The bytes appended so far (a view; valid until the next append after `clear`). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.length);
  }

  clear(): void {
    this.length = 0;
  }
}

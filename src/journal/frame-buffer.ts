import { crc32 } from 'node:zlib';
import { BATCH_HEADER_SIZE } from './codec.ts';
import { FRAME_HEADER_SIZE } from './segment-format.ts';

/** Bytes a frame adds around its envelopes: frame header + batch header (`dd <u32 count>`). */
export const FRAME_OVERHEAD = FRAME_HEADER_SIZE + BATCH_HEADER_SIZE;

/**
 * A growable byte buffer that frames are encoded into before they are written. A frame is one
 * commit batch: `u32 LE length | u32 LE crc32(payload) | payload`, the payload being
 * `dd <u32 BE count>` followed by `count` encoded envelopes (a msgpack array32 of envelopes).
 * Envelopes go into the open frame; `startFrame` seals it and opens the next (the journal opens
 * one per append call). Everything pending is written with one write call (group commit), so this
 * is the only copy the bytes make.
 */
export class FrameBuffer {
  private buf: Buffer;
  length = 0;
  /** offset of the open frame's header, -1 when no frame is open */
  private frameAt = -1;
  private frameCount = 0;

  constructor(initial = 1024 * 1024) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  /** Seals the open frame (if any) and opens a new one; returns the offset where it starts. */
  startFrame(): number {
    this.seal();
    this.ensure(FRAME_OVERHEAD);
    this.frameAt = this.length;
    this.frameCount = 0;
    this.length += FRAME_OVERHEAD;
    return this.frameAt;
  }

  /** Adds one encoded envelope to the open frame. */
  appendEnvelope(payload: Buffer): void {
    if (this.frameAt < 0) this.startFrame();
    this.ensure(payload.length);
    payload.copy(this.buf, this.length);
    this.length += payload.length;
    this.frameCount++;
  }

  /** The bytes appended so far, every frame sealed (a view; valid until the next append after `clear`). */
  bytes(): Buffer {
    this.seal();
    return this.buf.subarray(0, this.length);
  }

  clear(): void {
    this.length = 0;
    this.frameAt = -1;
    this.frameCount = 0;
  }

  private seal(): void {
    const at = this.frameAt;
    if (at < 0) return;
    const b = this.buf;
    const ps = at + FRAME_HEADER_SIZE;
    b[ps] = 0xdd;
    b.writeUInt32BE(this.frameCount, ps + 1);
    b.writeUInt32LE(this.length - ps, at);
    b.writeUInt32LE(crc32(new Uint8Array(b.buffer, b.byteOffset + ps, this.length - ps)), at + 4);
    this.frameAt = -1;
  }

  private ensure(n: number): void {
    const need = this.length + n;
    if (need <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
    this.buf.copy(bigger, 0, 0, this.length);
    this.buf = bigger;
  }
}

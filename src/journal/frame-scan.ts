import { fstatSync, readSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { ChunkReader } from './chunk-reader.ts';
import { decodeFrame, peekCount, peekSeq } from './codec.ts';
import type { Envelope } from './envelope.ts';
import { FRAME_HEADER_SIZE, MAX_PAYLOAD } from './segment-format.ts';

/** Where the good frames of a segment end, and why the byte after them is not a good frame. */
export interface ScanResult {
  /** offset just past the last good frame */
  end: number;
  /** the seq the next frame must carry */
  nextSeq: number;
  /** set when bytes follow `end` that are not a whole good frame */
  bad?: { offset: number; reason: string; certain: boolean };
}

/**
 * Walks the frames of an open segment from `start`, checking each length, CRC and first seq
 * (first seq and count are peeked from the payload, the rest is not decoded; readers check every
 * envelope's seq when they decode). Stops at the first bad frame.
 * `certain` marks damage that cannot be a torn write. A write cut short by a crash leaves an
 * incomplete last frame (a header or payload running past the end of the file), or zeros where
 * the file was extended but never written; anything else is damage: a whole frame whose checksum
 * fails, an impossible length that is not zeros, a frame whose checksum holds but whose seq is
 * wrong or whose payload does not decode.
 */
export function scanFrames(fd: number, start: number, firstSeq: number, limit?: number): ScanResult {
  const r = new ChunkReader(fd, limit);
  let off = start;
  let seq = firstSeq;
  for (;;) {
    const head = r.fill(off, FRAME_HEADER_SIZE);
    if (head === 0) return { end: off, nextSeq: seq };
    if (head < FRAME_HEADER_SIZE)
      return { end: off, nextSeq: seq, bad: { offset: off, reason: `incomplete frame header (${head} of 8 bytes)`, certain: false } };
    let p = off - r.bufStart;
    const len = r.buf.readUInt32LE(p);
    const sum = r.buf.readUInt32LE(p + 4);
    if (len === 0 || len > MAX_PAYLOAD) {
      const zeros = len === 0 && zerosToEnd(r, off);
      return {
        end: off,
        nextSeq: seq,
        bad: { offset: off, reason: zeros ? 'zeros to the end of the file' : `impossible frame length ${len}`, certain: !zeros },
      };
    }
    const got = r.fill(off, FRAME_HEADER_SIZE + len);
    if (got < FRAME_HEADER_SIZE + len)
      return {
        end: off,
        nextSeq: seq,
        bad: { offset: off, reason: `incomplete frame (${got} of ${FRAME_HEADER_SIZE + len} bytes)`, certain: false },
      };
    p = off - r.bufStart;
    const ps = p + FRAME_HEADER_SIZE;
    const pe = ps + len;
    if (crc32(new Uint8Array(r.buf.buffer, r.buf.byteOffset + ps, len)) !== sum)
      return { end: off, nextSeq: seq, bad: { offset: off, reason: 'checksum mismatch in a whole frame', certain: true } };
    let s = peekSeq(r.buf, ps, pe);
    let count = peekCount(r.buf, ps, pe);
    if (s < 0 || count < 1) {
      try {
        const envs: Envelope[] = [];
        count = decodeFrame(r.buf, ps, pe, envs);
        s = envs[0]!.seq;
      } catch (err) {
        return { end: off, nextSeq: seq, bad: { offset: off, reason: `undecodable payload: ${(err as Error).message}`, certain: true } };
      }
    }
    if (s !== seq) return { end: off, nextSeq: seq, bad: { offset: off, reason: `sequence gap: frame carries seq ${s}`, certain: true } };
    off += FRAME_HEADER_SIZE + len;
    seq += count;
  }
}

/** Whether every byte from `off` to the end of the file (or limit) is zero: space a crash left unwritten. */
function zerosToEnd(r: ChunkReader, off: number): boolean {
  const CHUNK = 1024 * 1024;
  for (let at = off; ; at += CHUNK) {
    const got = r.fill(at, CHUNK);
    const p = at - r.bufStart;
    for (let i = 0; i < got; i++) if (r.buf[p + i] !== 0) return false;
    if (got < CHUNK) return true;
  }
}

/**
 * After a bad frame at `from`, looks for any later offset where a whole good frame starts
 * (sane length, payload is a batch or a 5-array whose first seq >= `minSeq`, CRC holds). A good frame after a bad one
 * means the damage is in the middle of the journal, not a torn tail. Returns its offset or -1.
 */
export function findGoodFrameAfter(fd: number, from: number, minSeq: number, limit?: number): number {
  const size = Math.min(fstatSync(fd).size, limit ?? Number.POSITIVE_INFINITY);
  if (size - from <= FRAME_HEADER_SIZE) return -1;
  const buf = Buffer.allocUnsafe(size - from);
  let n = 0;
  while (n < buf.length) {
    const got = readSync(fd, buf, n, buf.length - n, from + n);
    if (got === 0) break;
    n += got;
  }
  for (let p = 1; p + FRAME_HEADER_SIZE < n; p++) {
    const len = buf.readUInt32LE(p);
    const tag = buf[p + FRAME_HEADER_SIZE];
    if (len < 2 || p + FRAME_HEADER_SIZE + len > n || (tag !== 0x95 && tag !== 0xdd)) continue;
    const ps = p + FRAME_HEADER_SIZE;
    const s = peekSeq(buf, ps, ps + len);
    if (s < minSeq && s !== -1) continue;
    if (crc32(buf.subarray(ps, ps + len)) === buf.readUInt32LE(p + 4)) return from + p;
  }
  return -1;
}

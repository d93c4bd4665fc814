/**
 * A fault-tolerant walk over the frames of one segment file, for verify: unlike
 * the journal's readers it does not stop at the first bad frame. It reports the
 * fault, then resumes at the next whole, checksum-valid frame (right after the
 * bad one when its length field still holds, else found by scanning), so one
 * flipped byte costs one event, not the rest of the journal.
 * Frame layout: journal/segment-format.ts. A frame's payload is one envelope
 * (msgpack fixarray of 5, 0x95) or a commit batch of envelopes (array32, 0xdd).
 */
import { readFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { decodePayload, packr } from './codec.ts';
import type { Envelope } from './envelope.ts';
import { FRAME_HEADER_SIZE, HEADER_SIZE, headerProblem, MAX_PAYLOAD } from './segment-format.ts';
import type { SegmentFile } from './segment-format.ts';
import { upcast, type UpcastTable } from './upcast.ts';

export type FrameStep =
  | { kind: 'event'; event: Envelope; offset: number }
  | { kind: 'fault'; offset: number; reason: string; fault: 'frame' | 'sequence' };

/** The envelopes of one frame payload. */
function decodeEnvelopes(buf: Buffer, start: number, end: number): Envelope[] {
  if (buf[start] === 0x95) return [decodePayload(buf, start, end)];
  if (buf[start] !== 0xdd) throw new Error('payload is neither an envelope nor a batch');
  const items: unknown = packr.unpack(buf.subarray(start, end));
  if (!Array.isArray(items) || items.length === 0) throw new Error('empty batch');
  return items.map((x: unknown) => {
    if (!Array.isArray(x) || x.length !== 5 || typeof x[0] !== 'number' || typeof x[1] !== 'string')
      throw new Error('batch item is not a [seq, type, v, time, data] array');
    return { seq: x[0], type: x[1], v: x[2] as number, time: x[3] as number, data: x[4] as unknown };
  });
}

/** Is there a whole frame at `p` whose checksum holds? Returns its first seq, or -1. */
function goodFrameAt(buf: Buffer, p: number): number {
  if (p + FRAME_HEADER_SIZE > buf.length) return -1;
  const len = buf.readUInt32LE(p);
  if (len < 2 || len > MAX_PAYLOAD || p + FRAME_HEADER_SIZE + len > buf.length) return -1;
  const ps = p + FRAME_HEADER_SIZE;
  if (crc32(buf.subarray(ps, ps + len)) !== buf.readUInt32LE(p + 4)) return -1;
  try {
    return decodeEnvelopes(buf, ps, ps + len)[0]!.seq;
  } catch {
    return -1;
  }
}

export function* walkFrames(seg: SegmentFile, table: UpcastTable): Generator<FrameStep, number> {
  const buf = readFileSync(seg.path);
  const problem = headerProblem(buf.subarray(0, HEADER_SIZE), seg.firstSeq, seg.path);
  if (problem !== undefined) {
    yield { kind: 'fault', offset: 0, reason: problem, fault: 'frame' };
    return seg.firstSeq;
  }
  let off = HEADER_SIZE;
  let expected = seg.firstSeq;
  while (off < buf.length) {
    const len = off + FRAME_HEADER_SIZE <= buf.length ? buf.readUInt32LE(off) : 0;
    const ps = off + FRAME_HEADER_SIZE;
    let reason: string | undefined;
    if (off + FRAME_HEADER_SIZE > buf.length) reason = 'incomplete frame header (a torn tail)';
    else if (len === 0 || len > MAX_PAYLOAD) reason = `impossible frame length ${len}`;
    else if (ps + len > buf.length) reason = 'incomplete frame (a torn tail)';
    else if (crc32(buf.subarray(ps, ps + len)) !== buf.readUInt32LE(off + 4)) reason = 'checksum mismatch';
    if (reason === undefined) {
      let envs: Envelope[] | undefined;
      try {
        envs = decodeEnvelopes(buf, ps, ps + len);
      } catch (err) {
        reason = `undecodable payload: ${(err as Error).message}`;
      }
      if (envs) {
        for (const env of envs) {
          const e = upcast(env, table);
          if (e.seq !== expected)
            yield {
              kind: 'fault',
              offset: off,
              reason: `sequence gap: frame carries seq ${e.seq}, expected ${expected}`,
              fault: 'sequence',
            };
          yield { kind: 'event', event: e, offset: off };
          expected = e.seq + 1;
        }
        off = ps + len;
        continue;
      }
    }
    yield { kind: 'fault', offset: off, reason: `${reason} (seq ${expected})`, fault: 'frame' };
    // Resume at the next good frame: right after this one if its length still holds, else scan.
    let next = -1;
    if (len > 0 && len <= MAX_PAYLOAD && goodFrameAt(buf, ps + len) >= 0) next = ps + len;
    else for (let p = off + 1; p + FRAME_HEADER_SIZE < buf.length && next < 0; p++) if (goodFrameAt(buf, p) > expected - 1) next = p;
    if (next < 0) break;
    expected = goodFrameAt(buf, next);
    off = next;
  }
  return expected;
}

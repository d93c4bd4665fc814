/**
 * A fault-tolerant walk over the frames of one segment file, for verify: unlike
 * the journal's readers it does not stop at the first bad frame. It reports the
 * fault, then resumes at the next whole, checksum-valid frame (right after the
 * bad one when its length field still holds, else found by scanning), so one
 * flipped byte costs one event, not the rest of the journal.
 * Frame layout: journal/segment-format.ts.
 */
import { readFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import type { RecordedEvent } from '../domain/events.ts';
import { decodePayload, peekSeq } from '../journal/codec.ts';
import { FRAME_HEADER_SIZE, HEADER_SIZE, headerProblem, MAX_PAYLOAD } from '../journal/segment-format.ts';
import type { SegmentFile } from '../journal/segment-format.ts';
import { upcast, type UpcastTable } from '../journal/upcast.ts';

export type FrameStep =
  | { kind: 'event'; event: RecordedEvent; offset: number }
  | { kind: 'fault'; offset: number; reason: string; fault: 'frame' | 'sequence' };

/** Is there a whole frame at `p` whose checksum holds? Returns its seq, or -1. */
function goodFrameAt(buf: Buffer, p: number): number {
  if (p + FRAME_HEADER_SIZE > buf.length) return -1;
  const len = buf.readUInt32LE(p);
  if (len < 2 || len > MAX_PAYLOAD || p + FRAME_HEADER_SIZE + len > buf.length) return -1;
  const ps = p + FRAME_HEADER_SIZE;
  if (crc32(buf.subarray(ps, ps + len)) !== buf.readUInt32LE(p + 4)) return -1;
  return peekSeq(buf, ps, ps + len);
}

export function* walkFrames(seg: SegmentFile, table: UpcastTable): Generator<FrameStep, number> {
  const buf = readFileSync(seg.path);
  const problem = headerProblem(buf.subarray(0, HEADER_SIZE), seg.firstSeq);
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
      let e: RecordedEvent | undefined;
      try {
        e = upcast(decodePayload(buf, ps, ps + len), table) as RecordedEvent;
      } catch (err) {
        reason = `undecodable payload: ${(err as Error).message}`;
      }
      if (e) {
        if (e.seq !== expected)
          yield { kind: 'fault', offset: off, reason: `sequence gap: frame carries seq ${e.seq}, expected ${expected}`, fault: 'sequence' };
        yield { kind: 'event', event: e, offset: off };
        expected = e.seq + 1;
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

import { closeSync, openSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { ChunkReader } from './chunk-reader.ts';
import { decodePayload, peekSeq } from './codec.ts';
import type { Envelope } from './envelope.ts';
import { JournalCorruptError } from './errors.ts';
import { findGoodFrameAfter } from './frame-scan.ts';
import { FRAME_HEADER_SIZE, HEADER_SIZE, MAX_PAYLOAD, headerProblem, segmentIndexFor } from './segment-format.ts';
import type { SegmentFile } from './segment-format.ts';
import { isEmptyTable, upcast } from './upcast.ts';
import type { UpcastTable } from './upcast.ts';

export interface ReadRange {
  from: number;
  to: number;
  /** byte offset where the last segment's trusted bytes end (the writer's written end); default: EOF */
  lastEnd?: number;
  /**
   * Reader mode: a bad frame at the end of the last segment (a write in progress, or a torn tail
   * the writer will cut) ends the read quietly. Without it, any bad frame throws.
   */
  tolerateTail: boolean;
  upcasters?: UpcastTable | undefined;
}

/**
 * Every envelope with from <= seq <= to, in order, CRC-checked and upcast, from the given segments.
 * The hot path of replay: one chunk buffer per segment, a CRC and one msgpack decode per frame.
 */
export function* readSegments(segments: readonly SegmentFile[], range: ReadRange): Generator<Envelope, void> {
  if (segments.length === 0 || range.from > range.to) return;
  const table = isEmptyTable(range.upcasters) ? undefined : range.upcasters;
  let expected: number | undefined;
  for (let i = segmentIndexFor(segments, range.from); i < segments.length; i++) {
    const seg = segments[i]!;
    if (seg.firstSeq > range.to) return;
    if (expected !== undefined && seg.firstSeq !== expected) {
      throw new JournalCorruptError(seg.path, 0, expected, `sequence gap: segment starts at seq ${seg.firstSeq}`);
    }
    const last = i === segments.length - 1;
    expected = yield* readSegment(seg, range, last, table);
    if (expected > range.to) return;
  }
}

function* readSegment(seg: SegmentFile, range: ReadRange, last: boolean, table: UpcastTable | undefined): Generator<Envelope, number> {
  const fd = openSync(seg.path, 'r');
  try {
    const r = new ChunkReader(fd, last ? range.lastEnd : undefined);
    const tolerate = range.tolerateTail && last;
    const head = r.fill(0, HEADER_SIZE);
    if (head < HEADER_SIZE && tolerate) return seg.firstSeq;
    const problem = headerProblem(r.buf.subarray(0, head), seg.firstSeq);
    if (problem !== undefined) throw new JournalCorruptError(seg.path, 0, seg.firstSeq, problem);

    const { from, to } = range;
    let off = HEADER_SIZE;
    let expected = seg.firstSeq;
    // A bad frame: the quiet end of the read for a reader at the tail, an error otherwise.
    const bad = (reason: string): number => {
      if (tolerate) {
        const good = findGoodFrameAfter(fd, off, expected, range.lastEnd);
        if (good < 0) return expected;
        reason += `; a good frame follows at offset ${good}`;
      }
      throw new JournalCorruptError(seg.path, off, expected, reason);
    };
    while (expected <= to) {
      let p = off - r.bufStart;
      if (p < 0 || p + FRAME_HEADER_SIZE > r.bufLen) {
        const head = r.fill(off, FRAME_HEADER_SIZE);
        if (head === 0) break;
        if (head < FRAME_HEADER_SIZE) return bad('incomplete frame header');
        p = off - r.bufStart;
      }
      const len = r.buf.readUInt32LE(p);
      if (len === 0 || len > MAX_PAYLOAD) return bad(`impossible frame length ${len}`);
      if (p + FRAME_HEADER_SIZE + len > r.bufLen) {
        if (r.fill(off, FRAME_HEADER_SIZE + len) < FRAME_HEADER_SIZE + len) return bad('incomplete frame');
        p = off - r.bufStart;
      }
      const buf = r.buf;
      const ps = p + FRAME_HEADER_SIZE;
      const pe = ps + len;
      if (expected < from && peekSeq(buf, ps, pe) === expected) {
        // before the wanted range: skip without checksum or decode
        off += FRAME_HEADER_SIZE + len;
        expected++;
        continue;
      }
      if (crc32(new Uint8Array(buf.buffer, buf.byteOffset + ps, len)) !== buf.readUInt32LE(p + 4)) return bad('checksum mismatch');
      let e: Envelope;
      try {
        e = decodePayload(buf, ps, pe);
      } catch (err) {
        throw new JournalCorruptError(seg.path, off, expected, `undecodable payload: ${(err as Error).message}`);
      }
      if (e.seq !== expected) throw new JournalCorruptError(seg.path, off, expected, `sequence gap: frame carries seq ${e.seq}`);
      off += FRAME_HEADER_SIZE + len;
      expected++;
      if (e.seq >= from) yield table === undefined ? e : upcast(e, table);
    }
    return expected;
  } finally {
    closeSync(fd);
  }
}

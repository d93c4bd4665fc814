import { closeSync, openSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { ChunkReader } from './chunk-reader.ts';
import { decodeFrame, peekCount, peekSeq } from './codec.ts';
import type { Envelope } from './envelope.ts';
import { JournalCorruptError } from './errors.ts';
import { findGoodFrameAfter } from './frame-scan.ts';
import { FRAME_HEADER_SIZE, HEADER_SIZE, MAX_PAYLOAD, headerProblem, segmentIndexFor } from './segment-format.ts';
import type { SegmentFile } from './segment-format.ts';
import type { SeekIndex } from './seek-index.ts';
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
  /**
   * The event types readers know: an envelope of another type (a newer writer, or damage the
   * checksum did not catch) is refused with the segment and offset of its frame.
   */
  eventTypes?: ReadonlySet<string> | undefined;
  /**
   * Per segment path, the byte offset up to which this process has already verified every frame's
   * checksum (the writer's recovery scan at open): those frames are not checksummed again.
   */
  verified?: ReadonlyMap<string, number> | undefined;
  /** Frame starts found by earlier reads (filled by this one): a read starts near `from`, not at the segment's start. */
  seek?: SeekIndex | undefined;
}

/**
 * Every envelope with from <= seq <= to, in order, CRC-checked and upcast, from the given segments.
 * The hot path of replay: one chunk buffer per segment, one CRC and one decode loop per frame
 * (a frame is a commit batch of envelopes), and a single generator level per event.
 */
export function* readSegments(segments: readonly SegmentFile[], range: ReadRange): Generator<Envelope, void> {
  if (segments.length === 0 || range.from > range.to) return;
  const table = isEmptyTable(range.upcasters) ? undefined : range.upcasters;
  const { from, to } = range;
  const batch: Envelope[] = [];
  let expected: number | undefined;
  for (let i = segmentIndexFor(segments, from); i < segments.length; i++) {
    const seg = segments[i]!;
    if (seg.firstSeq > to) return;
    if (expected !== undefined && seg.firstSeq !== expected) {
      throw new JournalCorruptError(seg.path, 0, expected, `sequence gap: segment starts at seq ${seg.firstSeq}`);
    }
    const cursor = new SegmentCursor(seg, range, i === segments.length - 1);
    try {
      for (let n = 0; cursor.expected <= to && (n = cursor.next(batch)) > 0; ) {
        for (let k = 0; k < n; k++) {
          const e = batch[k]!;
          if (e.seq > to) break;
          if (e.seq >= from) yield table === undefined ? e : upcast(e, table);
        }
      }
    } finally {
      cursor.close();
    }
    expected = cursor.expected;
    if (expected > to) return;
  }
}

/** The frames of one segment, decoded a batch at a time, every check of journal/README.md applied. */
class SegmentCursor {
  /** the seq the next frame must start with */
  expected: number;
  private readonly fd: number;
  private readonly r: ChunkReader;
  private readonly tolerate: boolean;
  private off = HEADER_SIZE;
  private done = false;
  /** frames ending at or before this offset were checksummed at open */
  private readonly verifiedEnd: number;

  constructor(
    private readonly seg: SegmentFile,
    private readonly range: ReadRange,
    last: boolean,
  ) {
    this.expected = seg.firstSeq;
    this.verifiedEnd = range.verified?.get(seg.path) ?? 0;
    this.fd = openSync(seg.path, 'r');
    try {
      this.r = new ChunkReader(this.fd, last ? range.lastEnd : undefined);
      this.tolerate = range.tolerateTail && last;
      const head = this.r.fill(0, HEADER_SIZE);
      if (head < HEADER_SIZE && this.tolerate) this.done = true;
      else {
        const problem = headerProblem(this.r.buf.subarray(0, head), seg.firstSeq, seg.path);
        if (problem !== undefined) throw new JournalCorruptError(seg.path, 0, seg.firstSeq, problem);
        this.seekNear(range.from);
      }
    } catch (err) {
      closeSync(this.fd);
      throw err;
    }
  }

  close(): void {
    closeSync(this.fd);
  }

  /** Starts at the known frame start nearest before `from`, when the seek index has one that holds. */
  private seekNear(from: number): void {
    const seek = this.range.seek;
    const hint = seek?.near(this.seg.path, from);
    if (!seek || !hint || hint.seq <= this.expected) return;
    const got = this.r.fill(hint.offset, FRAME_HEADER_SIZE + 16);
    const p = hint.offset - this.r.bufStart;
    const len = got >= FRAME_HEADER_SIZE ? this.r.buf.readUInt32LE(p) : 0;
    const end = p + Math.min(got, FRAME_HEADER_SIZE + len);
    if (got < FRAME_HEADER_SIZE + 2 || len === 0 || peekSeq(this.r.buf, p + FRAME_HEADER_SIZE, end) !== hint.seq) {
      seek.forget(this.seg.path);
      return;
    }
    this.off = hint.offset;
    this.expected = hint.seq;
  }

  /**
   * Decodes into out[0, n) the envelopes of the next frame that may hold seqs >= from (frames
   * wholly before it are skipped without checksum or decode) and returns n; 0 at the end.
   */
  next(out: Envelope[]): number {
    const r = this.r;
    const from = this.range.from;
    while (!this.done) {
      const off = this.off;
      let p = off - r.bufStart;
      if (p < 0 || p + FRAME_HEADER_SIZE > r.bufLen) {
        const head = r.fill(off, FRAME_HEADER_SIZE);
        if (head === 0) return 0;
        if (head < FRAME_HEADER_SIZE) return this.bad('incomplete frame header');
        p = off - r.bufStart;
      }
      const len = r.buf.readUInt32LE(p);
      if (len === 0 || len > MAX_PAYLOAD) return this.bad(`impossible frame length ${len}`);
      if (p + FRAME_HEADER_SIZE + len > r.bufLen) {
        if (r.fill(off, FRAME_HEADER_SIZE + len) < FRAME_HEADER_SIZE + len) return this.bad('incomplete frame');
        p = off - r.bufStart;
      }
      const buf = r.buf;
      const ps = p + FRAME_HEADER_SIZE;
      const pe = ps + len;
      if (this.expected < from) {
        const count = peekCount(buf, ps, pe);
        if (count > 0 && this.expected + count <= from && peekSeq(buf, ps, pe) === this.expected) {
          // wholly before the wanted range: skip without checksum or decode
          this.range.seek?.note(this.seg.path, off, this.expected);
          this.off += FRAME_HEADER_SIZE + len;
          this.expected += count;
          continue;
        }
      }
      if (
        off + FRAME_HEADER_SIZE + len > this.verifiedEnd &&
        crc32(new Uint8Array(buf.buffer, buf.byteOffset + ps, len)) !== buf.readUInt32LE(p + 4)
      ) {
        return this.bad('checksum mismatch');
      }
      let n: number;
      try {
        n = decodeFrame(buf, ps, pe, out);
      } catch (err) {
        throw new JournalCorruptError(this.seg.path, off, this.expected, `undecodable payload: ${(err as Error).message}`);
      }
      const types = this.range.eventTypes;
      for (let k = 0; k < n; k++) {
        const e = out[k]!;
        if (e.seq !== this.expected + k)
          throw new JournalCorruptError(this.seg.path, off, this.expected, `sequence gap: frame carries seq ${e.seq} at item ${k}`);
        if (types !== undefined && !types.has(e.type))
          throw new JournalCorruptError(
            this.seg.path,
            off,
            e.seq,
            `event ${e.seq} has a type this build does not know: '${String(e.type).slice(0, 100)}' (written by a newer ecr-rewind, or damaged)`,
          );
      }
      this.range.seek?.note(this.seg.path, off, this.expected);
      this.off += FRAME_HEADER_SIZE + len;
      this.expected += n;
      return n;
    }
    return 0;
  }

  /** A bad frame: the quiet end of the read for a reader at the tail, an error otherwise. */
  private bad(reason: string): 0 {
    if (this.tolerate) {
      const good = findGoodFrameAfter(this.fd, this.off, this.expected, this.range.lastEnd);
      if (good < 0) {
        this.done = true;
        return 0;
      }
      reason += `; a good frame follows at offset ${good}`;
    }
    throw new JournalCorruptError(this.seg.path, this.off, this.expected, reason);
  }
}

// msgpackr's `pack` entry: the same Packr without the probe for its optional native add-on
// (msgpackr-extract, only faster decoding of long strings, which replay does in fast-unpack.ts):
// looking for it costs ~10 ms of every start.
import { Packr } from 'msgpackr/pack';
import type { Envelope } from './envelope.ts';
import { UNSUPPORTED, fastDecodeEnvelope, fastDecodeFrame } from './fast-unpack.ts';

/**
 * A frame's payload is one commit batch: a msgpack array32 (`dd <u32 BE count>`, always that
 * form, so the count sits at a fixed place) of `count` >= 1 envelopes with consecutive seqs.
 * Version-1 segments hold frames whose payload is one bare envelope; readers accept both.
 * An envelope is one msgpack array of exactly five items:
 *
 *     [seq, type, v, time, data]
 *
 * seq, v and time are non-negative integers, type is a string, data any msgpack value.
 * `useRecords: false` keeps msgpackr's record extension out, so every frame decodes on its own
 * with any msgpack library. Key order of `data` objects is kept, so the same event (built by one
 * factory per type) always encodes to the same bytes. `copyBuffers` makes decoded binary values own
 * their bytes: readers reuse their chunk buffers, so a view into them would change under the caller.
 */
export const packr = new Packr({ useRecords: false, copyBuffers: true });

/**
 * For a whole buffer that is read once and never reused (a snapshot body): decoded binary values
 * are views into it instead of copies, which saves an allocation and a copy per manifest on start.
 */
export const viewingPackr = new Packr({ useRecords: false });

const NIL = Buffer.from([0xc0]);

/**
 * msgpackr keeps the last buffer it decoded (and a DataView of it) in module variables until
 * the next decode: after a checkpoint of hundreds of MiB, that would keep the whole file in
 * memory for as long as the server runs. Decoding one nil byte lets it go.
 */
export function releaseDecodedBuffer(): void {
  packr.unpack(NIL);
}

/** Bytes before the first envelope of a batch payload: `dd` and the u32 BE count. */
export const BATCH_HEADER_SIZE = 5;

/** Encodes the bytes of one envelope (a version-1 frame payload, or one item of a batch). The result stays valid after later calls. */
export function encodePayload(e: Envelope): Buffer {
  return packr.pack([e.seq, e.type, e.v, e.time, e.data]);
}

/** Reused options object for the hot decode loop (msgpackr reads start/end from it). */
const range = { start: 0, end: 0 };

/** Decodes the payload at buf[start, end) into an envelope; throws on anything but a 5-item array. */
export function decodePayload(buf: Buffer, start: number, end: number): Envelope {
  try {
    return fastDecodeEnvelope(buf, start, end);
  } catch (err) {
    if (err !== UNSUPPORTED) throw err;
  }
  range.start = start;
  range.end = end;
  const a: unknown = packr.unpack(buf, range);
  if (!Array.isArray(a) || a.length !== 5 || typeof a[0] !== 'number' || typeof a[1] !== 'string') {
    throw new Error('frame payload is not a [seq, type, v, time, data] array');
  }
  return { seq: a[0], type: a[1], v: a[2] as number, time: a[3] as number, data: a[4] };
}

/**
 * Decodes every envelope of a frame payload at buf[start, end) (a batch, or one bare envelope)
 * into out[0, n) (entries past n are left as they were: callers reuse one array); returns n.
 * Throws on anything else, or an empty batch.
 */
export function decodeFrame(buf: Buffer, start: number, end: number, out: Envelope[]): number {
  try {
    return fastDecodeFrame(buf, start, end, out);
  } catch (err) {
    if (err !== UNSUPPORTED) throw err;
  }
  if (buf[start] === 0x95) {
    out[0] = decodePayload(buf, start, end);
    return 1;
  }
  if (buf[start] !== 0xdd) throw new Error('frame payload is neither a batch nor an envelope');
  range.start = start;
  range.end = end;
  const a: unknown = packr.unpack(buf, range);
  if (!Array.isArray(a) || a.length === 0) throw new Error('frame payload is an empty batch');
  for (let i = 0; i < a.length; i++) {
    const x: unknown = a[i];
    if (!Array.isArray(x) || x.length !== 5 || typeof x[0] !== 'number' || typeof x[1] !== 'string') {
      throw new Error('batch item is not a [seq, type, v, time, data] array');
    }
    out[i] = { seq: x[0], type: x[1], v: x[2] as number, time: x[3] as number, data: x[4] };
  }
  return a.length;
}

/**
 * How many envelopes a frame payload holds without decoding them: the batch count, or 1 for a
 * bare envelope; -1 when the payload has neither shape.
 */
export function peekCount(buf: Buffer, start: number, end: number): number {
  if (end - start >= BATCH_HEADER_SIZE && buf[start] === 0xdd) return buf.readUInt32BE(start + 1);
  return end > start && buf[start] === 0x95 ? 1 : -1;
}

/**
 * Reads the first seq of a frame payload without decoding the rest: the envelope (at the start, or
 * after the batch header) starts with 0x95 (fixarray of 5) and then the seq as a msgpack unsigned
 * integer (or float64 for very large values).
 * Returns -1 when the bytes do not have that shape; callers then decode fully.
 */
export function peekSeq(buf: Buffer, start: number, end: number): number {
  if (end - start > BATCH_HEADER_SIZE && buf[start] === 0xdd) start += BATCH_HEADER_SIZE;
  if (end - start < 2 || buf[start] !== 0x95) return -1;
  const tag = buf[start + 1]!;
  const p = start + 2;
  if (tag < 0x80) return tag;
  switch (tag) {
    case 0xcc:
      return p + 1 <= end ? buf[p]! : -1;
    case 0xcd:
      return p + 2 <= end ? buf.readUInt16BE(p) : -1;
    case 0xce:
      return p + 4 <= end ? buf.readUInt32BE(p) : -1;
    case 0xcf:
      return p + 8 <= end ? Number(buf.readBigUInt64BE(p)) : -1;
    case 0xcb:
      return p + 8 <= end ? buf.readDoubleBE(p) : -1;
    default:
      return -1;
  }
}

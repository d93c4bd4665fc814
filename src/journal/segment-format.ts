import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { JournalVersionError } from './errors.ts';

/**
 * Segment files: `<dir>/segments/<first seq, 20 decimal digits>.seg`.
 *
 * Header (24 bytes, little-endian):
 *
 *     0  8  magic  "ECRRWJNL" (45 43 52 52 57 4A 4E 4C)
 *     8  4  u32    format version (2; version-1 segments are read too)
 *    12  4  u32    header length in bytes (24); frames start here
 *    16  8  u64    first seq of the segment (equals the file name)
 *
 * Frames follow back to back (little-endian):
 *
 *     0  4  u32    payload length L (1 .. MAX_PAYLOAD)
 *     4  4  u32    CRC-32 (IEEE 802.3, as zlib.crc32) of the L payload bytes
 *     8  L  msgpack payload: one commit batch, `dd <u32 BE count>` then `count` envelopes back
 *           to back (a msgpack array32 of envelopes); version-1 frames hold one envelope (see codec.ts)
 *
 * The full spec, with recovery rules, is journal/README.md.
 */
export const MAGIC: Buffer = Buffer.from('ECRRWJNL', 'latin1');
export const FORMAT_VERSION = 2;
/** Versions a reader accepts: version 1 is version 2 whose frames all hold one bare envelope. */
const READABLE_VERSIONS: readonly number[] = [1, 2];
export const HEADER_SIZE = 24;
export const FRAME_HEADER_SIZE = 8;
/** Frames larger than this are refused on append and treated as damage on read. */
export const MAX_PAYLOAD = 256 * 1024 * 1024;

export const SEGMENTS_DIR = 'segments';
const SEGMENT_NAME = /^(\d{20})\.seg$/;

export interface SegmentFile {
  firstSeq: number;
  path: string;
}

export function segmentsDir(dir: string): string {
  return join(dir, SEGMENTS_DIR);
}

export function segmentFileName(firstSeq: number): string {
  return `${String(firstSeq).padStart(20, '0')}.seg`;
}

/** The segment files of a journal directory, in sequence order (missing directory = none). */
export function listSegments(dir: string): SegmentFile[] {
  const segDir = segmentsDir(dir);
  let names: string[];
  try {
    names = readdirSync(segDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: SegmentFile[] = [];
  for (const name of names) {
    const m = SEGMENT_NAME.exec(name);
    if (m) out.push({ firstSeq: Number(m[1]), path: join(segDir, name) });
  }
  return out.sort((a, b) => a.firstSeq - b.firstSeq);
}

export function encodeHeader(firstSeq: number): Buffer {
  const h = Buffer.alloc(HEADER_SIZE);
  MAGIC.copy(h, 0);
  h.writeUInt32LE(FORMAT_VERSION, 8);
  h.writeUInt32LE(HEADER_SIZE, 12);
  h.writeBigUInt64LE(BigInt(firstSeq), 16);
  return h;
}

/**
 * Why a header is unusable, or undefined when it is a readable header for `firstSeq`.
 * A segment of a newer format than this reader knows is not damage: it throws
 * JournalVersionError, which says so and that an upgrade reads it.
 */
export function headerProblem(h: Buffer, firstSeq: number, path: string): string | undefined {
  if (h.length < HEADER_SIZE) return `header is ${h.length} bytes, expected ${HEADER_SIZE}`;
  if (!h.subarray(0, 8).equals(MAGIC)) return 'bad magic (not an ecr-rewind journal segment)';
  const version = h.readUInt32LE(8);
  if (version > FORMAT_VERSION) throw new JournalVersionError(path, version, READABLE_VERSIONS);
  if (!READABLE_VERSIONS.includes(version)) return `unsupported segment format version ${version}`;
  if (h.readUInt32LE(12) !== HEADER_SIZE) return `unexpected header length ${h.readUInt32LE(12)}`;
  const first = Number(h.readBigUInt64LE(16));
  if (first !== firstSeq) return `header says first seq ${first}, file name says ${firstSeq}`;
  return undefined;
}

/** Index of the segment holding `seq` (the last one whose firstSeq <= seq); 0 when before all. */
export function segmentIndexFor(segments: readonly SegmentFile[], seq: number): number {
  let lo = 0;
  let hi = segments.length - 1;
  let ans = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (segments[mid]!.firstSeq <= seq) {
      ans = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return ans;
}

/**
 * The snapshot file (`ecr-rewind snapshot`, GET /_rewind/snapshot): one
 * self-contained, portable file holding a registry state and every byte it
 * needs. All integers little-endian.
 *
 *     0   8  magic  "ECRRWPAK"
 *     8   4  u32    format version (1)
 *    12   4  u32    header length H
 *    16   4  u32    CRC-32 (zlib.crc32) of the H header bytes
 *    20   H  header, UTF-8 JSON (SnapshotHeader below)
 *     .   .  checkpoint: checkpoint.length bytes, the msgpack body of a journal
 *            snapshot file (registry + marks projections), sha256 in the header
 *     .   .  blobs, back to back in header order, each exactly its size;
 *            its sha256 is its digest
 *     .   .  staged bytes of unfinished uploads, in header order, with their sha256
 *     .   8  magic  "ECRRWEND"
 *
 * Restore checks the header CRC, the checkpoint's sha256 and state hash, every
 * blob's digest, every staged upload's sha256 and the end magic, and refuses
 * the whole file at the first mismatch. The header is JSON so that `head -c`
 * shows what a file holds.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { SnapshotFileError } from './errors.ts';

export const SNAPSHOT_MAGIC = 'ECRRWPAK';
export const SNAPSHOT_END = 'ECRRWEND';
export const SNAPSHOT_VERSION = 1;
export const SNAPSHOT_PREFIX = 20;

export interface SnapshotHeader {
  /** The sequence number the state was taken at, in the journal it came from. */
  seq: number;
  createdAt: string;
  /** canonical-state.ts stateHash of the packed state. */
  stateHash: string;
  /**
   * The checkpoint's bytes: their length, sha256 and CRC-32 (zlib.crc32, what the header of
   * the checkpoint file they become holds, so that a start from the file need not compute it;
   * files written before it was added lack it).
   */
  checkpoint: { length: number; sha256: string; crc32?: number };
  /** [digest, size] */
  blobs: [string, number][];
  /** [upload id, length, sha256] */
  uploads: [string, number, string][];
  /** [path in the journal folder, base64]: small files that travel with the state (carried-files.ts). */
  files?: [string, string][];
}

export function encodeSnapshotPrefix(header: SnapshotHeader): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(SNAPSHOT_PREFIX);
  prefix.write(SNAPSHOT_MAGIC, 0, 'latin1');
  prefix.writeUInt32LE(SNAPSHOT_VERSION, 8);
  prefix.writeUInt32LE(json.length, 12);
  prefix.writeUInt32LE(crc32(json), 16);
  return Buffer.concat([prefix, json]);
}

/** Checks the fixed prefix and returns the header length and CRC it announces. */
export function decodeSnapshotPrefix(prefix: Buffer, file: string): { length: number; crc: number } {
  if (prefix.length < SNAPSHOT_PREFIX || prefix.toString('latin1', 0, 8) !== SNAPSHOT_MAGIC)
    throw new SnapshotFileError(`${file} is not an ecr-rewind snapshot file (bad magic)`);
  const version = prefix.readUInt32LE(8);
  if (version !== SNAPSHOT_VERSION) throw new SnapshotFileError(`${file}: unsupported snapshot format version ${version}`);
  return { length: prefix.readUInt32LE(12), crc: prefix.readUInt32LE(16) };
}

export function decodeSnapshotHeader(json: Buffer, crc: number, file: string): SnapshotHeader {
  if (crc32(json) !== crc) throw new SnapshotFileError(`${file}: header checksum mismatch`);
  let h: SnapshotHeader;
  try {
    h = JSON.parse(json.toString('utf8')) as SnapshotHeader;
  } catch {
    throw new SnapshotFileError(`${file}: header is not JSON`);
  }
  if (typeof h.seq !== 'number' || !Array.isArray(h.blobs) || !Array.isArray(h.uploads) || typeof h.checkpoint?.length !== 'number')
    throw new SnapshotFileError(`${file}: header lacks seq, checkpoint, blobs or uploads`);
  return h;
}

/** The header of a snapshot file, where its checkpoint starts (`offset`) and the file size. */
export async function readSnapshotHeader(file: string): Promise<{ header: SnapshotHeader; offset: number; size: number }> {
  let fh: FileHandle;
  try {
    fh = await open(file, 'r');
  } catch {
    throw new SnapshotFileError(`no snapshot file at ${file}`, 'not-found');
  }
  try {
    const size = (await fh.stat()).size;
    const prefix = Buffer.alloc(SNAPSHOT_PREFIX);
    await fh.read(prefix, 0, SNAPSHOT_PREFIX, 0);
    const { length, crc } = decodeSnapshotPrefix(prefix, file);
    if (SNAPSHOT_PREFIX + length > size) throw new SnapshotFileError(`${file} is truncated inside its header`);
    const json = Buffer.alloc(length);
    await fh.read(json, 0, length, SNAPSHOT_PREFIX);
    return { header: decodeSnapshotHeader(json, crc, file), offset: SNAPSHOT_PREFIX + length, size };
  } finally {
    await fh.close();
  }
}

/**
 * The snapshot file (`ecr-rewind snapshot`, GET /_rewind/snapshot): one
 * self-contained, portable file holding a registry state and every byte it
 * needs. All integers little-endian.
 *
 *     0   8  magic  "ECRRWPAK"
 *     8   4  u32    format version (1)
 *    12   4  u32    header length H
 *    16   4  u32    CRC-32 (zlib.crc32) of the H header bytes
 *    20   H  header, UTF-8 JSON (PackHeader below)
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
import { crc32 } from 'node:zlib';
import { ToolError } from './tool-error.ts';

export const PACK_MAGIC = 'ECRRWPAK';
export const PACK_END = 'ECRRWEND';
export const PACK_VERSION = 1;
export const PACK_PREFIX = 20;

export interface PackHeader {
  /** The sequence number the state was taken at, in the journal it came from. */
  seq: number;
  createdAt: string;
  /** canonical-state.ts stateHash of the packed state. */
  stateHash: string;
  checkpoint: { length: number; sha256: string };
  /** [digest, size] */
  blobs: [string, number][];
  /** [upload id, length, sha256] */
  uploads: [string, number, string][];
  /** [path in the journal folder, base64]: small files that travel with the state (pack-files.ts). */
  files?: [string, string][];
}

export function encodePackPrefix(header: PackHeader): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(PACK_PREFIX);
  prefix.write(PACK_MAGIC, 0, 'latin1');
  prefix.writeUInt32LE(PACK_VERSION, 8);
  prefix.writeUInt32LE(json.length, 12);
  prefix.writeUInt32LE(crc32(json), 16);
  return Buffer.concat([prefix, json]);
}

/** Checks the fixed prefix and returns the header length and CRC it announces. */
export function decodePackPrefix(prefix: Buffer, file: string): { length: number; crc: number } {
  if (prefix.length < PACK_PREFIX || prefix.toString('latin1', 0, 8) !== PACK_MAGIC)
    throw new ToolError('corrupt', `${file} is not an ecr-rewind snapshot file (bad magic)`);
  const version = prefix.readUInt32LE(8);
  if (version !== PACK_VERSION) throw new ToolError('corrupt', `${file}: unsupported snapshot format version ${version}`);
  return { length: prefix.readUInt32LE(12), crc: prefix.readUInt32LE(16) };
}

export function decodePackHeader(json: Buffer, crc: number, file: string): PackHeader {
  if (crc32(json) !== crc) throw new ToolError('corrupt', `${file}: header checksum mismatch`);
  let h: PackHeader;
  try {
    h = JSON.parse(json.toString('utf8')) as PackHeader;
  } catch {
    throw new ToolError('corrupt', `${file}: header is not JSON`);
  }
  if (typeof h.seq !== 'number' || !Array.isArray(h.blobs) || !Array.isArray(h.uploads) || typeof h.checkpoint?.length !== 'number')
    throw new ToolError('corrupt', `${file}: header lacks seq, checkpoint, blobs or uploads`);
  return h;
}

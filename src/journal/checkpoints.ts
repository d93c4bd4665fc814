/**
 * Checkpoints: the state of the projections at a sequence number, kept beside
 * the segments so that a start (or a look at the past) replays only what came
 * after. This file is the one codec of the checkpoint file; what the projection
 * states mean is the projections' business (src/projections/checkpoint.ts).
 *
 *   <dir>/snapshots/<seq, 20 decimal digits>.snap
 *
 * (The folder and file names are kept from format 1, when checkpoints were
 * called snapshots; "snapshot file" now names the portable single file.)
 *
 * File layout (little-endian):
 *
 *     0  8  magic  "ECRRWSNP"
 *     8  4  u32    format version (1)
 *    12  4  u32    CRC-32 of the body
 *    16  .. body   msgpack [seq, [[name, version, state], ...]]
 *
 * A checkpoint file is written whole (support/durable-file.ts), so a reader
 * finds either no file or all of it. The body alone is also what a snapshot
 * file carries as its checkpoint.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { writeFileDurably } from '../support/durable-file.ts';
import { packr, releaseDecodedBuffer, viewingPackr } from './codec.ts';
import { CheckpointError } from './errors.ts';

/** One projection's state in a checkpoint: its name, the version of its form, and the form. */
export interface ProjectionState {
  name: string;
  version: number;
  /** msgpack-encodable; Maps come back as plain objects when their keys are strings */
  state: unknown;
}

export interface CheckpointContent {
  seq: number;
  projections: ProjectionState[];
}

export const CHECKPOINTS_DIR = 'snapshots';
const MAGIC = Buffer.from('ECRRWSNP', 'latin1');
const FORMAT_VERSION = 1;
const HEADER_SIZE = 16;
const FILE_NAME = /^(\d{20})\.snap$/;

export const checkpointPath = (dir: string, seq: number): string => join(dir, CHECKPOINTS_DIR, `${String(seq).padStart(20, '0')}.snap`);

/** The body of a checkpoint file (what a snapshot file also carries). */
export function encodeCheckpoint(content: CheckpointContent): Buffer {
  return packr.pack([content.seq, content.projections.map((p) => [p.name, p.version, p.state])]);
}

/**
 * Decodes a checkpoint body. Binary values in the result are views into `body`,
 * which must not change afterwards. `where` names the file in errors.
 */
export function decodeCheckpoint(body: Uint8Array, where: string): CheckpointContent {
  let value: unknown;
  try {
    value = viewingPackr.unpack(body);
  } catch (err) {
    throw new CheckpointError(where, `the body does not decode: ${(err as Error).message}`);
  } finally {
    releaseDecodedBuffer();
  }
  if (!Array.isArray(value) || value.length !== 2 || typeof value[0] !== 'number' || !Array.isArray(value[1]))
    throw new CheckpointError(where, 'the body is not [seq, projections]');
  const projections = (value[1] as unknown[]).map((p) => {
    if (!Array.isArray(p) || p.length !== 3 || typeof p[0] !== 'string' || typeof p[1] !== 'number')
      throw new CheckpointError(where, 'a projection entry is not [name, version, state]');
    return { name: p[0] as string, version: p[1] as number, state: p[2] as unknown };
  });
  return { seq: value[0] as number, projections };
}

function header(body: Uint8Array, crc = crc32(body)): Buffer {
  const head = Buffer.alloc(HEADER_SIZE);
  MAGIC.copy(head, 0);
  head.writeUInt32LE(FORMAT_VERSION, 8);
  head.writeUInt32LE(crc, 12);
  return head;
}

/** Writes the checkpoint file of `seq` from its body (durably unless `fsync` is false); returns its path. */
export async function writeCheckpointBody(
  dir: string,
  seq: number,
  body: Uint8Array,
  opts: { fsync?: boolean /** the body's CRC-32 when the caller has it (a snapshot file's header) */; crc?: number } = {},
): Promise<string> {
  const path = checkpointPath(dir, seq);
  await mkdir(join(dir, CHECKPOINTS_DIR), { recursive: true });
  await writeFileDurably(path, [header(body, opts.crc), body], opts);
  return path;
}

export function writeCheckpoint(dir: string, content: CheckpointContent, opts: { fsync?: boolean } = {}): Promise<string> {
  return writeCheckpointBody(dir, content.seq, encodeCheckpoint(content), opts);
}

function decodeFile(buf: Buffer, path: string): CheckpointContent {
  if (buf.length < HEADER_SIZE || !buf.subarray(0, 8).equals(MAGIC)) throw new CheckpointError(path, 'not a checkpoint file (bad magic)');
  const version = buf.readUInt32LE(8);
  if (version !== FORMAT_VERSION) throw new CheckpointError(path, `unsupported checkpoint format version ${version}`);
  const body = buf.subarray(HEADER_SIZE);
  if (crc32(body) !== buf.readUInt32LE(12)) throw new CheckpointError(path, 'checksum mismatch');
  return decodeCheckpoint(body, path);
}

/** The checkpoint at exactly `seq` (synchronous: a history's origin is read on first use, inside replay). */
export function readCheckpoint(dir: string, seq: number): CheckpointContent {
  const path = checkpointPath(dir, seq);
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch {
    throw new CheckpointError(path, `the checkpoint at seq ${seq} is missing`, 'missing');
  }
  return decodeFile(buf, path);
}

/**
 * A whole file in one buffer, read by as few reads as the kernel allows (one, for a file in the page
 * cache): unlike readFile's 512 KiB reads, each waiting for a turn of the event loop, the read goes
 * on on the thread pool while the main thread is busy (a start checks the journal meanwhile).
 */
async function readWhole(path: string): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    const buf = Buffer.allocUnsafe(size);
    let n = 0;
    while (n < size) {
      const { bytesRead } = await fh.read(buf, n, size - n, n);
      if (bytesRead === 0) break;
      n += bytesRead;
    }
    return n === size ? buf : buf.subarray(0, n);
  } finally {
    await fh.close();
  }
}

/** Sequence numbers of the checkpoints in a journal folder, ascending. */
export function listCheckpoints(dir: string): number[] {
  let names: string[];
  try {
    names = readdirSync(join(dir, CHECKPOINTS_DIR));
  } catch {
    return [];
  }
  return names
    .map((n) => FILE_NAME.exec(n)?.[1])
    .filter((m): m is string => m !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

/**
 * The newest checkpoint that `usable` accepts (the caller checks the projection
 * versions it can read), with a valid checksum. Other checkpoints are passed over
 * (the caller rebuilds by replay); an unreadable or corrupt file is skipped with a warning.
 */
export async function loadLatestCheckpoint(
  dir: string,
  usable: (content: CheckpointContent) => boolean,
  opts: { warn?: (msg: string) => void } = {},
): Promise<CheckpointContent | undefined> {
  const warn = opts.warn ?? ((msg: string) => process.emitWarning(msg, 'JournalWarning'));
  let names: string[];
  try {
    names = await readdir(join(dir, CHECKPOINTS_DIR));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const seqs = names
    .map((n) => FILE_NAME.exec(n)?.[1])
    .filter((m): m is string => m !== undefined)
    .map(Number)
    .sort((a, b) => b - a);
  for (const seq of seqs) {
    const path = checkpointPath(dir, seq);
    let content: CheckpointContent;
    try {
      // the buffer is this call's own: binary values may stay views into it
      content = decodeFile(await readWhole(path), path);
    } catch (err) {
      warn(`journal: skipping checkpoint ${path}: ${(err as Error).message}`);
      continue;
    }
    if (usable(content)) return content;
  }
  return undefined;
}

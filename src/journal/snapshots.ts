import { mkdir, open, readFile, readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { packr, viewingPackr } from './codec.ts';

/**
 * Snapshots are checkpoints of projection state at a sequence number:
 * `<dir>/snapshots/<seq, 20 decimal digits>.snap`, written to `<name>.tmp-<pid>`, fsynced,
 * renamed into place and the directory fsynced, so a snapshot file is always whole.
 *
 * File layout (little-endian):
 *
 *     0  8  magic  "ECRRWSNP"
 *     8  4  u32    format version (1)
 *    12  4  u32    CRC-32 of the body
 *    16  .. body   msgpack [seq, [[name, version, state], ...]]
 */
export interface ProjectionSnapshot {
  name: string;
  version: number;
  /** msgpack-encodable; Maps come back as plain objects when their keys are strings */
  state: unknown;
}

export const SNAPSHOTS_DIR = 'snapshots';
const MAGIC = Buffer.from('ECRRWSNP', 'latin1');
const FORMAT_VERSION = 1;
const HEADER_SIZE = 16;
const SNAPSHOT_NAME = /^(\d{20})\.snap$/;

export async function writeSnapshot(dir: string, seq: number, projections: ProjectionSnapshot[]): Promise<string> {
  const snapDir = join(dir, SNAPSHOTS_DIR);
  await mkdir(snapDir, { recursive: true });
  const body = packr.pack([seq, projections.map((p) => [p.name, p.version, p.state])]);
  const head = Buffer.alloc(HEADER_SIZE);
  MAGIC.copy(head, 0);
  head.writeUInt32LE(FORMAT_VERSION, 8);
  head.writeUInt32LE(crc32(body), 12);
  const path = join(snapDir, `${String(seq).padStart(20, '0')}.snap`);
  const tmp = `${path}.tmp-${process.pid}`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writev([head, body]);
    await fh.sync();
  } catch (err) {
    await fh.close();
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await fh.close();
  await rename(tmp, path);
  const dh = await open(snapDir, 'r');
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
  return path;
}

/**
 * The newest snapshot holding every wanted projection at exactly the wanted version, with a valid
 * checksum. A snapshot of another projection version is passed over (the caller rebuilds that
 * projection by replay); an unreadable or corrupt file is skipped with a warning.
 */
export async function loadLatestSnapshot(
  dir: string,
  wanted: { name: string; version: number }[],
  opts?: { warn?: (msg: string) => void },
): Promise<{ seq: number; states: Map<string, unknown> } | undefined> {
  const warn = opts?.warn ?? ((msg: string) => process.emitWarning(msg, 'JournalWarning'));
  const snapDir = join(dir, SNAPSHOTS_DIR);
  let names: string[];
  try {
    names = await readdir(snapDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const files = names
    .map((n) => ({ n, m: SNAPSHOT_NAME.exec(n) }))
    .filter((x) => x.m !== null)
    .map((x) => ({ path: join(snapDir, x.n), seq: Number(x.m![1]) }))
    .sort((a, b) => b.seq - a.seq);
  for (const file of files) {
    let decoded: { seq: number; projections: ProjectionSnapshot[] };
    try {
      decoded = decodeSnapshot(await readFile(file.path));
    } catch (err) {
      warn(`journal: skipping snapshot ${file.path}: ${(err as Error).message}`);
      continue;
    }
    const byName = new Map(decoded.projections.map((p) => [p.name, p]));
    if (!wanted.every((w) => byName.get(w.name)?.version === w.version)) continue;
    return { seq: decoded.seq, states: new Map(wanted.map((w) => [w.name, byName.get(w.name)!.state])) };
  }
  return undefined;
}

function decodeSnapshot(buf: Buffer): { seq: number; projections: ProjectionSnapshot[] } {
  if (buf.length < HEADER_SIZE || !buf.subarray(0, 8).equals(MAGIC)) throw new Error('not a snapshot file (bad magic)');
  const version = buf.readUInt32LE(8);
  if (version !== FORMAT_VERSION) throw new Error(`unsupported snapshot format version ${version}`);
  const body = buf.subarray(HEADER_SIZE);
  if (crc32(body) !== buf.readUInt32LE(12)) throw new Error('checksum mismatch');
  // `buf` is this call's own (readFile): binary values may stay views into it
  const value: unknown = viewingPackr.unpack(body);
  if (!Array.isArray(value) || value.length !== 2 || typeof value[0] !== 'number' || !Array.isArray(value[1])) {
    throw new Error('body is not [seq, projections]');
  }
  const projections = (value[1] as unknown[]).map((p) => {
    if (!Array.isArray(p) || p.length !== 3 || typeof p[0] !== 'string' || typeof p[1] !== 'number')
      throw new Error('bad projection entry');
    return { name: p[0] as string, version: p[1] as number, state: p[2] as unknown };
  });
  return { seq: value[0] as number, projections };
}

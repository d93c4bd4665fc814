/**
 * Reading and writing the journal's projection checkpoints (journal/snapshots.ts
 * writes the format: "ECRRWSNP", u32 version, u32 crc32, msgpack body) for one
 * exact sequence number, which the tools need and loadLatestSnapshot does not give:
 * a journal restored from a snapshot file starts its history at such a checkpoint.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { packr, viewingPackr } from '../journal/codec.ts';
import { writeSnapshot } from '../journal/index.ts';
import { SNAPSHOTS_DIR } from '../journal/snapshots.ts';
import { decodeMarks, encodeMarks, MARKS_PROJECTION } from '../projections/marks-projection.ts';
import {
  decodeRegistryState,
  encodeRegistryState,
  REGISTRY_PROJECTION,
  REGISTRY_PROJECTION_VERSIONS,
} from '../projections/registry-projection.ts';
import type { Checkpoint } from './replay.ts';
import { ToolError } from './tool-error.ts';

export const checkpointPath = (dir: string, seq: number): string => join(dir, SNAPSHOTS_DIR, `${String(seq).padStart(20, '0')}.snap`);

export function writeCheckpoint(dir: string, cp: Checkpoint): Promise<string> {
  return writeSnapshot(dir, cp.state.seq, [
    { ...REGISTRY_PROJECTION, state: encodeRegistryState(cp.state) },
    { ...MARKS_PROJECTION, state: encodeMarks(cp.marks) },
  ]);
}

/**
 * Decodes the checkpoint body of a snapshot file (the registry and marks projections).
 * The manifests' bytes in the result are views into `body`, which must not change afterwards.
 */
export function decodeCheckpointBody(body: Uint8Array, where: string): Checkpoint {
  const value: unknown = viewingPackr.unpack(body);
  if (!Array.isArray(value) || typeof value[0] !== 'number' || !Array.isArray(value[1]))
    throw new ToolError('corrupt', `${where}: not a checkpoint ([seq, projections])`);
  const byName = new Map((value[1] as [string, number, unknown][]).map((p) => [p[0], p]));
  const reg = byName.get(REGISTRY_PROJECTION.name);
  if (!reg || !REGISTRY_PROJECTION_VERSIONS.includes(reg[1]))
    throw new ToolError(
      'corrupt',
      `${where}: no registry projection of a version this build reads (${REGISTRY_PROJECTION_VERSIONS.join(', ')})`,
    );
  const marks = byName.get(MARKS_PROJECTION.name);
  const state = decodeRegistryState(reg[2], reg[1]);
  state.seq = value[0] as number;
  return { state, marks: marks ? decodeMarks(marks[2]) : new Map() };
}

/** The checkpoint at exactly `seq` in a journal folder. */
export const readCheckpoint = async (dir: string, seq: number): Promise<Checkpoint> => readCheckpointSync(dir, seq);

/** readCheckpoint, synchronously (a journal's origin is loaded on first use, inside replay). */
export function readCheckpointSync(dir: string, seq: number): Checkpoint {
  const path = checkpointPath(dir, seq);
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch {
    throw new ToolError('not-found', `the journal's history starts after seq ${seq}, but its checkpoint ${path} is missing`);
  }
  if (buf.length < 16 || buf.toString('latin1', 0, 8) !== 'ECRRWSNP') throw new ToolError('corrupt', `${path}: not a snapshot file`);
  const body = buf.subarray(16);
  if (crc32(body) !== buf.readUInt32LE(12)) throw new ToolError('corrupt', `${path}: checksum mismatch`);
  return decodeCheckpointBody(body, path);
}

/** The body bytes a checkpoint file would hold (what snapshot packs carry). */
export function encodeCheckpointBody(cp: Checkpoint): Buffer {
  return packr.pack([
    cp.state.seq,
    [
      [REGISTRY_PROJECTION.name, REGISTRY_PROJECTION.version, encodeRegistryState(cp.state)],
      [MARKS_PROJECTION.name, MARKS_PROJECTION.version, encodeMarks(cp.marks)],
    ],
  ]);
}

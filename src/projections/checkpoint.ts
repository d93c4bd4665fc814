/**
 * Checkpoints of the registry and marks projections, in the journal's checkpoint
 * file format (journal/checkpoints.ts): the one encoder and decoder that start-up,
 * the tools and snapshot files all use, reading every form a projection can read.
 */
import { mkdir } from 'node:fs/promises';
import {
  CheckpointError,
  decodeCheckpoint,
  encodeCheckpoint,
  listCheckpoints,
  loadLatestCheckpoint,
  readCheckpoint,
  writeCheckpoint,
  writeCheckpointBody,
  writeEmptySegment,
  type CheckpointContent,
} from '../journal/index.ts';
import { marksProjection } from './marks-projection.ts';
import type { Projection } from './projection.ts';
import { registryProjection } from './registry-projection.ts';
import type { Checkpoint } from './views.ts';

export type { Checkpoint };

const readable = (p: Projection<unknown>, content: CheckpointContent): boolean => {
  const entry = content.projections.find((e) => e.name === p.name);
  return entry !== undefined && p.readable.includes(entry.version);
};

/** Whether this build reads the checkpoint's registry projection (marks may be absent: none were set). */
export const isReadable = (content: CheckpointContent): boolean => readable(registryProjection as Projection<unknown>, content);

/** The projections' states in checkpoint form. */
export function checkpointContent(cp: Checkpoint): CheckpointContent {
  return {
    seq: cp.state.seq,
    projections: [
      { name: registryProjection.name, version: registryProjection.version, state: registryProjection.encode(cp.state) },
      { name: marksProjection.name, version: marksProjection.version, state: marksProjection.encode(cp.marks) },
    ],
  };
}

/** The projections of a decoded checkpoint; `where` names the file in errors. */
export function checkpointFrom(content: CheckpointContent, where: string): Checkpoint {
  const reg = content.projections.find((e) => e.name === registryProjection.name);
  if (!reg || !registryProjection.readable.includes(reg.version))
    throw new CheckpointError(where, `no registry projection of a version this build reads (${registryProjection.readable.join(', ')})`);
  const marks = content.projections.find((e) => e.name === marksProjection.name);
  const state = registryProjection.decode(reg.state, reg.version);
  state.seq = content.seq;
  return { state, marks: marks ? marksProjection.decode(marks.state, marks.version) : marksProjection.initial() };
}

/** The checkpoint body bytes (what a snapshot file carries). */
export const encodeCheckpointBody = (cp: Checkpoint): Buffer => encodeCheckpoint(checkpointContent(cp));

/** Decodes checkpoint body bytes (manifest bytes stay views into `body`). */
export const decodeCheckpointBody = (body: Uint8Array, where: string): Checkpoint => checkpointFrom(decodeCheckpoint(body, where), where);

/** Writes the checkpoint file of a journal folder at `cp.state.seq`. */
export const saveCheckpoint = (dir: string, cp: Checkpoint, opts: { fsync?: boolean } = {}): Promise<string> =>
  writeCheckpoint(dir, checkpointContent(cp), opts);

/** Writes a checkpoint file from body bytes already encoded (a snapshot file's, with the CRC-32 its header names). */
export const saveCheckpointBody = (
  dir: string,
  seq: number,
  body: Uint8Array,
  opts: { fsync?: boolean; crc?: number } = {},
): Promise<string> => writeCheckpointBody(dir, seq, body, opts);

/** The checkpoint at exactly `seq` in a journal folder. */
export function loadCheckpoint(dir: string, seq: number): Checkpoint {
  const content = readCheckpoint(dir, seq);
  return checkpointFrom(content, `${dir} at seq ${seq}`);
}

/** The newest readable checkpoint, synchronously (recovery after a failed append). */
export function loadLatestSync(dir: string): Checkpoint | undefined {
  for (const seq of listCheckpoints(dir).reverse()) {
    try {
      return loadCheckpoint(dir, seq);
    } catch {
      // unreadable: an older one, or a replay from the start
    }
  }
  return undefined;
}

/** The newest checkpoint of a journal folder that this build reads, if any. */
export async function loadLatest(dir: string, warn?: (msg: string) => void): Promise<Checkpoint | undefined> {
  const content = await loadLatestCheckpoint(dir, isReadable, warn ? { warn } : {});
  return content && checkpointFrom(content, dir);
}

/**
 * Makes `dir` a journal whose history starts at `cp` (seq N): the checkpoint file,
 * then an empty segment that continues at N + 1.
 */
export async function startJournalAt(dir: string, cp: Checkpoint, opts: { fsync?: boolean } = {}): Promise<void> {
  await mkdir(dir, { recursive: true });
  await saveCheckpoint(dir, cp, opts);
  if (cp.state.seq > 0) await writeEmptySegment(dir, cp.state.seq + 1, opts.fsync ?? true);
}

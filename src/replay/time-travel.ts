/**
 * The state of a journal at any sequence number, as fast as the folder allows:
 * from the newest checkpoint at or before it (snapshots/), else from the
 * history's origin, replaying only what lies between.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { RegistryState } from '../domain/state.ts';
import { SNAPSHOTS_DIR } from '../journal/snapshots.ts';
import { readCheckpoint } from './checkpoint-file.ts';
import type { JournalHistory } from './journal-history.ts';
import type { ProgressFactory } from './progress.ts';
import { replay, type Checkpoint, type Replayed } from './replay.ts';

/** Sequence numbers of the checkpoints in a journal folder, ascending. */
export async function checkpointSeqs(dir: string): Promise<number[]> {
  try {
    return (await readdir(join(dir, SNAPSHOTS_DIR)))
      .map((n) => /^(\d{20})\.snap$/.exec(n)?.[1])
      .filter((m): m is string => m !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  } catch {
    return [];
  }
}

export interface TravelOptions {
  progress?: ProgressFactory;
  /** Replay from the history's start even when a checkpoint is closer (verify). */
  ignoreCheckpoints?: boolean;
}

export async function replayTo(history: JournalHistory, seq: number, opts: TravelOptions = {}): Promise<Replayed> {
  let base: Checkpoint | undefined = history.origin;
  if (!opts.ignoreCheckpoints) {
    const near = (await checkpointSeqs(history.dir)).filter((s) => s <= seq && s >= history.firstSeq - 1).at(-1);
    if (near !== undefined && near > (base?.state.seq ?? 0)) {
      try {
        base = await readCheckpoint(history.dir, near);
      } catch {
        // an unreadable checkpoint only costs time: replay from further back
      }
    }
  }
  const bar = opts.progress?.('replay', seq - (base?.state.seq ?? 0));
  const from = base?.state.seq ?? 0;
  const out = replay(history.source, seq, {
    ...(base ? { base, adoptBase: base !== history.origin } : {}),
    ...(history.origin ? { origin: history.origin } : {}),
    ...(bar ? { progress: (s: number) => bar.update(s - from) } : {}),
  });
  bar?.finish();
  return out;
}

export async function stateAtSeq(history: JournalHistory, seq: number, opts: TravelOptions = {}): Promise<RegistryState> {
  return (await replayTo(history, seq, opts)).state;
}

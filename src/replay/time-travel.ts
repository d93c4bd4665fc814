/**
 * The state of a journal at any sequence number, as fast as the folder allows:
 * from the newest checkpoint at or before it, else from the history's origin,
 * replaying only what lies between.
 */
import type { RegistryState } from '../domain/state.ts';
import { listCheckpoints } from '../journal/index.ts';
import { loadCheckpoint } from '../projections/checkpoint.ts';
import type { JournalHistory } from './journal-history.ts';
import type { ProgressFactory } from '../support/progress.ts';
import { historyMissing, replay, type Checkpoint, type Replayed } from './replay.ts';

export interface TravelOptions {
  progress?: ProgressFactory;
  /** Replay from the history's start even when a checkpoint is closer (verify). */
  ignoreCheckpoints?: boolean;
}

export function replayTo(history: JournalHistory, seq: number, opts: TravelOptions = {}): Replayed {
  // a history that starts at a snapshot base holds nothing before it
  if (seq < history.firstSeq - 1) throw historyMissing(seq, history.firstSeq);
  let base: Checkpoint | undefined = history.origin;
  if (!opts.ignoreCheckpoints) {
    const near = listCheckpoints(history.dir)
      .filter((s) => s <= seq && s >= history.firstSeq - 1)
      .at(-1);
    if (near !== undefined && near > (base?.state.seq ?? 0)) {
      try {
        base = loadCheckpoint(history.dir, near);
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

export function stateAtSeq(history: JournalHistory, seq: number, opts: TravelOptions = {}): RegistryState {
  return replayTo(history, seq, opts).state;
}

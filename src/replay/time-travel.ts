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

/** How many events after `seq` a checkpoint may lie and still be looked at by checkpointFor. */
const MARKS_ONLY_GAP = 64;

/**
 * A checkpoint that holds the registry state right after `seq`: one at `seq`, or one taken a few
 * events later when those events are only MarkSets, which change no registry state. A setup that
 * marks its state and stops leaves its checkpoint one event after its mark (the MarkSet): a reset
 * to that mark after a restart then loads the checkpoint instead of replaying the whole history up
 * to it (2.3M events at 100,000 images).
 */
export function checkpointFor(history: JournalHistory, seq: number): number | undefined {
  const checkpoints = listCheckpoints(history.dir);
  if (checkpoints.includes(seq)) return seq;
  const after = checkpoints.find((s) => s > seq && s - seq <= MARKS_ONLY_GAP && s <= history.lastSeq);
  return after !== undefined && onlyMarksBetween(history, seq, after) ? after : undefined;
}

/** The registry state right after `seq` (what a reset goes back to): from checkpointFor's checkpoint, else as replayTo gives it. */
export function registryStateAt(history: JournalHistory, seq: number): RegistryState {
  const at = checkpointFor(history, seq);
  if (at !== undefined && at !== seq) {
    try {
      const { state } = loadCheckpoint(history.dir, at);
      state.seq = seq;
      return state;
    } catch {
      // an unreadable checkpoint only costs time: replay instead
    }
  }
  return replayTo(history, seq).state;
}

function onlyMarksBetween(history: JournalHistory, seq: number, after: number): boolean {
  let n = 0;
  for (const e of history.source(seq + 1, after)) {
    if (e.type !== 'MarkSet') return false;
    n++;
  }
  return n === after - seq;
}

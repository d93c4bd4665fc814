/**
 * Replay: the projections' fold (projections/views.ts), the one the live engine
 * runs, over recorded events. A Rewound event swaps in the state as it was after
 * event `to`: taken from a clone kept at a mark when there is one, else rebuilt
 * by replaying the prefix.
 *
 * A journal may start later than seq 1 (restored from a snapshot file, or
 * forked from such a journal): its history then begins at a base checkpoint,
 * passed as `base`, and asking for a state before it is a PositionNotFound.
 */
import { domainError, DomainFailure } from '../domain/errors.ts';
import type { RecordedEvent } from '../domain/events.ts';
import { cloneState, emptyState, type RegistryState } from '../domain/state.ts';
import { fold, type Checkpoint, type Views } from '../projections/views.ts';

export type { Checkpoint };

/** Reads recorded events `from..to` (inclusive) in order. */
export type EventSource = (from: number, to: number) => Iterable<RecordedEvent>;

export type Replayed = Views;

export interface ReplayOptions {
  /** Start from this checkpoint instead of the empty state. */
  base?: Checkpoint;
  /** Use `base.state` as the working state instead of a clone (the caller gives it up). */
  adoptBase?: boolean;
  /** The checkpoint a history starting after seq 1 begins at (for rewinds to before `base`); a function is called only when needed. */
  origin?: Checkpoint | (() => Checkpoint | undefined);
  /** Called every so often with the sequence reached (progress bars). */
  progress?: (seq: number) => void;
  /**
   * The state right after `seq` for a Rewound event that no kept state has (never changed after):
   * by default replayed from the history's start (or `origin`); a caller that knows the folder's
   * checkpoints gives a faster way (boot: time-travel.ts registryStateAt).
   */
  rebuild?: (seq: number) => RegistryState;
  /** Called after each event is folded in (property tests, verify). The state is live: clone to keep it. */
  each?: (state: RegistryState, e: RecordedEvent) => void;
}

export const historyMissing = (wanted: number, found: number): DomainFailure =>
  new DomainFailure(
    domainError(
      'PositionNotFound',
      found > wanted
        ? `the state after seq ${wanted} is not in this journal: its history starts after seq ${found - 1} (a snapshot base)`
        : `the state after seq ${wanted} is not in this journal: its history holds no seq ${found} (a journal restored from a snapshot starts at the snapshot)`,
    ),
  );

export function replay(source: EventSource, to = Number.MAX_SAFE_INTEGER, opts: ReplayOptions = {}): Replayed {
  const originOf = (): Checkpoint | undefined => (typeof opts.origin === 'function' ? opts.origin() : opts.origin);
  const start = opts.base ?? originOf();
  const views: Views = {
    state: start ? (opts.adoptBase && opts.base ? start.state : cloneState(start.state)) : emptyState(),
    marks: new Map(start?.marks ?? []),
    atMarks: new Map(),
  };
  // The state a Rewound event goes back to when no kept state has it (a mark set before `base`),
  // rebuilt once per position in a row: a tail that resets to one mark again and again (a test
  // suite's resets since the last checkpoint) replays the history up to it once, not once per reset.
  // The state is never changed (fold forks it), so it is shared safely.
  let rebuilt: RegistryState | undefined;
  const stateAfter = (seq: number): RegistryState => {
    if (rebuilt?.seq !== seq) rebuilt = opts.rebuild ? opts.rebuild(seq) : stateAt(source, seq, originOf());
    return rebuilt;
  };
  let expected = views.state.seq + 1;
  let n = 0;
  for (const e of source(views.state.seq + 1, to)) {
    if (e.seq !== expected) throw historyMissing(expected, e.seq);
    expected++;
    fold(views, e, stateAfter);
    opts.each?.(views.state, e);
    if (opts.progress && ++n % 65536 === 0) opts.progress(e.seq);
  }
  // A bounded replay that ends early was asked for events the source does not hold.
  if (to !== Number.MAX_SAFE_INTEGER && expected <= to) throw historyMissing(to, expected);
  return views;
}

/**
 * The registry state as it was right after event `seq` (0: empty). `origin` is
 * the checkpoint of a journal whose history starts after seq 1.
 */
export function stateAt(source: EventSource, seq: number, origin?: Checkpoint): RegistryState {
  if (origin) {
    if (seq < origin.state.seq) throw historyMissing(seq, origin.state.seq + 1);
    if (seq === origin.state.seq) return cloneState(origin.state);
    return replay(source, seq, { origin }).state;
  }
  if (seq <= 0) return emptyState();
  return replay(source, seq).state;
}

/**
 * Replay: the same evolve() the live engine runs, over recorded events.
 * A Rewound event swaps in the state as it was after event `to`: taken from a
 * clone kept at a mark when there is one, else rebuilt by replaying the prefix.
 */
import type { RecordedEvent } from '../domain/events.ts';
import { evolve } from '../domain/evolve.ts';
import { cloneState, emptyState, type RegistryState } from '../domain/state.ts';
import type { Marks } from '../projections/marks-projection.ts';

/** Reads recorded events `from..to` (inclusive) in order. */
export type EventSource = (from: number, to: number) => Iterable<RecordedEvent>;

export interface Replayed {
  state: RegistryState;
  marks: Marks;
  /** States kept at marked sequence numbers (seq -> state after it): what reset uses. */
  atMarks: Map<number, RegistryState>;
}

export interface ReplayOptions {
  /** Start from this checkpoint instead of the empty state. */
  base?: { state: RegistryState; marks: Marks };
  /** Called every so often with the sequence reached (progress bars). */
  progress?: (seq: number) => void;
}

export function replay(source: EventSource, to = Number.MAX_SAFE_INTEGER, opts: ReplayOptions = {}): Replayed {
  let state = opts.base ? cloneState(opts.base.state) : emptyState();
  const marks: Marks = new Map(opts.base?.marks ?? []);
  const atMarks = new Map<number, RegistryState>();
  let n = 0;
  for (const e of source(state.seq + 1, to)) {
    if (e.type === 'Rewound') {
      const target = atMarks.get(e.data.to) ?? stateAt(source, e.data.to);
      state = cloneState(target);
      state.seq = e.seq;
    } else {
      evolve(state, e);
      if (e.type === 'MarkSet') {
        marks.set(e.data.name, e.data.at);
        const kept = cloneState(state);
        kept.seq = e.data.at;
        atMarks.set(e.data.at, kept);
      }
    }
    if (opts.progress && ++n % 65536 === 0) opts.progress(e.seq);
  }
  return { state, marks, atMarks };
}

/** The registry state as it was right after event `seq` (0: empty). */
export function stateAt(source: EventSource, seq: number): RegistryState {
  if (seq <= 0) return emptyState();
  return replay(source, seq).state;
}

/**
 * The projections a running registry keeps, and the one fold that the live
 * engine and replay both run over them: a Rewound event swaps in the state as
 * it was after event `to`; a MarkSet of the current state also keeps a copy of
 * it, so that a reset to a mark needs no replay.
 */
import type { RecordedEvent } from '../domain/events.ts';
import { cloneState, type RegistryState } from '../domain/state.ts';
import { marksProjection, type Marks } from './marks-projection.ts';
import { registryProjection } from './registry-projection.ts';

export interface Views {
  state: RegistryState;
  marks: Marks;
  /** States kept at marked sequence numbers (seq -> state after it): what a reset uses. */
  atMarks: Map<number, RegistryState>;
}

/** The projections of a checkpoint (no kept states: those are rebuilt as marks are replayed). */
export interface Checkpoint {
  state: RegistryState;
  marks: Marks;
}

/**
 * Folds one recorded event into `views`. `stateAfter(seq)` gives the state a Rewound
 * event goes back to when no mark kept it (the engine knows it already; replay rebuilds it).
 */
export function fold(views: Views, e: RecordedEvent, stateAfter: (seq: number) => RegistryState): void {
  if (e.type === 'Rewound') {
    const target = views.atMarks.get(e.data.to) ?? stateAfter(e.data.to);
    views.state = cloneState(target);
    views.state.seq = e.seq;
    return;
  }
  registryProjection.evolve(views.state, e);
  if (e.type === 'MarkSet') {
    marksProjection.evolve(views.marks, e);
    // a mark of an earlier seq (the inspector's "mark here") keeps no copy: a reset to it replays
    if (e.data.at !== e.seq - 1) return;
    const kept = cloneState(views.state);
    kept.seq = e.data.at;
    views.atMarks.set(e.data.at, kept);
  }
}

/**
 * The projections a running registry keeps, and the one fold that the live
 * engine and replay both run over them: a Rewound event swaps in the state as
 * it was after event `to`; a MarkSet of the current state also keeps that state,
 * so that a reset to a mark needs no replay. Kept states share with the live one
 * (shared-state.ts): keeping one, or going back to one, copies no image or tag.
 */
import type { RecordedEvent } from '../domain/events.ts';
import type { RegistryState } from '../domain/state.ts';
import { marksProjection, type Marks } from './marks-projection.ts';
import { foldShared, fork, keep, type Ownership } from './shared-state.ts';

export interface Views {
  state: RegistryState;
  marks: Marks;
  /** States kept at marked sequence numbers (seq -> state after it): what a reset uses. Never changed. */
  atMarks: Map<number, RegistryState>;
  /** What `state` owns outright, once it shares with kept states (shared-state.ts); absent: all of it. */
  own?: Ownership | undefined;
}

/** The projections of a checkpoint (no kept states: those are rebuilt as marks are replayed). */
export interface Checkpoint {
  state: RegistryState;
  marks: Marks;
}

/**
 * Folds one recorded event into `views`. `stateAfter(seq)` gives the state a Rewound event goes back
 * to when no mark kept it (the engine knows it already; replay rebuilds it); it is not changed after.
 */
export function fold(views: Views, e: RecordedEvent, stateAfter: (seq: number) => RegistryState): void {
  if (e.type === 'Rewound') {
    const target = views.atMarks.get(e.data.to) ?? stateAfter(e.data.to);
    const w = fork(target);
    views.state = w.state;
    views.own = w.own;
    views.state.seq = e.seq;
    return;
  }
  foldShared(views, e);
  if (e.type === 'MarkSet') {
    marksProjection.evolve(views.marks, e);
    // a mark of an earlier seq (the inspector's "mark here") keeps no state: a reset to it replays
    if (e.data.at !== e.seq - 1) return;
    const kept = keep(views);
    kept.seq = e.data.at;
    views.atMarks.set(e.data.at, kept);
  }
}

/**
 * A projection: a named, versioned read model folded from the journal's events,
 * with the form its checkpoints take. The version names that form: a checkpoint
 * of a version the projection cannot read is rebuilt by replay instead of misread.
 */
import type { RecordedEvent } from '../domain/events.ts';

export interface Projection<S> {
  readonly name: string;
  /** The version of the checkpoint form this build writes. */
  readonly version: number;
  /** The checkpoint forms this build reads (older versions stay readable: snapshot files outlive builds). */
  readonly readable: readonly number[];
  initial(): S;
  /** Folds one event into `state`, in place. */
  evolve(state: S, event: RecordedEvent): void;
  encode(state: S): unknown;
  decode(raw: unknown, version: number): S;
}

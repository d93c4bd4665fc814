/**
 * Time travel at interactive speed: the registry state after any seq of a long
 * journal, without replaying it from the start. While the timeline is indexed
 * (timeline.ts folds every event once), a copy of the state is kept every
 * RUNG_EVERY events (a "rung"); the state after seq N is then the rung at or
 * before N plus at most RUNG_EVERY events folded by the same evolve() as replay.
 * A cursor remembers the last state asked for, so stepping forward one event
 * folds one event.
 *
 * Rungs share what evolve() never changes in place (manifest bytes, blob and
 * child lists, settings objects it replaces whole) and copy the rest, so a rung
 * costs about one Map entry per image, tag and blob.
 */
import type { RecordedEvent } from '../domain/events.ts';
import { evolve } from '../domain/evolve.ts';
import { emptyState, type Image, type RegistryState, type Repository, type Upload } from '../domain/state.ts';

/** Events between two rungs: at ~1 µs an event, the most a step replays is ~20 ms. */
export const RUNG_EVERY = 16_384;

/** A copy of `s` that later evolve() calls on either side do not reach. */
export function copyState(s: RegistryState): RegistryState {
  const repos = new Map<string, Repository>();
  for (const [key, r] of s.repos) {
    const images = new Map<string, Image>();
    for (const [d, i] of r.images) {
      const copy = { ...i };
      if (i.extra) copy.extra = structuredClone(i.extra);
      images.set(d, copy);
    }
    const referrers = new Map<string, string[]>();
    for (const [d, list] of r.referrers) referrers.set(d, [...list]);
    repos.set(key, {
      account: r.account,
      region: r.region,
      name: r.name,
      createdAt: r.createdAt,
      blobs: new Map(r.blobs),
      images,
      tags: new Map(r.tags),
      referrers,
      settings: structuredClone(r.settings),
    });
  }
  const uploads = new Map<string, Upload>();
  for (const [id, u] of s.uploads) uploads.set(id, { ...u });
  return { seq: s.seq, registries: structuredClone(s.registries), repos, uploads, blobs: new Map(s.blobs) };
}

interface Rung {
  seq: number;
  state: RegistryState;
}

export type ReadEvents = (from: number, to: number) => Iterable<RecordedEvent>;

export class StateLadder {
  readonly #rungs: Rung[] = [];
  readonly #read: ReadEvents;
  /** The state after the last event folded by add(): the ladder's head. */
  #head: RegistryState;
  #sinceRung = 0;
  /** The last state stateAt() answered, kept to continue from. */
  #cursor: RegistryState | undefined;

  /** `base`: the state the history starts from (empty, or a journal's origin checkpoint). */
  constructor(read: ReadEvents, base: RegistryState = emptyState()) {
    this.#read = read;
    this.#rungs.push({ seq: base.seq, state: copyState(base) });
    this.#head = copyState(base);
  }

  /** The last seq folded in. */
  get seq(): number {
    return this.#head.seq;
  }

  get firstSeq(): number {
    return this.#rungs[0]!.seq;
  }

  /** Folds the next event of the journal (seq = this.seq + 1) into the head. */
  add(e: RecordedEvent): void {
    if (e.type === 'Rewound') {
      const target = this.#materialize(e.data.to);
      target.seq = e.seq;
      this.#head = target;
    } else evolve(this.#head, e);
    if (++this.#sinceRung >= RUNG_EVERY) {
      this.#rungs.push({ seq: this.#head.seq, state: copyState(this.#head) });
      this.#sinceRung = 0;
    }
  }

  /**
   * The state right after `seq` (firstSeq <= seq <= this.seq). The answer is the
   * ladder's own: read it before the next call, never change it.
   */
  stateAt(seq: number): RegistryState {
    this.#check(seq);
    if (seq === this.#head.seq) return this.#head;
    const c = this.#cursor;
    const rung = this.#rungBefore(seq);
    if (c && c.seq <= seq && c.seq >= rung.seq) this.#fold(c, seq);
    else this.#cursor = this.#materialize(seq, rung);
    return this.#cursor!;
  }

  /** A state of its own (a copy) right after `seq`. */
  copyAt(seq: number): RegistryState {
    this.#check(seq);
    if (seq === this.#head.seq) return copyState(this.#head);
    return this.#materialize(seq);
  }

  #check(seq: number): void {
    if (!Number.isSafeInteger(seq) || seq < this.firstSeq || seq > this.#head.seq)
      throw new RangeError(`seq ${seq} is outside ${this.firstSeq}..${this.#head.seq}`);
  }

  #rungBefore(seq: number): Rung {
    const rungs = this.#rungs;
    let lo = 0;
    let hi = rungs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (rungs[mid]!.seq <= seq) lo = mid;
      else hi = mid - 1;
    }
    return rungs[lo]!;
  }

  /** A fresh state after `seq`, from the nearest rung. */
  #materialize(seq: number, rung = this.#rungBefore(seq)): RegistryState {
    const state = copyState(rung.state);
    this.#fold(state, seq);
    return state;
  }

  #fold(state: RegistryState, to: number): void {
    if (state.seq >= to) return;
    let at = state.seq;
    for (const e of this.#read(state.seq + 1, to)) {
      if (e.seq !== ++at) throw new Error(`the journal skipped from seq ${at - 1} to ${e.seq}`);
      if (e.type === 'Rewound') {
        const target = this.#materialize(e.data.to);
        replaceState(state, target);
        state.seq = e.seq;
      } else evolve(state, e);
    }
    if (at !== to) throw new Error(`the journal ended at seq ${at}, before ${to}`);
  }
}

/** Makes `into` hold `from`'s content (the object stays: callers keep a reference to it). */
function replaceState(into: RegistryState, from: RegistryState): void {
  for (const key of ['registries', 'repos', 'uploads', 'blobs'] as const) {
    const target = into[key] as Map<string, unknown>;
    target.clear();
    for (const [k, v] of from[key] as Map<string, unknown>) target.set(k, v);
  }
  into.seq = from.seq;
}

/**
 * Time travel at interactive speed: the registry state after any seq of a long
 * journal, without replaying it from the start.
 *
 * While the timeline is indexed, add() only records the shape of history, as in
 * effective-history.ts: each event that changes state points at the event before
 * it on its line, and a Rewound makes the line continue from the event its target
 * seq stood at. The state after seq N is then the fold of the events on the path
 * from the start to N's line head: no rewound-away event is read. States are kept
 * ("rungs") every RUNG_EVERY events of depth along the paths folded so far, so a
 * later position folds at most RUNG_EVERY events past the nearest rung on its path.
 * A state some Rewound went back to (a mark a test suite resets to, over and over) is
 * kept too when a fold passes it (up to MAX_REWIND_RUNGS of them): every line that
 * starts there folds from it, not from a rung thousands of events before it.
 * A cursor remembers the last state asked for: stepping forward one event folds one.
 *
 * Rungs are cheap because they share: a kept state and the working state that
 * goes on from it share every repository and image until an event is about to
 * change one, which is then copied first (projections/shared-state.ts, the copy
 * on write the live engine's marks use too). So a rung costs a Map of
 * repositories plus the settings and upload Maps, and a rewind (Rewound) to a
 * mark costs the same, not a replay.
 */
import type { RecordedEvent } from '../domain/events.ts';
import { emptyState, type RegistryState } from '../domain/state.ts';
import { foldShared, fork, keep, type Working } from '../projections/shared-state.ts';

/** Events of depth between two rungs: at ~2 µs an event read and folded, a step folds at most ~16 ms. */
export const RUNG_EVERY = 8192;
/**
 * Rungs kept at the targets of rewinds, at most: each costs what any rung costs (a Map of
 * repositories, and the repositories changed after it, copied once), so a journal that rewinds
 * to ever new positions does not grow them without bound; past it, depth rungs only.
 */
export const MAX_REWIND_RUNGS = 256;

export type ReadEvents = (from: number, to: number) => Iterable<RecordedEvent>;

/** A state that is never changed again (rungs, marks). */
type Kept = RegistryState;

/** A growable Int32Array. */
class Ints {
  data = new Int32Array(1024);
  set(i: number, v: number): void {
    if (i >= this.data.length) {
      const bigger = new Int32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[i] = v;
  }
}

const BASE = -1;

export class StateLadder {
  readonly #read: ReadEvents;
  readonly #base: Kept;
  /** seq of position 0 */
  readonly #first: number;
  #count = 0;
  /** per position: the position of the previous state-changing event on its line (BASE: none) */
  readonly #parent = new Ints();
  /** per position: the state-changing event whose state the state after this position is (BASE: the base) */
  readonly #head = new Ints();
  /** per position of a state-changing event: how many such events lead to it */
  readonly #depth = new Ints();
  #line = BASE;
  /** kept states by position of their head event */
  readonly #rungs = new Map<number, Kept>();
  /** positions of the heads rewinds went back to (their states are kept when folded) */
  readonly #rewindTargets = new Set<number>();
  readonly #rungEvery: number;
  /** The last state folded: its head position, and the state. */
  #cursor: { head: number; w: Working } | undefined;
  /** The fold warm() is part way through: towards `target`, `path[k..]` still to fold into `w`. */
  #warming: { target: number; w: Working; path: number[]; k: number } | undefined;

  /** `base`: the state the history starts from (empty, or a journal's origin checkpoint); the ladder keeps it. */
  constructor(read: ReadEvents, base: RegistryState = emptyState(), opts: { rungEvery?: number } = {}) {
    this.#read = read;
    this.#base = base;
    this.#first = base.seq + 1;
    this.#rungEvery = opts.rungEvery ?? RUNG_EVERY;
  }

  /** The last seq recorded. */
  get seq(): number {
    return this.#first + this.#count - 1;
  }

  /** The lowest position with a state (the base's seq). */
  get firstSeq(): number {
    return this.#base.seq;
  }

  /** Records the next event of the journal (seq = this.seq + 1): where it stands in history. */
  add(e: RecordedEvent): void {
    const i = this.#count;
    if (e.type === 'Rewound') {
      this.#line = this.#headOf(e.data.to);
      if (this.#line !== BASE && this.#rewindTargets.size < MAX_REWIND_RUNGS) this.#rewindTargets.add(this.#line);
    } else if (e.type !== 'MarkSet') {
      this.#parent.set(i, this.#line);
      this.#depth.set(i, this.#line === BASE ? 1 : this.#depth.data[this.#line]! + 1);
      this.#line = i;
    }
    this.#head.set(i, this.#line);
    this.#count = i + 1;
  }

  /**
   * The state right after `seq` (firstSeq <= seq <= this.seq). The answer is the
   * ladder's own: read it before the next call, never change it.
   */
  stateAt(seq: number): RegistryState {
    this.#check(seq);
    const w = this.#at(this.#headOf(seq), true);
    w.state.seq = seq;
    return w.state;
  }

  /** A state of the caller's own right after `seq`: later calls do not change it. */
  copyAt(seq: number): RegistryState {
    this.#check(seq);
    const kept = keep(this.#at(this.#headOf(seq), false));
    kept.seq = seq;
    return kept;
  }

  /**
   * Folds, at most `events` events at a time, towards a state a rewind went back to that no rung
   * keeps yet (from the nearest state kept on its path), and keeps it; false when none is left.
   * Run while idle, it spares the first jump into each line that starts there a long fold.
   */
  warm(events: number): boolean {
    if (!this.#warming) {
      let target: number | undefined;
      for (const t of this.#rewindTargets)
        if (!this.#rungs.has(t)) {
          target = t;
          break;
        }
      if (target === undefined) return false;
      this.#warming = { target, k: 0, ...this.#pathTo(target, false) };
    }
    const job = this.#warming;
    const end = Math.min(job.path.length, job.k + events);
    try {
      this.#foldPath(job.w, job.path.slice(job.k, end));
    } catch (err) {
      this.#warming = undefined; // part folded: start again next time
      throw err;
    }
    job.k = end;
    if (end === job.path.length) {
      if (!this.#rungs.has(job.target)) this.#rungs.set(job.target, keep(job.w));
      this.#warming = undefined;
    }
    return true;
  }

  #check(seq: number): void {
    if (!Number.isSafeInteger(seq) || seq < this.firstSeq || seq > this.seq)
      throw new RangeError(`seq ${seq} is outside ${this.firstSeq}..${this.seq}`);
  }

  #headOf(seq: number): number {
    return seq < this.#first ? BASE : this.#head.data[seq - this.#first]!;
  }

  /** A working state after the event at position `head` (folded from the nearest kept state on its path). */
  #at(head: number, asCursor: boolean): Working {
    const c = this.#cursor;
    if (c && c.head === head) {
      if (asCursor) return c.w;
      return forkOf(c.w);
    }
    const { w, path } = this.#pathTo(head, asCursor);
    this.#foldPath(w, path);
    if (asCursor) this.#cursor = { head, w };
    return w;
  }

  /**
   * The nearest state we have on the path to `head` (the cursor, a rung or the base; the cursor's
   * own working state when `asCursor`, else a fork) and the positions to fold into it, ascending.
   */
  #pathTo(head: number, asCursor: boolean): { w: Working; path: number[] } {
    const c = this.#cursor;
    const path: number[] = [];
    let node = head;
    let from: Working | undefined;
    while (node !== BASE) {
      if (c && c.head === node) {
        from = asCursor ? c.w : forkOf(c.w);
        break;
      }
      const rung = this.#rungs.get(node);
      if (rung) {
        from = fork(rung);
        break;
      }
      path.push(node);
      node = this.#parent.data[node]!;
    }
    return { w: from ?? fork(this.#base), path: path.reverse() };
  }

  /** Folds the events at these positions (ascending, one line of history) into `w`, keeping rungs on the way. */
  #foldPath(w: Working, path: number[]): void {
    let k = 0;
    while (k < path.length) {
      // one read per stretch of nearby positions (a rewound-away stretch is skipped)
      let end = k;
      while (end + 1 < path.length && path[end + 1]! - path[end]! <= 64) end++;
      const from = this.#first + path[k]!;
      const to = this.#first + path[end]!;
      for (const e of this.#read(from, to)) {
        const p = e.seq - this.#first;
        if (p !== path[k]) continue;
        foldShared(w, e);
        if ((this.#depth.data[p]! % this.#rungEvery === 0 || this.#rewindTargets.has(p)) && !this.#rungs.has(p))
          this.#rungs.set(p, keep(w));
        k++;
        if (k > end) break;
      }
      if (k <= end) throw new Error(`the journal has no seq ${this.#first + path[k]!}`);
    }
  }
}

/** A working state of its own from another one (which goes on sharing with it). */
function forkOf(w: Working): Working {
  return fork(keep(w));
}

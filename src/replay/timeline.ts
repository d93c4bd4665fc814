/**
 * The inspector's view of a journal: the timeline index (timeline-index.ts) and
 * the state ladder (state-ladder.ts), both filled by one pass over the events.
 * The pass runs in the background in slices of a few milliseconds, so that the
 * server keeps answering while a long journal is indexed; a caller that needs
 * events up to some seq awaits ready(seq). Events appended later (a live
 * server) are folded in when next asked for.
 */
import type { RecordedEvent } from '../domain/events.ts';
import { DomainFailure, domainError } from '../domain/errors.ts';
import type { RegistryState } from '../domain/state.ts';
import type { Checkpoint } from './replay.ts';
import type { Position } from './positions.ts';
import { StateLadder } from './state-ladder.ts';
import { TimelineIndex, type TimelineRow } from './timeline-index.ts';

export interface TimelineSource {
  /** The first seq the journal holds (1, or later for a journal started from a snapshot file). */
  readonly firstSeq: number;
  /** The checkpoint at firstSeq - 1 when firstSeq > 1. */
  origin(): Checkpoint | undefined;
  lastSeq(): number;
  read(from: number, to: number): Iterable<RecordedEvent>;
}

/** Work per slice before the event loop gets a turn. */
const SLICE_MS = 12;
/** Events folded per turn of the event loop while warming the ladder (a few milliseconds). */
const WARM_EVENTS = 1024;
/** A gap this small is folded at once, without a background pass. */
const SYNC_GAP = 4096;

export class Timeline {
  readonly #source: TimelineSource;
  readonly #rungEvery: number | undefined;
  #parts: { index: TimelineIndex; ladder: StateLadder } | undefined;
  #target = 0;
  #pass: Promise<void> | undefined;
  #events: Iterator<RecordedEvent> | undefined;
  #closed = false;
  #failed: unknown;
  #warming = false;

  constructor(source: TimelineSource, opts: { rungEvery?: number } = {}) {
    this.#source = source;
    this.#rungEvery = opts.rungEvery;
  }

  /**
   * The index and the ladder, made on first use: a journal that starts after a checkpoint (a
   * start from a snapshot file) starts them from that checkpoint, read from disk (~100 ms to
   * decode for 10,000 images), which a start of the server should not wait for.
   */
  #built(): { index: TimelineIndex; ladder: StateLadder } {
    if (this.#parts === undefined) {
      const source = this.#source;
      const origin = source.firstSeq > 1 ? source.origin() : undefined;
      const opts = this.#rungEvery === undefined ? {} : { rungEvery: this.#rungEvery };
      this.#parts = {
        index: new TimelineIndex(source.firstSeq, origin?.marks),
        ladder: new StateLadder((from, to) => source.read(from, to), origin?.state, opts),
      };
    }
    return this.#parts;
  }

  get index(): TimelineIndex {
    return this.#built().index;
  }

  /** The lowest position with a state: firstSeq - 1. */
  get firstSeq(): number {
    return this.#built().ladder.firstSeq;
  }

  /** Events indexed so far. */
  get indexedSeq(): number {
    return this.#built().ladder.seq;
  }

  get lastSeq(): number {
    return this.#source.lastSeq();
  }

  /** Resolves once every event up to `seq` (default: the journal's last now) is indexed. */
  ready(seq = this.#source.lastSeq()): Promise<void> {
    if (this.#failed !== undefined) return Promise.reject(this.#failed);
    if (this.#closed) return Promise.reject(new Error('the timeline is closed'));
    if (seq <= this.indexedSeq) return Promise.resolve();
    this.#target = Math.max(this.#target, seq);
    if (!this.#pass && this.#target - this.indexedSeq <= SYNC_GAP) {
      this.#run(Infinity);
      return this.#failed === undefined ? Promise.resolve() : Promise.reject(this.#failed);
    }
    this.#pass ??= this.#loop().finally(() => {
      this.#pass = undefined;
    });
    const pass = this.#pass;
    return pass.then(() => (seq <= this.indexedSeq ? undefined : this.ready(seq)));
  }

  /**
   * A position as the tools take it (positions.ts: seq, mark, ISO time, end), read
   * from the index (after ready()): no journal scan for a time.
   */
  resolve(text: string): Position {
    const t = text.trim();
    const lowest = this.firstSeq;
    const last = this.indexedSeq;
    const check = (seq: number, label: string): Position => {
      if (seq < lowest || seq > last)
        throw new DomainFailure(domainError('PositionNotFound', `${label} is outside the journal (it holds seq ${lowest}..${last})`));
      return { seq, label };
    };
    if (t === 'end' || t === 'now' || t === 'latest') return { seq: last, label: 'the end' };
    if (/^\d+$/.test(t)) return check(Number(t), `seq ${t}`);
    const marked = this.index.marks.get(t);
    if (marked !== undefined) return check(marked, `mark '${t}'`);
    if (/^\d{4}-\d{2}-\d{2}/.test(t)) {
      const when = Date.parse(t);
      if (!Number.isFinite(when)) throw new DomainFailure(domainError('InvalidParameter', `'${t}' is not a valid time`));
      const at = this.index.lastAtOrBefore(when);
      return { seq: at === undefined ? lowest : at, label: new Date(when).toISOString() };
    }
    throw new DomainFailure(
      domainError('PositionNotFound', `'${t}' is neither a sequence number, a mark of this journal, nor an ISO time`),
    );
  }

  /**
   * Rows read straight from the journal (for a page asked for before the index reaches it).
   * A few hundred events before `from` are read too, so that the upload events of a push
   * that starts before the page still name their repository.
   */
  rowsFromJournal(from: number, to: number): TimelineRow[] {
    const lead = Math.max(this.#source.firstSeq, from - 512);
    const scratch = new TimelineIndex(lead);
    for (const e of this.#source.read(lead, to)) scratch.add(e);
    const rows: TimelineRow[] = [];
    for (let seq = from; seq <= Math.min(to, scratch.lastSeq); seq++) rows.push(scratch.row(seq - lead));
    return rows;
  }

  /** The state right after `seq` (after ready(seq)); see StateLadder.stateAt: read it at once, never change it. */
  stateAt(seq: number): RegistryState {
    return this.#built().ladder.stateAt(seq);
  }

  /** A state of the caller's own right after `seq` (after ready(seq)). */
  copyAt(seq: number): RegistryState {
    return this.#built().ladder.copyAt(seq);
  }

  close(): void {
    this.#closed = true;
    this.#events?.return?.();
    this.#events = undefined;
  }

  async #loop(): Promise<void> {
    while (!this.#closed && this.#failed === undefined && this.indexedSeq < this.#target) {
      this.#run(SLICE_MS);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (this.#failed !== undefined) throw this.#failed;
    this.#warm();
  }

  /**
   * Once a pass is done: the states rewinds went back to, folded one per turn of the event
   * loop (StateLadder.warm, a few milliseconds at a time), until none is left, a new pass starts or the timeline closes.
   */
  #warm(): void {
    if (this.#warming) return;
    this.#warming = true;
    const step = (): void => {
      let more = false;
      try {
        more = !this.#closed && this.#pass === undefined && this.#failed === undefined && this.#built().ladder.warm(WARM_EVENTS);
      } catch {
        // a read that fails here fails for the request that asks for that state, and is reported there
      }
      if (more) setImmediate(step);
      else this.#warming = false;
    };
    setImmediate(step);
  }

  /** Folds events towards the target for at most `ms` milliseconds. */
  #run(ms: number): void {
    const until = performance.now() + ms;
    try {
      let n = 0;
      while (this.indexedSeq < this.#target) {
        if (!this.#events) this.#events = this.#source.read(this.indexedSeq + 1, this.#target)[Symbol.iterator]();
        const next = this.#events.next();
        if (next.done) {
          this.#events = undefined;
          if (this.indexedSeq < this.#target) throw new Error(`the journal ended at seq ${this.indexedSeq}, before ${this.#target}`);
          break;
        }
        const { index, ladder } = this.#built();
        index.add(next.value);
        ladder.add(next.value);
        if ((++n & 255) === 0 && performance.now() > until) return;
      }
      // the reader reached the target: a later target needs a new read
      this.#events?.return?.();
      this.#events = undefined;
    } catch (err) {
      this.#failed = err;
      this.#events = undefined;
    }
  }
}

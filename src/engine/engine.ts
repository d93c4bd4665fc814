/**
 * The single writer: command -> decide -> append -> fold into the views -> notify.
 *
 * decide and the fold run synchronously in the caller's turn, so every command
 * is decided against the state that includes all earlier commands; the journal
 * assigns sequence numbers in that same order. The command is acknowledged (the
 * returned promise resolves) only once its events are durable under the
 * journal's fsync mode; concurrent commands share one write and one fsync.
 *
 * When an append fails (a full disk), the engine is degraded: the journal is cut
 * back to what it held before, the views are rebuilt from it (what failed to be
 * journaled is no longer visible), and writes are refused with the domain's
 * Unavailable error. At most once a second a write (or a health check) probes the
 * journal's file system; once it has room again, writes are accepted again.
 */
import { EventEmitter } from 'eventemitter3';
import type { Command } from '../domain/commands.ts';
import { decide } from '../domain/decide.ts';
import { domainError, DomainFailure } from '../domain/errors.ts';
import type { DomainEvent, RecordedEvent } from '../domain/events.ts';
import { coreEvents } from '../domain/events.ts';
import type { RegistryState } from '../domain/state.ts';
import { EVENT_VERSIONS } from '../domain/versions.ts';
import type { JournalHandle } from '../journal/index.ts';
import type { Marks } from '../projections/marks-projection.ts';
import { fold, type Views } from '../projections/views.ts';
import { liveHistory, type JournalHistory } from '../replay/journal-history.ts';
import { registryStateAt } from '../replay/time-travel.ts';
import { statfsSync } from 'node:fs';
import type { Clock } from '../support/clock.ts';

export interface EngineEvents {
  /** Events that are durable and folded into the state. */
  events: [RecordedEvent[]];
}

/** Whether the engine accepts writes, and why not. */
export type EngineHealth =
  | { status: 'ok' }
  | { status: 'read-only'; reason: string }
  | { status: 'degraded'; reason: string; since: string };

/** Free bytes the journal's file system needs before writes are tried again after a failure. */
const RESUME_FREE_BYTES = 1024 * 1024;
/** How often (wall clock) a degraded engine looks at the file system again. */
const PROBE_EVERY_MS = 1000;

interface Degraded {
  cause: Error;
  since: number;
  /** The journal was cut back and the views rebuilt from it: a probe may resume writes. */
  recovered: boolean;
  recovering?: Promise<void>;
}

export interface EngineOptions {
  /** Why mutations are refused (a read-only view of the past), or undefined when writable. */
  readOnly?: string;
  /** Told when an append fails (and when a recovery fails). */
  onFatal?: (err: unknown) => void;
  /** Told when writes are accepted again after a failure. */
  onResume?: () => void;
  /**
   * The views as the journal holds them durably (what a restart would see). After a failed
   * append the engine serves these, so that nothing it could not journal stays visible.
   */
  recover?: () => Views;
}

export class Engine extends EventEmitter<EngineEvents> {
  readonly clock: Clock;
  readonly #journal: JournalHandle;
  #views: Views;
  #readOnly: string | undefined;
  /** Set while writes are refused after a failed append. */
  #degraded: Degraded | undefined;
  #lastProbe = 0;
  readonly #onFatal: ((err: unknown) => void) | undefined;
  readonly #onResume: (() => void) | undefined;
  readonly #recover: (() => Views) | undefined;

  constructor(journal: JournalHandle, clock: Clock, start: Views, opts: EngineOptions = {}) {
    super();
    this.#journal = journal;
    this.clock = clock;
    this.#views = start;
    this.#readOnly = opts.readOnly;
    this.#onFatal = opts.onFatal;
    this.#onResume = opts.onResume;
    this.#recover = opts.recover;
    this.#syncClock();
  }

  /** The clock reads the registry's journaled offset (ClockAdvanced; a rewind brings it back). */
  #syncClock(): void {
    this.clock.setOffset?.(this.#views.state.clockOffsetMs ?? 0);
  }

  /** The live state. Callers read it and never change it. */
  get state(): RegistryState {
    return this.#views.state;
  }

  get marks(): Marks {
    return this.#views.marks;
  }

  get readOnly(): string | undefined {
    return this.#readOnly;
  }

  /** Whether writes are accepted (probing a degraded engine's file system, at most once a second). */
  health(): EngineHealth {
    if (this.#readOnly !== undefined) return { status: 'read-only', reason: this.#readOnly };
    this.#probe();
    const d = this.#degraded;
    if (d === undefined) return { status: 'ok' };
    return { status: 'degraded', reason: this.#unavailableMessage(d.cause), since: new Date(d.since).toISOString() };
  }

  /** The last sequence number in the journal. */
  get lastSeq(): number {
    return this.#journal.lastSeq;
  }

  /** The journal's folder. */
  get journalDir(): string {
    return this.#journal.dir;
  }

  /** The recorded events `from..to` (inclusive), in order. */
  events(from = 1, to = Number.MAX_SAFE_INTEGER): Iterable<RecordedEvent> {
    return this.#journal.read(from, to) as Iterable<RecordedEvent>;
  }

  /** The journal's history, for looking at the past (time travel reads it; nothing is locked). */
  history(): JournalHistory {
    return liveHistory(this.#journal);
  }

  /** Decides and records a command; throws DomainFailure when the domain refuses it. */
  execute(command: Command): Promise<RecordedEvent[]> {
    // decide and the fold happen here, synchronously, in call order.
    try {
      this.#assertWritable();
      const now = this.clock.now();
      const decision = decide(this.#views.state, command, { now });
      if (!decision.ok) throw new DomainFailure(decision.error);
      return this.#record(decision.events, now);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Decides `command` against the live state without recording anything: throws the
   * DomainFailure that execute() would. Services call it before they write bytes, so
   * that a command the domain refuses leaves nothing behind.
   */
  check(command: Command): void {
    this.#assertWritable();
    const decision = decide(this.#views.state, command, { now: this.clock.peek?.() ?? this.clock.now() });
    if (!decision.ok) throw new DomainFailure(decision.error);
  }

  /**
   * Bookmarks the current sequence number (or an earlier one, `at`) under `name`. A name that
   * reads as a position is refused, and so is an existing name unless `move` is set.
   */
  async mark(name: string, opts: { at?: number; move?: boolean } = {}): Promise<number> {
    const last = this.#journal.lastSeq;
    const at = opts.at ?? last;
    if (!Number.isSafeInteger(at) || at < 0 || at > last)
      throw new DomainFailure(domainError('PositionNotFound', `sequence ${at} is not in the journal (last is ${last})`));
    await this.execute({ type: 'SetMark', name, at, current: this.#views.marks.get(name), move: opts.move === true });
    return at;
  }

  /**
   * Brings the live registry back to the state it had right after event `to`,
   * keeping history: a Rewound event records it, and replay reproduces it.
   */
  async rewind(to: number, mark: string | null = null): Promise<RecordedEvent[]> {
    this.#assertWritable();
    const last = this.#journal.lastSeq;
    if (!Number.isSafeInteger(to) || to < 0 || to > last)
      throw new DomainFailure(domainError('PositionNotFound', `sequence ${to} is not in the journal (last is ${last})`));
    let target = this.#views.atMarks.get(to);
    if (target === undefined) {
      // from the nearest checkpoint at or before `to` (the journal's origin, or its start), or one
      // just after it with only marks between
      target = registryStateAt(this.history(), to);
      // a mark's state (one set before this server started, so not kept) is kept from now on
      if (mark !== null) this.#views.atMarks.set(to, target);
    }
    return this.#record([coreEvents.Rewound({ to, mark })], this.clock.now(), target);
  }

  /**
   * Resets the live registry to a mark (by name) or a sequence number (a number, or
   * its digits): the one place a position of a reset is resolved.
   */
  reset(to: string | number): Promise<RecordedEvent[]> {
    if (typeof to === 'number') return this.rewind(to);
    if (/^\d+$/.test(to)) return this.rewind(Number(to));
    const seq = this.#views.marks.get(to);
    if (seq === undefined) return Promise.reject(new DomainFailure(domainError('PositionNotFound', `no mark named '${to}'`)));
    return this.rewind(seq, to);
  }

  /** Waits until everything appended is durable. */
  flush(): Promise<void> {
    return this.#journal.flush();
  }

  #assertWritable(): void {
    if (this.#readOnly !== undefined) throw new DomainFailure(domainError('ReadOnly', this.#readOnly));
    if (this.#degraded === undefined) return;
    this.#probe();
    if (this.#degraded !== undefined) throw this.#unavailable(this.#degraded.cause);
  }

  #unavailableMessage(cause: Error): string {
    return `the journal could not be written (${cause.message}); writes are refused until it can be: free space, then retry`;
  }

  #unavailable(cause: Error): DomainFailure {
    return new DomainFailure(domainError('Unavailable', this.#unavailableMessage(cause), { retryAfterSeconds: 5 }));
  }

  /** A degraded engine whose journal was cut back resumes once the journal's file system has room again. */
  #probe(): void {
    const d = this.#degraded;
    if (d === undefined || !d.recovered || Date.now() - this.#lastProbe < PROBE_EVERY_MS) return;
    this.#lastProbe = Date.now();
    try {
      const fs = statfsSync(this.#journal.dir);
      if (fs.bavail * fs.bsize < RESUME_FREE_BYTES) return;
    } catch {
      return;
    }
    this.#degraded = undefined;
    this.#onResume?.();
  }

  #record(events: DomainEvent[], time: number, rewindTo?: RegistryState): Promise<RecordedEvent[]> {
    if (events.length === 0) return Promise.resolve([]);
    let seq = this.#journal.lastSeq;
    const recorded = events.map((e) => ({ type: e.type, data: e.data, seq: ++seq, v: EVENT_VERSIONS[e.type], time }) as RecordedEvent);
    const durable = this.#journal.append(recorded.map((r) => ({ type: r.type, v: r.v, time: r.time, data: r.data })));
    const stateAfter = (): RegistryState => {
      if (!rewindTo) throw new Error('a Rewound event needs the state it goes back to');
      return rewindTo;
    };
    for (const r of recorded) {
      fold(this.#views, r, stateAfter);
      if (r.type === 'ClockAdvanced' || r.type === 'Rewound') this.#syncClock();
    }
    return durable.then(
      (envelopes) => {
        if (envelopes[0]?.seq !== recorded[0]?.seq) this.#fail(new Error('journal assigned unexpected sequence numbers'));
        this.emit('events', recorded);
        return recorded;
      },
      async (err: unknown) => {
        // the refusal is answered once the views are back to what the journal holds
        this.#fail(err);
        await this.settled();
        throw err instanceof DomainFailure ? err : this.#unavailable(err instanceof Error ? err : new Error(String(err)));
      },
    );
  }

  /**
   * An append failed: the events folded in since the last durable one are not in the
   * journal. Refuse writes, cut the journal back to what it holds, and serve that.
   */
  #fail(err: unknown): void {
    if (this.#degraded !== undefined) return;
    const cause = err instanceof Error ? err : new Error(String(err));
    const degraded: Degraded = { cause, since: Date.now(), recovered: false };
    this.#degraded = degraded;
    this.#onFatal?.(err);
    degraded.recovering = (async () => {
      try {
        await this.#journal.revive?.();
        if (this.#recover) this.#views = this.#recover();
        this.#syncClock();
        degraded.recovered = this.#journal.revive !== undefined;
      } catch (recoverErr) {
        this.#onFatal?.(recoverErr);
      }
    })();
  }

  /** Resolves once the recovery after a failed append has run (at once when none is running). */
  async settled(): Promise<void> {
    await this.#degraded?.recovering;
  }
}

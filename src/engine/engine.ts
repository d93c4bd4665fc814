/**
 * The single writer: command -> decide -> append -> evolve -> notify.
 *
 * decide and evolve run synchronously in the caller's turn, so every command is
 * decided against the state that includes all earlier commands; the journal
 * assigns sequence numbers in that same order. The command is acknowledged (the
 * returned promise resolves) only once its events are durable under the
 * journal's fsync mode; concurrent commands share one write and one fsync.
 */
import { EventEmitter } from 'eventemitter3';
import type { Command } from '../domain/commands.ts';
import { decide } from '../domain/decide.ts';
import { domainError, DomainFailure } from '../domain/errors.ts';
import type { DomainEvent, RecordedEvent } from '../domain/events.ts';
import { coreEvents } from '../domain/events.ts';
import { evolve } from '../domain/evolve.ts';
import { cloneState, type RegistryState } from '../domain/state.ts';
import { EVENT_VERSIONS } from '../domain/versions.ts';
import type { JournalHandle } from '../journal/index.ts';
import type { Marks } from '../projections/marks-projection.ts';
import { replay, type EventSource } from '../replay/replay.ts';
import type { Clock } from '../support/clock.ts';

export interface EngineEvents {
  /** Events that are durable and folded into the state. */
  events: [RecordedEvent[]];
}

export interface EngineOptions {
  /** Why mutations are refused (a read-only view of the past), or undefined when writable. */
  readOnly?: string;
  /** Fires once when an append fails: the live state is then ahead of the journal. */
  onFatal?: (err: unknown) => void;
}

export class Engine extends EventEmitter<EngineEvents> {
  readonly journal: JournalHandle;
  readonly clock: Clock;
  #state: RegistryState;
  readonly marks: Marks;
  /** States at marked sequence numbers, kept for fast resets. */
  readonly #atMarks: Map<number, RegistryState>;
  #readOnly: string | undefined;
  #broken: unknown;
  readonly #onFatal: ((err: unknown) => void) | undefined;

  constructor(
    journal: JournalHandle,
    clock: Clock,
    start: { state: RegistryState; marks: Marks; atMarks: Map<number, RegistryState> },
    opts: EngineOptions = {},
  ) {
    super();
    this.journal = journal;
    this.clock = clock;
    this.#state = start.state;
    this.marks = start.marks;
    this.#atMarks = start.atMarks;
    this.#readOnly = opts.readOnly;
    this.#onFatal = opts.onFatal;
  }

  /** The live state. Callers read it and never change it. */
  get state(): RegistryState {
    return this.#state;
  }

  get readOnly(): string | undefined {
    return this.#readOnly;
  }

  /** Decides and records a command; throws DomainFailure when the domain refuses it. */
  async execute(command: Command): Promise<RecordedEvent[]> {
    // An async function runs synchronously up to its first await: decide and
    // evolve happen in the caller's turn, in call order.
    this.#assertWritable();
    const now = this.clock.now();
    const decision = decide(this.#state, command, { now });
    if (!decision.ok) throw new DomainFailure(decision.error);
    return this.#record(decision.events, now);
  }

  /** Bookmarks the current sequence number (or an earlier one, `at`) under `name`. */
  async mark(name: string, at = this.journal.lastSeq): Promise<number> {
    const last = this.journal.lastSeq;
    if (!Number.isSafeInteger(at) || at < 0 || at > last)
      throw new DomainFailure(domainError('PositionNotFound', `sequence ${at} is not in the journal (last is ${last})`));
    await this.execute({ type: 'SetMark', name, at });
    return at;
  }

  /**
   * Brings the live registry back to the state it had right after event `to`,
   * keeping history: a Rewound event records it, and replay reproduces it.
   */
  async rewind(to: number, mark: string | null = null): Promise<RecordedEvent[]> {
    this.#assertWritable();
    const last = this.journal.lastSeq;
    if (!Number.isSafeInteger(to) || to < 0 || to > last)
      throw new DomainFailure(domainError('PositionNotFound', `sequence ${to} is not in the journal (last is ${last})`));
    const target = this.#atMarks.get(to) ?? replay(this.#source(), to).state;
    return this.#record([coreEvents.Rewound({ to, mark })], this.clock.now(), target);
  }

  #source(): EventSource {
    return (from, to) => this.journal.read(from, to) as Iterable<RecordedEvent>;
  }

  #assertWritable(): void {
    if (this.#broken !== undefined)
      throw new DomainFailure(domainError('ReadOnly', 'the journal failed to append; the emulator refuses further writes'));
    if (this.#readOnly !== undefined) throw new DomainFailure(domainError('ReadOnly', this.#readOnly));
  }

  #record(events: DomainEvent[], time: number, rewindTo?: RegistryState): Promise<RecordedEvent[]> {
    if (events.length === 0) return Promise.resolve([]);
    let seq = this.journal.lastSeq;
    const recorded = events.map((e) => ({ type: e.type, data: e.data, seq: ++seq, v: EVENT_VERSIONS[e.type], time }) as RecordedEvent);
    const durable = this.journal.append(recorded.map((r) => ({ type: r.type, v: r.v, time: r.time, data: r.data })));
    for (const r of recorded) {
      if (r.type === 'Rewound' && rewindTo) {
        this.#state = cloneState(rewindTo);
        this.#state.seq = r.seq;
        continue;
      }
      evolve(this.#state, r);
      if (r.type === 'MarkSet') {
        this.marks.set(r.data.name, r.data.at);
        // only a mark of the state as it is now keeps it; a reset to an earlier mark replays
        if (r.data.at !== r.seq - 1) continue;
        const kept = cloneState(this.#state);
        kept.seq = r.data.at;
        this.#atMarks.set(r.data.at, kept);
      }
    }
    return durable.then(
      (envelopes) => {
        if (envelopes[0]?.seq !== recorded[0]?.seq) this.#fail(new Error('journal assigned unexpected sequence numbers'));
        this.emit('events', recorded);
        return recorded;
      },
      (err: unknown) => {
        this.#fail(err);
        throw err;
      },
    );
  }

  #fail(err: unknown): void {
    if (this.#broken !== undefined) return;
    this.#broken = err;
    this.#onFatal?.(err);
  }
}

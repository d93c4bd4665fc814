/**
 * The EventBridge events of a running emulator's journal, from any position on:
 * `events(from)` replays the journal from `from` (the registry state right before it
 * rebuilt from the nearest checkpoint) and maps each event with the state before it, then
 * follows new events as they become durable. The consumer pulls at its own pace, straight
 * from the journal, so a slow or dead consumer holds no queue and never slows a push.
 *
 * What a consumer that starts at `from` sees is what a consumer that was following then
 * saw from `from` on: the same mapping over the same events, with the same ids.
 */
import { EventEmitter } from 'eventemitter3';
import type { RecordedEvent } from '../domain/events.ts';
import { evolve } from '../domain/evolve.ts';
import { cloneState, type RegistryState } from '../domain/state.ts';
import type { Engine } from '../engine/engine.ts';
import type { JournalHistory } from '../replay/journal-history.ts';
import { replayTo } from '../replay/time-travel.ts';
import { toEventBridge } from './ecr-event-mapping.ts';
import type { EventBridgeEvent } from './eventbridge-event.ts';

/** Folds journal events into its own copy of the registry state, mapping each on the way. */
export class EventBridgeProjector {
  #state: RegistryState;
  #prev: RecordedEvent | undefined;
  readonly #history: JournalHistory;

  private constructor(history: JournalHistory, state: RegistryState, prev: RecordedEvent | undefined) {
    this.#history = history;
    this.#state = state;
    this.#prev = prev;
  }

  /** A projector about to read event `from`: the state after `from - 1`, and that event. */
  static async at(history: JournalHistory, from: number): Promise<EventBridgeProjector> {
    const before = Math.max(from - 1, history.firstSeq - 1);
    const state = (await replayTo(history, before)).state;
    const prev = before >= history.firstSeq ? [...history.read(before, before)][0] : undefined;
    return new EventBridgeProjector(history, state, prev);
  }

  get seq(): number {
    return this.#state.seq;
  }

  /** Maps `e` (the next event) with `next` as the event after it, if known, then folds it in. */
  async step(e: RecordedEvent, next: RecordedEvent | undefined): Promise<EventBridgeEvent[]> {
    const out = toEventBridge(e, { before: this.#state, prev: this.#prev, next });
    if (e.type === 'Rewound') {
      this.#state = cloneState((await replayTo(this.#history, e.data.to)).state);
      this.#state.seq = e.seq;
    } else evolve(this.#state, e);
    this.#prev = e;
    return out;
  }
}

interface FeedEvents {
  durable: [number];
}

export interface FollowOptions {
  /** Keep following new events once caught up (default false: end there). */
  follow?: boolean;
  signal?: AbortSignal;
}

export class EventBridgeFeed {
  readonly #engine: Engine;
  readonly #history: JournalHistory;
  readonly #emitter = new EventEmitter<FeedEvents>();
  /** The last seq known durable: everything on disk at start, then what the engine announces. */
  #durable: number;
  #closed = false;
  readonly #onEvents = (events: RecordedEvent[]): void => {
    const last = events.at(-1)?.seq;
    if (last !== undefined && last > this.#durable) {
      this.#durable = last;
      this.#emitter.emit('durable', last);
    }
  };

  constructor(engine: Engine) {
    this.#engine = engine;
    this.#history = engine.history();
    this.#durable = engine.lastSeq;
    engine.on('events', this.#onEvents);
  }

  get durableSeq(): number {
    return this.#durable;
  }

  /** The first seq this journal holds (a restored journal starts after its snapshot). */
  get firstSeq(): number {
    return this.#history.firstSeq;
  }

  /** Ends every follower (they return once caught up). */
  close(): void {
    this.#closed = true;
    this.#engine.off('events', this.#onEvents);
    this.#emitter.emit('durable', Number.POSITIVE_INFINITY);
    this.#emitter.removeAllListeners();
  }

  /** Resolves when a seq above `seq` is durable, the feed closes, or `signal` aborts. */
  #after(seq: number, signal: AbortSignal | undefined): Promise<void> {
    if (this.#durable > seq || this.#closed || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.#emitter.off('durable', onDurable);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const onDurable = (s: number): void => {
        if (s > seq) done();
      };
      this.#emitter.on('durable', onDurable);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /** The EventBridge events of journal events `from` on, in journal order. */
  async *events(from: number, opts: FollowOptions = {}): AsyncGenerator<EventBridgeEvent> {
    const start = Math.min(Math.max(from, this.#history.firstSeq), this.#durable + 1);
    const projector = await EventBridgeProjector.at(this.#history, start);
    let upTo = this.#durable;
    for (;;) {
      if (opts.signal?.aborted) return;
      if (projector.seq < upTo) {
        // Read to a durable point (a commit's end), one event ahead.
        const it = this.#engine.events(projector.seq + 1, upTo)[Symbol.iterator]();
        let cur = it.next();
        while (!cur.done) {
          const nxt = it.next();
          for (const ev of await projector.step(cur.value, nxt.done ? undefined : nxt.value)) {
            if (cur.value.seq >= from) yield ev;
            if (opts.signal?.aborted) return;
          }
          cur = nxt;
        }
        continue;
      }
      if (!opts.follow) return;
      await this.#after(upTo, opts.signal);
      if (this.#closed && this.#durable <= upTo) return;
      upTo = this.#durable;
    }
  }
}

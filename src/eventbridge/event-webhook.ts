/**
 * `--event-webhook URL`: POSTs every EventBridge event (JSON, one per request) to a
 * receiver, in journal order, at least once, across restarts.
 *
 * The delivery cursor, the position of the next event to deliver, is kept durable in the
 * journal folder, one file per receiver URL:
 *
 *   <journal>/eventbridge/webhook-<first 16 hex of sha256(URL)>.json
 *     { "url": "...", "next": { "seq": S, "index": I } }
 *
 * and written after each delivery (a crash between a delivery and its write repeats that
 * event: at least once). A receiver configured for the first time gets the events from
 * that start on. A failed POST (no answer, or not 2xx) is retried with backoff, for ever;
 * meanwhile the registry is not held up: the webhook reads the journal at its own pace
 * (eventbridge-feed.ts) and buffers nothing.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileDurably } from '../support/durable-file.ts';
import type { Logger } from '../support/logger.ts';
import type { EventBridgeFeed } from './eventbridge-feed.ts';
import { positionOfId, type EventBridgeEvent } from './eventbridge-event.ts';

export interface WebhookOptions {
  url: string;
  journalDir: string;
  durable: boolean;
  log: Logger;
  /** First retry delay; doubled per failure up to maxRetryMs. */
  minRetryMs?: number;
  maxRetryMs?: number;
  /** How long one POST may take. */
  timeoutMs?: number;
}

interface Position {
  seq: number;
  index: number;
}

interface CursorFile {
  url: string;
  next: Position;
}

export const webhookCursorPath = (journalDir: string, url: string): string =>
  join(journalDir, 'eventbridge', `webhook-${createHash('sha256').update(url).digest('hex').slice(0, 16)}.json`);

const before = (a: Position, b: Position): boolean => a.seq < b.seq || (a.seq === b.seq && a.index < b.index);

export class EventWebhook {
  readonly #feed: EventBridgeFeed;
  readonly #opts: Required<Omit<WebhookOptions, 'log'>> & { log: Logger };
  readonly #file: string;
  readonly #stop = new AbortController();
  #next: Position = { seq: 1, index: 0 };
  #loop: Promise<void> | undefined;
  #saving: Promise<void> | undefined;
  #dirty = false;
  /** Events delivered by this process (tests, health). */
  delivered = 0;

  constructor(feed: EventBridgeFeed, opts: WebhookOptions) {
    this.#feed = feed;
    this.#opts = { minRetryMs: 100, maxRetryMs: 5000, timeoutMs: 10_000, ...opts };
    this.#file = webhookCursorPath(opts.journalDir, opts.url);
  }

  /** Reads (or starts) the cursor and begins delivering in the background. */
  async start(): Promise<void> {
    const text = await readFile(this.#file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    if (text === undefined) {
      this.#next = { seq: this.#feed.durableSeq + 1, index: 0 };
      await this.#save();
    } else this.#next = (JSON.parse(text) as CursorFile).next;
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
    await this.#flush();
  }

  async #run(): Promise<void> {
    const signal = this.#stop.signal;
    try {
      for await (const e of this.#feed.events(this.#next.seq, { follow: true, signal })) {
        const at = positionOfId(e.id)!;
        if (before(at, this.#next)) continue; // delivered before the last restart
        if (!(await this.#deliver(e, signal))) return;
        this.#next = { seq: at.seq, index: at.index + 1 };
        this.delivered++;
        this.#save().catch((err: unknown) => this.#opts.log.error({ err }, 'event webhook: saving the delivery cursor failed'));
      }
    } catch (err) {
      if (!signal.aborted) this.#opts.log.error({ err }, 'event webhook stopped');
    }
  }

  /** POSTs until a 2xx answer; false when stopped first. */
  async #deliver(e: EventBridgeEvent, signal: AbortSignal): Promise<boolean> {
    const body = JSON.stringify(e);
    let wait = this.#opts.minRetryMs;
    for (let attempt = 1; !signal.aborted; attempt++) {
      try {
        const res = await fetch(this.#opts.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal: AbortSignal.any([signal, AbortSignal.timeout(this.#opts.timeoutMs)]),
        });
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) return true;
        if (attempt === 1 || attempt % 20 === 0)
          this.#opts.log.warn({ url: this.#opts.url, id: e.id, status: res.status, attempt }, 'event webhook answered an error; retrying');
      } catch (err) {
        if (signal.aborted) return false;
        if (attempt === 1 || attempt % 20 === 0)
          this.#opts.log.warn({ url: this.#opts.url, id: e.id, err: String(err), attempt }, 'event webhook unreachable; retrying');
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, wait);
        signal.addEventListener(
          'abort',
          () => {
            clearTimeout(t);
            resolve();
          },
          { once: true },
        );
      });
      wait = Math.min(wait * 2, this.#opts.maxRetryMs);
    }
    return false;
  }

  /** Writes the cursor; a write asked for while one runs is done once after it. */
  #save(): Promise<void> {
    if (this.#saving !== undefined) {
      this.#dirty = true;
      return this.#saving;
    }
    this.#saving = (async () => {
      do {
        this.#dirty = false;
        await this.#write({ url: this.#opts.url, next: { ...this.#next } });
      } while (this.#dirty);
    })().finally(() => (this.#saving = undefined));
    return this.#saving;
  }

  async #flush(): Promise<void> {
    while (this.#saving !== undefined) await this.#saving;
  }

  async #write(cursor: CursorFile): Promise<void> {
    await mkdir(join(this.#file, '..'), { recursive: true });
    await writeFileDurably(this.#file, [Buffer.from(`${JSON.stringify(cursor)}\n`)], { fsync: this.#opts.durable });
  }
}

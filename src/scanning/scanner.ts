/**
 * The scanner: background work that finishes started image scans.
 *
 * Scans are started by the domain (on push, by StartImageScan, by a continuous
 * rescan or a new scanning configuration: an ImageScanStarted event). The scanner
 * listens to the engine's durable events, queues each image with a started scan,
 * and works through the queue one image at a time, off the request path: it reads
 * the image's layers once (the inventory; later scans reuse it) and records the
 * outcome with a CompleteImageScan command, whose decision matches the inventory
 * against the advisories of that moment. One image at a time, in the order the
 * scans were started, so a scripted scenario that waits for its scans records the
 * same journal every time. On start (and after a rewind) it queues every scan the
 * state shows as pending, so scans resume after a restart.
 */
import type { BlobStore } from '../blobs/blob-store.ts';
import { imagesWithExtra } from '../domain/deferred-images.ts';
import { DomainFailure } from '../domain/errors.ts';
import type { RecordedEvent } from '../domain/events.ts';
import { imageScans } from '../domain/scanning/image-scans.ts';
import type { ScanOutcome } from '../domain/scanning/scanning-commands.ts';
import { repoKey } from '../domain/scope.ts';
import type { Image, Repository } from '../domain/state.ts';
import type { Engine } from '../engine/engine.ts';
import type { Logger } from '../support/logger.ts';
import type { BlobLookup, LayerCache } from './image-inventory.ts';

/**
 * The layer reading code (tar, gzip, zstd, the package databases) loads with the first scan
 * that reads layers: a server that scans nothing does not pay for it on start.
 */
type LayerReading = typeof import('./image-inventory.ts');
let layerReading: Promise<LayerReading> | undefined;
const loadLayerReading = (): Promise<LayerReading> => (layerReading ??= import('./image-inventory.ts'));

interface Job {
  account: string;
  region: string;
  repository: string;
  digest: string;
}

const jobKey = (j: Job): string => `${repoKey(j, j.repository)}\0${j.digest}`;

const hasPending = (image: Image): boolean => {
  const s = imageScans(image);
  return s !== undefined && (s.basic?.pending === true || s.enhanced?.pending === true);
};

export interface ScannerOptions {
  engine: Engine;
  blobs: BlobStore;
  log: Logger;
}

export class Scanner {
  readonly #engine: Engine;
  readonly #blobs: BlobStore;
  readonly #log: Logger;
  readonly #queue: Job[] = [];
  readonly #queued = new Set<string>();
  #cache: LayerCache | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;
  #idle: (() => void)[] = [];
  /** Scans finished since start (health, tests). */
  completed = 0;

  constructor(opts: ScannerOptions) {
    this.#engine = opts.engine;
    this.#blobs = opts.blobs;
    this.#log = opts.log;
  }

  /** Starts listening and queues the scans left pending (by a restart, or in a snapshot). */
  start(): void {
    this.#engine.on('events', this.#onEvents);
    this.#queuePending();
  }

  /** Resolves when no scan is queued or running. */
  idle(): Promise<void> {
    if (this.#queue.length === 0 && this.#running === undefined) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Stops taking work; resolves once the scan in progress (if any) has ended. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#engine.off('events', this.#onEvents);
    this.#queue.length = 0;
    this.#queued.clear();
    await this.#running;
  }

  readonly #onEvents = (events: RecordedEvent[]): void => {
    for (const e of events) {
      if (e.type === 'ImageScanStarted') this.#enqueue(e.data);
      else if (e.type === 'Rewound') this.#queuePending();
    }
  };

  #queuePending(): void {
    const pending: { job: Job; startedAt: number }[] = [];
    for (const repo of this.#engine.state.repos.values())
      for (const image of imagesWithExtra(repo)) {
        if (!hasPending(image)) continue;
        const s = imageScans(image)!;
        const startedAt = Math.min(s.basic?.pending ? s.basic.startedAt : Infinity, s.enhanced?.pending ? s.enhanced.startedAt : Infinity);
        pending.push({ job: { account: repo.account, region: repo.region, repository: repo.name, digest: image.digest }, startedAt });
      }
    pending.sort((a, b) => a.startedAt - b.startedAt || (jobKey(a.job) < jobKey(b.job) ? -1 : 1));
    for (const p of pending) this.#enqueue(p.job);
  }

  #enqueue(job: Job): void {
    if (this.#stopped) return;
    const key = jobKey(job);
    if (this.#queued.has(key)) return;
    this.#queued.add(key);
    this.#queue.push({ account: job.account, region: job.region, repository: job.repository, digest: job.digest });
    // never in the caller's turn: the engine emits from its commit callback
    this.#running ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.#work());
  }

  async #work(): Promise<void> {
    try {
      while (!this.#stopped && this.#queue.length > 0) {
        const job = this.#queue.shift()!;
        this.#queued.delete(jobKey(job));
        await this.#scan(job).catch((err: unknown) => this.#log.error({ err, ...job }, 'image scan failed'));
      }
    } finally {
      this.#running = undefined;
      for (const resolve of this.#idle.splice(0)) resolve();
    }
  }

  #find(job: Job): { repo: Repository; image: Image } | undefined {
    const repo = this.#engine.state.repos.get(repoKey(job, job.repository));
    const image = repo?.images.get(job.digest);
    return repo && image ? { repo, image } : undefined;
  }

  readonly #lookup: BlobLookup = async (digest) => {
    const size = this.#engine.state.blobs.get(digest);
    if (size === undefined) return undefined;
    const at = await this.#blobs.locate(digest);
    return at ? { file: at.file, offset: at.offset, size } : undefined;
  };

  async #scan(job: Job): Promise<void> {
    const found = this.#find(job);
    if (!found || !hasPending(found.image)) return;
    let outcome: ScanOutcome;
    if (imageScans(found.image)?.inventory) outcome = { kind: 'stored' };
    else {
      const started = performance.now();
      const { LayerCache, LayerUnreadableError, readInventory } = await loadLayerReading();
      try {
        this.#cache ??= new LayerCache();
        outcome = { kind: 'inventory', inventory: await readInventory(found.image.bytes, this.#lookup, this.#cache) };
        this.#log.debug({ ...job, ms: Math.round(performance.now() - started) }, 'image layers read');
      } catch (err) {
        if (!(err instanceof LayerUnreadableError)) this.#log.warn({ err, ...job }, 'image scan could not read the image');
        outcome = { kind: 'failed', description: err instanceof Error ? err.message : String(err) };
      }
    }
    if (this.#stopped) return;
    try {
      await this.#engine.execute({
        type: 'CompleteImageScan',
        scope: { account: job.account, region: job.region },
        repository: job.repository,
        digest: job.digest,
        outcome,
      });
      this.completed++;
    } catch (err) {
      if (err instanceof DomainFailure && err.error.code === 'ReadOnly') {
        this.#stopped = true;
        return;
      }
      throw err;
    }
  }
}

/**
 * Replication, off the request path. A push that matches replication rules records
 * ImageReplicationStarted with the push (IN_PROGRESS for each destination); this worker hears it
 * from the engine's durable events and copies the image to each destination registry of the
 * emulator (ReplicateImage: the destination's events and the outcome in one frame, so a copy is
 * journaled whole or not at all). Backfills (StartReplicationBackfill) are worked the same way:
 * prepared (the images and tags to copy listed), then copied item by item, each item with its
 * result in one frame, until done, failed or stopped.
 *
 * Jobs run one at a time in the order they were journaled. On start, and after a rewind, it
 * resumes what the state has under way: IN_PROGRESS statuses, and backfills PREPARING,
 * IN_PROGRESS or STOPPING. A copy cut short by a crash left nothing in the journal and is made
 * again; one journaled already is a no-op: nothing is copied twice.
 */
import { imagesWithExtra } from '../domain/deferred-images.ts';
import { DomainFailure } from '../domain/errors.ts';
import type { RecordedEvent } from '../domain/events.ts';
import { replicationStatuses, type ReplicationDestination } from '../domain/replication/replication-state.ts';
import { repoKey, scopeKey, type RegistryScope } from '../domain/scope.ts';
import type { Engine } from '../engine/engine.ts';
import type { Logger } from '../support/logger.ts';

type Job =
  | { kind: 'image'; scope: RegistryScope; repository: string; digest: string; destination: ReplicationDestination }
  | { kind: 'backfill'; scope: RegistryScope; backfillId: string };

const keyOf = (job: Job): string =>
  job.kind === 'image'
    ? `image|${repoKey(job.scope, job.repository)}|${job.digest}|${job.destination.region}|${job.destination.registryId}`
    : `backfill|${scopeKey(job.scope)}|${job.backfillId}`;

const scopeOf = (d: { account: string; region: string }): RegistryScope => ({ account: d.account, region: d.region });

export class ReplicationWorker {
  readonly #engine: Engine;
  readonly #log: Logger;
  readonly #queue: Job[] = [];
  readonly #queued = new Set<string>();
  #running: Promise<void> | undefined;
  #stopped = false;
  readonly #onEvents = (events: RecordedEvent[]): void => {
    for (const e of events) {
      if (e.type === 'Rewound') this.#resume();
      else if (e.type === 'ImageReplicationStarted')
        for (const d of e.data.destinations)
          this.#enqueue({
            kind: 'image',
            scope: scopeOf(e.data),
            repository: e.data.repository,
            digest: e.data.digest,
            destination: { region: d.region, registryId: d.registryId },
          });
      else if (e.type === 'ReplicationBackfillStarted' || e.type === 'ReplicationBackfillStopRequested')
        this.#enqueue({ kind: 'backfill', scope: scopeOf(e.data), backfillId: e.data.backfillId });
    }
  };

  constructor(engine: Engine, log: Logger) {
    this.#engine = engine;
    this.#log = log;
  }

  /** Listens for pushes to replicate and resumes what the state has under way. */
  start(): void {
    this.#engine.on('events', this.#onEvents);
    this.#resume();
  }

  /** Stops taking work; resolves when the copy under way is recorded. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#engine.off('events', this.#onEvents);
    this.#queue.length = 0;
    await this.#running;
  }

  #resume(): void {
    const state = this.#engine.state;
    for (const repo of state.repos.values())
      for (const image of imagesWithExtra(repo))
        for (const s of replicationStatuses(image))
          if (s.status === 'IN_PROGRESS')
            this.#enqueue({
              kind: 'image',
              scope: { account: repo.account, region: repo.region },
              repository: repo.name,
              digest: image.digest,
              destination: { region: s.region, registryId: s.registryId },
            });
    for (const [key, reg] of state.registries) {
      const [account = '', region = ''] = key.split(':');
      for (const b of Object.values(reg.replicationBackfills ?? {}))
        if (b.status === 'PREPARING' || b.status === 'IN_PROGRESS' || b.status === 'STOPPING')
          this.#enqueue({ kind: 'backfill', scope: { account, region }, backfillId: b.id });
    }
  }

  #enqueue(job: Job): void {
    const key = keyOf(job);
    if (this.#stopped || this.#queued.has(key)) return;
    this.#queued.add(key);
    this.#queue.push(job);
    this.#running ??= this.#drain();
  }

  async #drain(): Promise<void> {
    try {
      // the request that caused the push finishes its turn first: replication is not on its path
      await new Promise((resolve) => setImmediate(resolve));
      for (let job = this.#queue.shift(); job && !this.#stopped; job = this.#queue.shift()) {
        this.#queued.delete(keyOf(job));
        await this.#run(job);
      }
    } finally {
      this.#running = undefined;
    }
  }

  async #run(job: Job): Promise<void> {
    try {
      if (job.kind === 'image')
        await this.#engine.execute({
          type: 'ReplicateImage',
          scope: job.scope,
          repository: job.repository,
          digest: job.digest,
          destination: job.destination,
        });
      else await this.#backfill(job.scope, job.backfillId);
    } catch (err) {
      if (err instanceof DomainFailure && err.error.code === 'ReadOnly') return;
      // left under way: the next start resumes it
      this.#log.error({ err, job }, 'replication failed');
    }
  }

  /** Works a backfill to its end, one item a turn (pushes and other copies go on meanwhile). */
  async #backfill(scope: RegistryScope, backfillId: string): Promise<void> {
    const { account, region } = scope;
    for (;;) {
      if (this.#stopped) return;
      const b = this.#engine.state.registries.get(`${account}:${region}`)?.replicationBackfills?.[backfillId];
      if (!b) return;
      if (b.status === 'PREPARING') await this.#engine.execute({ type: 'PrepareReplicationBackfill', scope, backfillId });
      else if (b.status === 'STOPPING') await this.#engine.execute({ type: 'FinishReplicationBackfill', scope, backfillId });
      else if (b.status === 'IN_PROGRESS')
        await this.#engine.execute({ type: 'ReplicateBackfillItem', scope, backfillId, index: b.results.length });
      else return;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}

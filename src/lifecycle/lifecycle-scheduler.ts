/**
 * The lifecycle scheduler: background work that runs each repository's lifecycle policy on
 * the emulator's clock, and completes previews, by executing commands through the engine
 * (the domain decides what a run does; see domain/lifecycle/lifecycle-evaluate.ts).
 *
 * - A policy runs every `intervalMs` of emulator time (ECR: "after creating a lifecycle
 *   policy, the affected images are expired within 24 hours"; the default interval is 24 h).
 *   Its first run is due one interval after it was put, each next one an interval after the
 *   last. Whenever the clock has passed due times (a ClockAdvanced event, a reset, the real
 *   clock's timer) the runs catch up, each as of its own due time (at most MAX_CATCH_UP
 *   per repository at once: the latest ones), so a month skipped in one advance behaves like
 *   thirty daily runs.
 * - POST /_rewind/lifecycle/evaluate runs policies now, on request.
 * - StartLifecyclePolicyPreview journals a preview IN_PROGRESS; the scheduler completes it
 *   with a CompleteLifecyclePolicyPreview command, off the request path.
 *
 * Work is serialized in one queue, in a fixed order (repositories by key), so a recording
 * with a stepping clock reads the clock at the same points every time. With the system
 * clock a timer (unref'd) wakes the queue at the next due time; other clocks only move when
 * told to, so they need none. On start it resumes: due runs and previews left in progress.
 */
import type { RecordedEvent } from '../domain/events.ts';
import { DomainFailure } from '../domain/errors.ts';
import { repoKey, type RegistryScope } from '../domain/scope.ts';
import type { Repository } from '../domain/state.ts';
import type { Engine } from '../engine/engine.ts';
import type { Logger } from '../support/logger.ts';

/** At most this many scheduled runs per repository are caught up at once (the latest ones). */
export const MAX_CATCH_UP = 400;
/** setTimeout's limit (about 24.8 days); longer waits re-arm. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface LifecycleRun {
  account: string;
  region: string;
  repository: string;
  evaluatedAt: number;
  expired: { digest: string; rulePriority: number }[];
  transitioned: { digest: string; rulePriority: number }[];
}

export interface LifecycleSchedulerOptions {
  intervalMs: number;
  log: Logger;
}

const scopeOfRepo = (r: Repository): RegistryScope => ({ account: r.account, region: r.region });

export class LifecycleScheduler {
  readonly #engine: Engine;
  readonly #intervalMs: number;
  readonly #log: Logger;
  #tail: Promise<unknown> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  readonly #onEvents = (events: RecordedEvent[]): void => this.#observe(events);

  constructor(engine: Engine, opts: LifecycleSchedulerOptions) {
    this.#engine = engine;
    this.#intervalMs = opts.intervalMs;
    this.#log = opts.log;
  }

  /** Subscribes to the engine and resumes pending work (resolves when it is done). */
  async start(): Promise<void> {
    this.#engine.on('events', this.#onEvents);
    // a failure is logged by the queue; the emulator serves all the same
    await this.#enqueue(async () => {
      for (const repo of this.#repos()) if (repo.settings.lifecycle?.preview?.status === 'IN_PROGRESS') await this.#completePreview(repo);
      await this.#runDue();
    }).catch(() => undefined);
  }

  /** Resolves once the work queued so far is done. */
  async idle(): Promise<void> {
    await this.#tail;
  }

  /** Runs the policy of one repository, or of every repository that has one, now. */
  evaluate(target?: { scope: RegistryScope; repository: string }): Promise<LifecycleRun[]> {
    return this.#enqueue(async () => {
      const runs: LifecycleRun[] = [];
      if (target) {
        runs.push(await this.#run(target.scope, target.repository, null, 'request'));
        return runs;
      }
      for (const repo of this.#repos())
        if (repo.settings.lifecyclePolicyText !== undefined) runs.push(await this.#run(scopeOfRepo(repo), repo.name, null, 'request'));
      return runs;
    });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#engine.off('events', this.#onEvents);
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#tail.catch(() => undefined);
  }

  #enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(() => (this.#stopped ? (undefined as T) : task()));
    // A failed task is logged and the queue goes on; its caller still sees the error.
    this.#tail = run.then(
      () => this.#arm(),
      (err: unknown) => {
        if (!(err instanceof DomainFailure)) this.#log.error({ err }, 'lifecycle work failed');
        this.#arm();
      },
    );
    return run;
  }

  #observe(events: RecordedEvent[]): void {
    let due = false;
    for (const e of events) {
      if (e.type === 'ClockAdvanced' || e.type === 'Rewound') due = true;
      else if (e.type === 'LifecyclePolicyPreviewStarted') {
        const { account, region, repository } = e.data;
        this.#enqueue(async () => {
          const repo = this.#engine.state.repos.get(repoKey({ account, region }, repository));
          if (repo) await this.#completePreview(repo);
        }).catch(() => undefined);
      } else if (e.type === 'LifecyclePolicyPut') this.#arm();
    }
    if (due) this.#enqueue(() => this.#runDue()).catch(() => undefined);
  }

  /** Repositories in key order (account:region:name). */
  #repos(): Repository[] {
    return [...this.#engine.state.repos.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
  }

  /** The first scheduled run not yet made, for a repository with a policy. */
  #nextDue(repo: Repository): number | undefined {
    if (repo.settings.lifecyclePolicyText === undefined) return undefined;
    const lc = repo.settings.lifecycle;
    const base = Math.max(lc?.policyPutAt ?? repo.createdAt, lc?.lastEvaluatedAt ?? Number.NEGATIVE_INFINITY);
    return base + this.#intervalMs;
  }

  async #runDue(): Promise<void> {
    if (this.#engine.readOnly !== undefined) return;
    const withPolicy = this.#repos().filter((r) => r.settings.lifecyclePolicyText !== undefined);
    // No clock reading without a policy: a recording's stepping clock moves on each reading.
    if (withPolicy.length === 0) return;
    const now = this.#engine.clock.now();
    for (const repo of withPolicy) {
      const first = this.#nextDue(repo);
      if (first === undefined || first > now) continue;
      const count = Math.floor((now - first) / this.#intervalMs) + 1;
      const skip = Math.max(0, count - MAX_CATCH_UP);
      const scope = scopeOfRepo(repo);
      for (let k = skip; k < count; k++) {
        try {
          await this.#run(scope, repo.name, first + k * this.#intervalMs, 'schedule');
        } catch (err) {
          if (err instanceof DomainFailure) break; // the policy or the repository went away meanwhile
          throw err;
        }
      }
    }
  }

  async #run(scope: RegistryScope, repository: string, at: number | null, trigger: 'schedule' | 'request'): Promise<LifecycleRun> {
    const events = await this.#engine.execute({ type: 'EvaluateLifecyclePolicy', scope, repository, at, trigger });
    const run: LifecycleRun = {
      account: scope.account,
      region: scope.region,
      repository,
      evaluatedAt: at ?? events[0]?.time ?? 0,
      expired: [],
      transitioned: [],
    };
    for (const e of events) {
      if (e.type === 'LifecyclePolicyEvaluated') run.evaluatedAt = e.data.evaluatedAt;
      else if (e.type === 'ImageExpired') run.expired.push({ digest: e.data.digest, rulePriority: e.data.rulePriority });
      else if (e.type === 'ImageTransitioned') run.transitioned.push({ digest: e.data.digest, rulePriority: e.data.rulePriority });
    }
    if (run.expired.length + run.transitioned.length > 0)
      this.#log.info({ repository, expired: run.expired.length, transitioned: run.transitioned.length, trigger }, 'lifecycle policy ran');
    return run;
  }

  async #completePreview(repo: Repository): Promise<void> {
    if (this.#engine.readOnly !== undefined) return;
    await this.#engine.execute({ type: 'CompleteLifecyclePolicyPreview', scope: scopeOfRepo(repo), repository: repo.name });
  }

  /** With a clock that moves by itself, wakes the queue at the next due time. */
  #arm(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#stopped || this.#engine.clock.live !== true || this.#engine.readOnly !== undefined) return;
    let next = Number.POSITIVE_INFINITY;
    for (const repo of this.#engine.state.repos.values()) next = Math.min(next, this.#nextDue(repo) ?? Number.POSITIVE_INFINITY);
    if (next === Number.POSITIVE_INFINITY) return;
    const delay = Math.min(Math.max(0, next - this.#engine.clock.now()), MAX_TIMER_MS);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#enqueue(() => this.#runDue()).catch(() => undefined);
    }, delay);
    this.#timer.unref();
  }
}

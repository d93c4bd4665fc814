/**
 * The pull through cache: a pull of an image that a rule covers and the registry does not hold
 * fetches it from the rule's upstream registry, serves it, and records it as one push (repository
 * created by the PULL_THROUGH_CACHE template or ECR's defaults, blobs, manifests, tag, and
 * UpstreamImageCached naming the rule), off the request path.
 *
 * A fetch is one job per image: its manifest (an index's children too) is fetched first and served
 * at once; its blobs stream from the upstream into the store through the upload service while
 * clients read them (uploads.receive: a blob is fetched once, whoever asks); once every blob is
 * verified and stored the image is recorded. Concurrent pulls of the same image share the job.
 * A tag already cached is asked upstream at most once every 24 hours of the emulator's clock
 * (a HEAD; a moved tag is fetched again); when the upstream fails, the cached image is served.
 * An upstream failure records nothing: the pull gets UnableToGetUpstreamImage (or ...Layer).
 */
import { domainError, DomainFailure } from '../domain/errors.ts';
import { isForeign, parseManifest, type ParsedManifest } from '../domain/manifest.ts';
import { isDigest } from '../domain/names.ts';
import { ruleFor } from '../domain/pull-through/pull-through-rules.ts';
import { TAG_RECHECK_MS, type PullThroughCacheRule } from '../domain/pull-through/pull-through-state.ts';
import { ecrRegistryOf } from '../domain/pull-through/upstream-registries.ts';
import { repoKey, type RegistryScope } from '../domain/scope.ts';
import type { Engine } from '../engine/engine.ts';
import type { IncomingBlob, Uploads } from '../engine/uploads.ts';
import type { Logger } from '../support/logger.ts';
import { UpstreamClient, UpstreamError } from './upstream-client.ts';
import type { UpstreamCredentials } from './upstream-credentials.ts';

/** A manifest as served: bytes exactly as the upstream gave them. */
export interface FetchedManifest {
  digest: string;
  mediaType: string;
  bytes: Buffer;
  manifest: ParsedManifest;
}

/** A blob of an image being fetched, readable while it arrives. */
export interface PendingBlob {
  size: number;
  send: IncomingBlob['send'];
}

export interface PullThroughOptions {
  /** Registry URL (as rules name it) -> `http(s)://...` it is reached at (--upstream); others: `https://<url>`. */
  upstreams: Readonly<Record<string, string>>;
  credentials: UpstreamCredentials;
  log: Logger;
}

/** Blobs fetched at once per image. */
const BLOB_FETCHES = 4;

interface Job {
  scope: RegistryScope;
  repository: string;
  reference: string;
  rule: PullThroughCacheRule;
  upstreamRepository: string;
  client: UpstreamClient;
  /** The manifests by digest, once fetched (children and the pulled one). */
  manifests: Map<string, FetchedManifest>;
  /** Blob digest -> size, of every manifest of the image. */
  blobs: Map<string, number>;
  incoming: Map<string, IncomingBlob>;
  /** A client pulled the image (/v2) while it was fetched: the record names that pull. */
  pulled: boolean;
  ready: Promise<FetchedManifest>;
  done: Promise<void>;
}

const upstreamImageError = (repository: string, reference: string, err: unknown): DomainFailure =>
  new DomainFailure(
    domainError(
      'UnableToGetUpstreamImage',
      `Unable to get the image '${reference}' of repository '${repository}' from the upstream registry: ${(err as Error).message}`,
    ),
  );

export class PullThroughCache {
  readonly #engine: Engine;
  readonly #uploads: Uploads;
  readonly #opts: PullThroughOptions;
  readonly #jobs = new Set<Job>();
  #stopped = false;

  constructor(engine: Engine, uploads: Uploads, opts: PullThroughOptions) {
    this.#engine = engine;
    this.#uploads = uploads;
    this.#opts = opts;
  }

  /** The client of a rule's upstream (its URL mapped by --upstream, its credentials by ARN). */
  clientOf(rule: PullThroughCacheRule): UpstreamClient {
    const base = this.#opts.upstreams[rule.upstreamRegistryUrl] ?? `https://${rule.upstreamRegistryUrl}`;
    const credentials = rule.credentialArn === undefined ? undefined : this.#opts.credentials.get(rule.credentialArn);
    return new UpstreamClient({
      baseUrl: base,
      credentials,
      ecr: rule.upstreamRegistry === 'ecr' ? ecrRegistryOf(rule.upstreamRegistryUrl) : undefined,
    });
  }

  /**
   * For a pull of `reference`: the manifest to serve while the image is fetched, when a rule covers
   * the repository and the registry does not hold it (or its tag was moved upstream); undefined when
   * the registry's own state answers. Throws UnableToGetUpstreamImage when the upstream fails.
   */
  manifest(scope: RegistryScope, repository: string, reference: string): Promise<FetchedManifest | undefined> | undefined {
    const running = this.#running(scope, repository, reference);
    // what every pull of a repository no rule covers asks: answered without a promise
    if (running === undefined && !this.#mayStart(scope, repository)) return undefined;
    return this.#fetched(running, scope, repository, reference);
  }

  /** Whether manifest() would answer a promise (a fetch runs for `reference`, or a rule covers the repository); starts nothing. */
  mayFetch(scope: RegistryScope, repository: string, reference: string): boolean {
    return this.#running(scope, repository, reference) !== undefined || this.#mayStart(scope, repository);
  }

  async #fetched(
    running: Job | undefined,
    scope: RegistryScope,
    repository: string,
    reference: string,
  ): Promise<FetchedManifest | undefined> {
    const job = running ?? (await this.#start(scope, repository, reference));
    if (!job) return undefined;
    job.pulled = true;
    const top = await job.ready;
    return job.manifests.get(reference) ?? top;
  }

  /** Whether #start could start a fetch for `repository` (a rule covers it): its first, synchronous checks. */
  #mayStart(scope: RegistryScope, repository: string): boolean {
    return !this.#stopped && this.#engine.readOnly === undefined && ruleFor(this.#engine.state, scope, repository) !== undefined;
  }

  /** Caches the image `reference` (if a rule covers it and it is not held) and resolves once it is recorded. */
  async cache(scope: RegistryScope, repository: string, reference: string): Promise<void> {
    const job = this.#running(scope, repository, reference) ?? (await this.#start(scope, repository, reference));
    if (job) await job.done;
  }

  /** A blob of an image being fetched into `repository`, readable as it arrives; undefined when no fetch needs it. */
  blob(scope: RegistryScope, repository: string, digest: string): PendingBlob | undefined {
    for (const job of this.#jobs) {
      if (job.repository !== repository || repoKey(job.scope, repository) !== repoKey(scope, repository)) continue;
      const size = job.blobs.get(digest);
      if (size === undefined) continue;
      const incoming = this.#receive(job, digest);
      return { size, send: (res, start, end) => incoming.send(res, start, end) };
    }
    return undefined;
  }

  /** Resolves once a fetch of `repository` that needs `digest` is over (rejects as it failed); at once when none does. */
  async layer(scope: RegistryScope, repository: string, digest: string): Promise<void> {
    for (const job of this.#jobs)
      if (job.blobs.has(digest) && repoKey(job.scope, job.repository) === repoKey(scope, repository))
        await job.done.catch((err: unknown) => {
          throw new DomainFailure(
            domainError(
              'UnableToGetUpstreamLayer',
              `Unable to get the layer '${digest}' from the upstream registry: ${(err as Error).message}`,
            ),
          );
        });
  }

  /** Waits for the fetches under way; starts no more. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.allSettled([...this.#jobs].map((j) => j.done));
  }

  #running(scope: RegistryScope, repository: string, reference: string): Job | undefined {
    const key = repoKey(scope, repository);
    for (const job of this.#jobs)
      if (repoKey(job.scope, job.repository) === key && (job.reference === reference || job.manifests.has(reference))) return job;
    return undefined;
  }

  /** Starts fetching `reference` when it must be, else undefined (the state answers). */
  async #start(scope: RegistryScope, repository: string, reference: string): Promise<Job | undefined> {
    if (this.#stopped || this.#engine.readOnly !== undefined) return undefined;
    const state = this.#engine.state;
    const covered = ruleFor(state, scope, repository);
    if (!covered) return undefined;
    const repo = state.repos.get(repoKey(scope, repository));
    const byDigest = isDigest(reference);
    if (byDigest && repo?.images.has(reference)) return undefined;
    const client = this.clientOf(covered.rule);
    const cached = byDigest ? undefined : repo?.tags.get(reference);
    if (cached !== undefined && !(await this.#moved(client, scope, repository, covered.upstreamRepository, reference, cached)))
      return undefined;
    // a job started meanwhile (the check above awaited) is shared
    const again = this.#running(scope, repository, reference);
    if (again) return again;
    const job = this.#job(scope, repository, reference, covered.rule, covered.upstreamRepository, client);
    this.#jobs.add(job);
    void job.done.then(
      () => this.#jobs.delete(job),
      (err: unknown) => {
        this.#jobs.delete(job);
        this.#opts.log.warn({ err, repository, reference }, 'pull through cache: the fetch from the upstream failed');
      },
    );
    return job;
  }

  /**
   * Whether a cached tag must be fetched again: asked upstream (a HEAD) once its last check is
   * 24 hours old; the same digest is recorded as checked. An upstream failure keeps the cached image.
   */
  async #moved(
    client: UpstreamClient,
    scope: RegistryScope,
    repository: string,
    upstreamRepository: string,
    tag: string,
    cached: string,
  ): Promise<boolean> {
    const checkedAt = this.#engine.state.repos.get(repoKey(scope, repository))?.settings.pullThrough?.tagsCheckedAt[tag];
    if (checkedAt !== undefined && this.#engine.clock.now() - checkedAt < TAG_RECHECK_MS) return false;
    let digest: string;
    try {
      digest = (await client.manifest(upstreamRepository, tag, 'HEAD')).digest;
      if (digest === '') digest = (await client.manifest(upstreamRepository, tag)).digest;
    } catch (err) {
      this.#opts.log.warn({ err, repository, tag }, 'pull through cache: the upstream could not be asked; the cached image is served');
      return false;
    }
    if (digest !== cached) return true;
    await this.#engine.execute({ type: 'RecordUpstreamTagCheck', scope, repository, tag, digest }).catch(() => undefined);
    return false;
  }

  #job(
    scope: RegistryScope,
    repository: string,
    reference: string,
    rule: PullThroughCacheRule,
    upstreamRepository: string,
    client: UpstreamClient,
  ): Job {
    const job = {
      scope,
      repository,
      reference,
      rule,
      upstreamRepository,
      client,
      manifests: new Map(),
      blobs: new Map(),
      incoming: new Map(),
      pulled: false,
    } as unknown as Job;
    job.ready = this.#fetchManifests(job).catch((err: unknown) => {
      throw err instanceof DomainFailure ? err : upstreamImageError(repository, reference, err);
    });
    job.done = job.ready.then(() => this.#fetchAndRecord(job));
    job.ready.catch(() => undefined);
    job.done.catch(() => undefined);
    return job;
  }

  async #fetchManifests(job: Job): Promise<FetchedManifest> {
    const fetchOne = async (reference: string): Promise<FetchedManifest> => {
      const m = await job.client.manifest(job.upstreamRepository, reference);
      const parsed = parseManifest(m.bytes, m.mediaType || undefined);
      if (!parsed.ok) throw new UpstreamError(502, `the upstream's manifest does not parse: ${parsed.message}`);
      return { ...m, manifest: parsed.manifest };
    };
    const top = await fetchOne(job.reference);
    const held = this.#engine.state.repos.get(repoKey(job.scope, job.repository));
    for (const child of top.manifest.manifests) {
      if (held?.images.has(child.digest)) continue;
      job.manifests.set(child.digest, await fetchOne(child.digest));
    }
    job.manifests.set(top.digest, top);
    for (const m of job.manifests.values()) for (const b of m.manifest.blobs) if (!isForeign(b)) job.blobs.set(b.digest, b.size);
    return top;
  }

  #receive(job: Job, digest: string): IncomingBlob {
    let incoming = job.incoming.get(digest);
    if (!incoming) {
      incoming = this.#uploads.receive(digest, () => job.client.blob(job.upstreamRepository, digest), job.blobs.get(digest));
      job.incoming.set(digest, incoming);
    }
    return incoming;
  }

  async #fetchAndRecord(job: Job): Promise<void> {
    const state = this.#engine.state;
    const held = state.repos.get(repoKey(job.scope, job.repository));
    const blobs: { digest: string; size: number; uploadId: string | null }[] = [];
    const toFetch: string[] = [];
    for (const [digest, size] of job.blobs) {
      if (held?.blobs.has(digest)) continue;
      if (state.blobs.has(digest) && !job.incoming.has(digest)) blobs.push({ digest, size, uploadId: null });
      else toFetch.push(digest);
    }
    const queue = [...toFetch];
    const worker = async (): Promise<void> => {
      for (let d = queue.shift(); d !== undefined; d = queue.shift()) {
        const incoming = this.#receive(job, d);
        try {
          const { size } = await incoming.done;
          blobs.push({ digest: d, size, uploadId: incoming.uploadId });
        } catch (err) {
          throw new DomainFailure(
            domainError('UnableToGetUpstreamLayer', `Unable to get the layer '${d}' from the upstream registry: ${(err as Error).message}`),
          );
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(BLOB_FETCHES, toFetch.length) }, worker));
    const top = await job.ready;
    const manifests = [...job.manifests.values()].filter((m) => m.digest !== top.digest).concat(top);
    const order = new Map([...job.blobs.keys()].map((d, i) => [d, i]));
    blobs.sort((a, b) => (order.get(a.digest) ?? 0) - (order.get(b.digest) ?? 0));
    await this.#engine.execute({
      type: 'CacheUpstreamImage',
      scope: job.scope,
      repository: job.repository,
      ecrRepositoryPrefix: job.rule.ecrRepositoryPrefix,
      upstreamRepository: job.upstreamRepository,
      blobs,
      manifests: manifests.map((m) => ({ digest: m.digest, bytes: m.bytes, manifest: m.manifest })),
      tag: isDigest(job.reference) ? null : job.reference,
      pulled: job.pulled,
    });
  }
}

/**
 * Managed signing, off the request path. A push whose repository matches signing rules
 * records ImageSigningStarted with the push (one IN_PROGRESS status per signing profile);
 * this worker hears it from the engine's durable events, signs the image with the profile's
 * key (a Notary Project signature, notary-signature.ts), pushes the signature as a client
 * would (its blobs through the upload service, its manifest with PutManifest) and records
 * the outcome (RecordImageSignature or RecordImageSigningFailure). Jobs run one at a time
 * in the order their pushes were journaled, so a recording gets the same journal every run.
 * On start, and after a rewind, it resumes every status the state has IN_PROGRESS; a job
 * cut short (a crash) is simply done again: each of its steps is a no-op once done.
 *
 * The signing time is the push's time (the image's pushedAt), so a signature does not
 * depend on when the worker got to it.
 */
import { imagesWithExtra } from '../domain/deferred-images.ts';
import { DomainFailure } from '../domain/errors.ts';
import type { RecordedEvent } from '../domain/events.ts';
import { parseManifest } from '../domain/manifest.ts';
import { registrySettings } from '../domain/decision.ts';
import { repoKey, type RegistryScope } from '../domain/scope.ts';
import { SIGNING_FAILURE_CODES, signingStatuses } from '../domain/signing/signing-state.ts';
import type { Engine } from '../engine/engine.ts';
import type { Uploads } from '../engine/uploads.ts';
import type { Logger } from '../support/logger.ts';
import { signatureArtifact } from './notary-signature.ts';
import type { SigningKeys } from './signing-keys.ts';

interface Job {
  scope: RegistryScope;
  repository: string;
  digest: string;
  profileArn: string;
}

const SIGNER_ARN = /^arn:aws(?:-[a-z]+)*:signer:([a-z0-9-]+):(\d{12}):\/signing-profiles\/[a-zA-Z0-9_]{2,}$/;

export class SigningWorker {
  readonly #engine: Engine;
  readonly #uploads: Uploads;
  readonly #keys: SigningKeys;
  readonly #log: Logger;
  readonly #queue: Job[] = [];
  readonly #queued = new Set<string>();
  #running: Promise<void> | undefined;
  #stopped = false;
  readonly #onEvents = (events: RecordedEvent[]): void => {
    for (const e of events) {
      if (e.type === 'Rewound') this.#resume(); // the state it went back to may have signings under way
      if (e.type !== 'ImageSigningStarted') continue;
      const scope = { account: e.data.account, region: e.data.region };
      for (const profileArn of e.data.profiles) this.#enqueue({ scope, repository: e.data.repository, digest: e.data.digest, profileArn });
    }
  };

  constructor(engine: Engine, uploads: Uploads, keys: SigningKeys, log: Logger) {
    this.#engine = engine;
    this.#uploads = uploads;
    this.#keys = keys;
    this.#log = log;
  }

  /** Listens for pushes to sign and resumes the signings the state still has IN_PROGRESS. */
  start(): void {
    this.#engine.on('events', this.#onEvents);
    this.#resume();
  }

  /** Queues every signing the live state has IN_PROGRESS. */
  #resume(): void {
    for (const repo of this.#engine.state.repos.values())
      for (const image of imagesWithExtra(repo))
        for (const s of signingStatuses(image))
          if (s.status === 'IN_PROGRESS')
            this.#enqueue({
              scope: { account: repo.account, region: repo.region },
              repository: repo.name,
              digest: image.digest,
              profileArn: s.profileArn,
            });
  }

  /** Stops taking work; resolves when the signing under way is recorded. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#engine.off('events', this.#onEvents);
    this.#queue.length = 0;
    await this.#running;
  }

  #enqueue(job: Job): void {
    const key = `${repoKey(job.scope, job.repository)}|${job.digest}|${job.profileArn}`;
    if (this.#stopped || this.#queued.has(key)) return;
    this.#queued.add(key);
    this.#queue.push(job);
    this.#running ??= this.#drain();
  }

  /** Works the queue empty. (No await lies between its last check of the queue and `finally`.) */
  async #drain(): Promise<void> {
    try {
      // Let the request that caused the push finish its turn first: signing is not on its path.
      await new Promise((resolve) => setImmediate(resolve));
      for (let job = this.#queue.shift(); job && !this.#stopped; job = this.#queue.shift()) await this.#run(job);
    } finally {
      this.#running = undefined;
    }
  }

  async #run(job: Job): Promise<void> {
    try {
      await this.#sign(job);
    } catch (err) {
      // the image was deleted meanwhile, or the journal refuses writes: nothing to record
      if (err instanceof DomainFailure && (err.error.code === 'ImageNotFound' || err.error.code === 'ReadOnly')) return;
      // Left IN_PROGRESS: the next start resumes it.
      this.#log.error({ err, repository: job.repository, digest: job.digest, profile: job.profileArn }, 'managed signing failed');
    } finally {
      this.#queued.delete(`${repoKey(job.scope, job.repository)}|${job.digest}|${job.profileArn}`);
    }
  }

  async #sign(job: Job): Promise<void> {
    const state = this.#engine.state;
    const repo = state.repos.get(repoKey(job.scope, job.repository));
    const image = repo?.images.get(job.digest);
    if (!image || signingStatuses(image).find((s) => s.profileArn === job.profileArn)?.status !== 'IN_PROGRESS') return;
    const base = { scope: job.scope, repository: job.repository, digest: job.digest, profileArn: job.profileArn };
    const arn = SIGNER_ARN.exec(job.profileArn);
    if (!arn || arn[1] !== job.scope.region) {
      await this.#engine.execute({
        type: 'RecordImageSigningFailure',
        ...base,
        failureCode: SIGNING_FAILURE_CODES.SigningProfileNotFound,
        failureReason: `The signing profile '${job.profileArn}' was not found in region '${job.scope.region}'`,
      });
      return;
    }
    const key = await this.#keys.get(job.profileArn);
    const artifact = signatureArtifact(
      { mediaType: image.mediaType, digest: image.digest, size: image.bytes.byteLength },
      key,
      image.pushedAt,
    );
    const parsed = parseManifest(artifact.manifest.bytes);
    if (!parsed.ok) throw new Error(`signature manifest does not parse: ${parsed.message}`);
    for (const blob of [artifact.config, artifact.envelope]) await this.#pushBlob(job, blob.digest, blob.bytes);
    await this.#engine.execute({
      type: 'PutManifest',
      scope: job.scope,
      repository: job.repository,
      digest: artifact.manifest.digest,
      bytes: artifact.manifest.bytes,
      manifest: parsed.manifest,
      tag: null,
      via: 'oci',
    });
    const current = registrySettings(this.#engine.state, job.scope).signingCertificates?.[job.profileArn]?.at(-1);
    const known = current !== undefined && Buffer.from(current).equals(key.certificate);
    await this.#engine.execute({
      type: 'RecordImageSignature',
      ...base,
      certificate: known ? null : key.certificate,
      signature: artifact.manifest.digest,
    });
  }

  /** Puts a blob of the signature into the repository, unless it is there: linked if the registry has it, else uploaded. */
  async #pushBlob(job: Job, digest: string, bytes: Buffer): Promise<void> {
    const state = this.#engine.state;
    if (state.repos.get(repoKey(job.scope, job.repository))?.blobs.has(digest)) return;
    if (state.blobs.has(digest) && (await this.#uploads.mount(job.scope, job.repository, digest, null))) return;
    await this.#uploads.pushWhole(
      job.scope,
      job.repository,
      digest,
      (async function* () {
        yield bytes;
      })(),
    );
  }
}

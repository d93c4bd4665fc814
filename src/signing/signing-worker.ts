/**
 * Managed signing, off the request path. A push whose repository matches signing rules
 * records ImageSigningStarted with the push (one IN_PROGRESS status per signing profile);
 * this worker hears it from the engine's durable events, signs the image with the profile's
 * key (a Notary Project signature, notary-signature.ts), writes the signature's blobs to the
 * blob store and records the outcome through the engine (RecordImageSignature or
 * RecordImageSigningFailure). Jobs run one at a time in the order their pushes were
 * journaled, so a recording gets the same journal every run. On start it resumes every
 * status still IN_PROGRESS in the state.
 *
 * The signing time is the push's time (the image's pushedAt), so a signature does not
 * depend on when the worker got to it.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BlobStore } from '../blobs/blob-store.ts';
import { DomainFailure } from '../domain/errors.ts';
import type { RecordedEvent } from '../domain/events.ts';
import { parseManifest } from '../domain/manifest.ts';
import { repoKey, scopeKey, type RegistryScope } from '../domain/scope.ts';
import type { StoredBlob } from '../domain/signing/signing-commands.ts';
import { SIGNING_FAILURE_CODES, signingStatuses } from '../domain/signing/signing-state.ts';
import type { Engine } from '../engine/engine.ts';
import type { Logger } from '../support/logger.ts';
import { signatureArtifact } from './notary-signature.ts';
import { SIGNING_DIR, type SigningKeys } from './signing-keys.ts';

interface Job {
  scope: RegistryScope;
  repository: string;
  digest: string;
  profileArn: string;
}

const SIGNER_ARN = /^arn:aws(?:-[a-z]+)*:signer:([a-z0-9-]+):(\d{12}):\/signing-profiles\/[a-zA-Z0-9_]{2,}$/;

/** A UUID-shaped upload id derived from what it records (the same signature, the same ids). */
function uploadIdFor(parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\n')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export class SigningWorker {
  readonly #engine: Engine;
  readonly #blobs: BlobStore;
  readonly #keys: SigningKeys;
  readonly #log: Logger;
  readonly #tmp: string;
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

  constructor(engine: Engine, blobs: BlobStore, keys: SigningKeys, log: Logger) {
    this.#engine = engine;
    this.#blobs = blobs;
    this.#keys = keys;
    this.#log = log;
    this.#tmp = join(blobs.root, SIGNING_DIR, 'tmp');
  }

  /** Listens for pushes to sign and resumes the signings the state still has IN_PROGRESS. */
  start(): void {
    this.#engine.on('events', this.#onEvents);
    this.#resume();
  }

  /** Queues every signing the live state has IN_PROGRESS. */
  #resume(): void {
    for (const repo of this.#engine.state.repos.values())
      for (const image of repo.images.values())
        for (const s of signingStatuses(image))
          if (s.status === 'IN_PROGRESS')
            this.#enqueue({
              scope: { account: repo.account, region: repo.region },
              repository: repo.name,
              digest: image.digest,
              profileArn: s.profileArn,
            });
  }

  /** Resolves once every queued signing is recorded (tests, recordings). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
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
    const stored: StoredBlob[] = [];
    for (const blob of [artifact.config, artifact.envelope]) {
      await this.#store(blob.bytes, blob.digest);
      stored.push({
        digest: blob.digest,
        size: blob.bytes.length,
        uploadId: uploadIdFor([repoKey(job.scope, job.repository), artifact.manifest.digest, blob.digest]),
      });
    }
    const current = this.#engine.state.registries.get(scopeKey(job.scope))?.signingCertificates?.[job.profileArn]?.at(-1);
    const known = current !== undefined && Buffer.from(current).equals(key.certificate);
    await this.#engine.execute({
      type: 'RecordImageSignature',
      ...base,
      certificate: known ? null : key.certificate,
      blobs: stored,
      signature: { digest: artifact.manifest.digest, bytes: artifact.manifest.bytes, manifest: parsed.manifest },
    });
  }

  /** Writes a blob into the content-addressed store (flushed before the event that names it). */
  async #store(bytes: Buffer, digest: string): Promise<void> {
    if ((await this.#blobs.size(digest)) === bytes.length) return;
    await mkdir(this.#tmp, { recursive: true });
    const file = join(this.#tmp, randomUUID());
    try {
      await writeFile(file, bytes);
      await this.#blobs.adopt(file, digest);
    } finally {
      await rm(file, { force: true });
    }
  }
}

/**
 * The upload service: the one way bytes enter the registry, whichever face (or,
 * later, pull-through cache and replication) brings them.
 *
 * It owns the staging area and one lock per upload, and keeps the order that
 * makes an acknowledged blob durable and a refused one invisible:
 *
 *   decide (dry run) -> stage the bytes -> verify and move into the store -> record
 *
 * so a request the domain would refuse writes nothing, and no event names bytes
 * that are not where it says. The adapters only parse requests and render what
 * this returns or throws (DomainFailure, mapped by each face's error table).
 */
import type { BlobStore } from '../blobs/blob-store.ts';
import { isStorageFull, StagedBytesMissing, UploadStaging } from '../blobs/upload-staging.ts';
import type { Command } from '../domain/commands.ts';
import { findRepository, repositoryNotFound } from '../domain/decision.ts';
import { domainError, DomainFailure } from '../domain/errors.ts';
import { repoKey, type RegistryScope } from '../domain/scope.ts';
import { isBlobMountingEnabled } from '../domain/settings/account-settings.ts';
import { isUploadExpired } from '../domain/deciders/uploads.ts';
import type { Upload } from '../domain/state.ts';
import type { IdSource } from '../support/ids.ts';
import { KeyedMutex } from '../support/mutex.ts';
import type { Engine } from './engine.ts';
import { type IncomingBlob, receiveBlob } from './incoming-blob.ts';

export type { IncomingBlob } from './incoming-blob.ts';

/** An upload as a request names it: its id, in a repository of a registry, started by one face. */
export interface UploadRef {
  scope: RegistryScope;
  repository: string;
  uploadId: string;
  via: 'oci' | 'ecr';
}

/** Where a chunk claims to go: its first byte, and its length when announced (Content-Range, ECR part bounds). */
export interface ChunkClaim {
  start?: number | undefined;
  length?: number | undefined;
}

export type Bytes = AsyncIterable<Uint8Array>;

const fail = (code: Parameters<typeof domainError>[0], message: string, detail?: Record<string, unknown>): never => {
  throw new DomainFailure(domainError(code, message, detail));
};

/** A full disk while staging or storing bytes: the client is told to retry later (503 / ServerException). */
const storageFull = (err: unknown): DomainFailure =>
  new DomainFailure(
    domainError('Unavailable', `the registry's disk is full (${(err as Error).message}); nothing was stored, retry once space is freed`, {
      retryAfterSeconds: 10,
    }),
  );

/** Runs a step that writes bytes, turning a full disk into the domain's Unavailable error. */
async function storing<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw isStorageFull(err) ? storageFull(err) : err;
  }
}

/** What the expiry sweep found at one pass. */
export interface ExpiryReport {
  expired: string[];
}

/**
 * Hears of each blob file whose bytes the upload service itself hashed and found to match their
 * digest as it stored them (its identity, fileIdentity): BlobReads need not hash it again.
 */
export type StoredVerified = (digest: string, size: number, identity: string) => void;

export class Uploads {
  readonly #engine: Engine;
  readonly #staging: UploadStaging;
  readonly #ids: IdSource;
  readonly #locks = new KeyedMutex();
  readonly #store: BlobStore;
  /** Blobs arriving, by digest: a second ask for one shares the first. */
  readonly #incoming = new Map<string, IncomingBlob>();
  readonly #verified: StoredVerified;
  #sweeper: NodeJS.Timeout | undefined;

  constructor(engine: Engine, store: BlobStore, ids: IdSource, verified: StoredVerified = () => undefined) {
    this.#engine = engine;
    this.#store = store;
    this.#staging = new UploadStaging(store);
    this.#ids = ids;
    this.#verified = verified;
  }

  /**
   * Stages blob `digest` from the stream `open()` gives, readable while it arrives, then verifies it
   * and moves it into the store (not recorded: see IncomingBlob). While it arrives, asking for the
   * same digest again answers the same IncomingBlob: the bytes are fetched once. `size`, when
   * known (a manifest names it), spares answers that end before the blob's last byte the wait for
   * its digest.
   */
  receive(digest: string, open: () => Promise<Bytes>, size?: number): IncomingBlob {
    const running = this.#incoming.get(digest);
    if (running) return running;
    const uploadId = this.#ids.uuid();
    const incoming = receiveBlob(this.#staging, this.#store, { digest, uploadId, open, size, verified: this.#verified }, () => {
      if (this.#incoming.get(digest)?.uploadId === uploadId) this.#incoming.delete(digest);
    });
    this.#incoming.set(digest, incoming);
    return incoming;
  }

  /** Opens an upload session in `repository` (created on push when a template says so). */
  async start(scope: RegistryScope, repository: string, via: 'oci' | 'ecr'): Promise<string> {
    const uploadId = this.#ids.uuid();
    await this.#engine.execute({ type: 'StartUpload', scope, repository, uploadId, via });
    return uploadId;
  }

  /**
   * The open upload a request names. It must belong to the repository and face
   * the request names: another repository's upload id is unknown here.
   */
  get(ref: UploadRef): Upload {
    const state = this.#engine.state;
    if (!findRepository(state, ref.scope, ref.repository)) throw new DomainFailure(repositoryNotFound(ref.scope, ref.repository));
    const upload = state.uploads.get(ref.uploadId);
    if (!upload || upload.via !== ref.via || upload.repo !== repoKey(ref.scope, ref.repository))
      fail(
        'UploadNotFound',
        `Upload with id '${ref.uploadId.slice(0, 100)}' is not found in the repository with name '${ref.repository}' in the registry with id '${ref.scope.account}'`,
      );
    return upload!;
  }

  /** The open upload a request names, as a status request sees it: an expired one is closed (and recorded) first. */
  status(ref: UploadRef): Promise<Upload> {
    return this.#locks.run(ref.uploadId, async () => {
      const upload = this.get(ref);
      if (isUploadExpired(upload, this.#engine.clock.now())) {
        await this.#expire(upload.id, 'ttl');
        this.get(ref); // throws UploadNotFound now
      }
      return upload;
    });
  }

  /** Appends a chunk at the upload's offset; resolves with the new offset once it is recorded. */
  append(ref: UploadRef, body: Bytes, claim: ChunkClaim = {}): Promise<number> {
    return this.#locks.run(ref.uploadId, async () => {
      const upload = this.get(ref);
      const offset = upload.offset;
      this.#checkStart(upload, claim);
      const command = {
        type: 'AppendChunk' as const,
        uploadId: upload.id,
        offset,
        // a chunk of unknown length is checked as a non-empty one (the part rules apply to it)
        length: claim.length ?? 1,
        part: upload.via === 'ecr' ? upload.lastPart + 1 : 0,
      };
      await this.#check(command);
      const written = await this.#stage(upload, body, claim);
      await this.#engine.execute({ ...command, length: written });
      return offset + written;
    });
  }

  /**
   * Finishes an upload: stages a last chunk when there is one, verifies the bytes
   * against `digest`, links them into the store, records the completion, and only
   * then drops the staged copy (a crash before the record leaves an upload that
   * completes when the client retries).
   */
  complete(ref: UploadRef, digest: string, last?: { body: Bytes; claim?: ChunkClaim }): Promise<{ digest: string; size: number }> {
    return this.#locks.run(ref.uploadId, async () => {
      const upload = this.get(ref);
      const offset = upload.offset;
      if (last) this.#checkStart(upload, last.claim ?? {});
      const written = last ? await this.#stage(upload, last.body, last.claim ?? {}) : 0;
      const size = offset + written;
      const command: Command = {
        type: 'CompleteUpload',
        uploadId: upload.id,
        digest,
        size,
        chunk: written > 0 ? { offset, length: written } : null,
      };
      await this.#check(command);
      const verified = await this.#bytes(upload.id, () => storing(() => this.#staging.commit(upload.id, size, digest)));
      if (!verified.ok)
        fail('DigestMismatch', `the uploaded content's digest is ${verified.actual}, not ${digest}`, { digest, actual: verified.actual });
      if (verified.ok && verified.stored !== undefined) this.#verified(digest, size, verified.stored);
      await this.#engine.execute(command);
      await this.#staging.release(upload.id);
      return { digest, size };
    });
  }

  /** A whole blob in one request (POST ?digest=): decided, staged, verified, linked, recorded, released. */
  async pushWhole(scope: RegistryScope, repository: string, digest: string, body: Bytes): Promise<{ digest: string; size: number }> {
    const uploadId = this.#ids.uuid();
    const command = { type: 'PushBlob' as const, scope, repository, uploadId, digest, size: 0 };
    this.#engine.check(command);
    try {
      const size = await storing(() => this.#staging.append(uploadId, 0, body));
      const verified = await storing(() => this.#staging.commit(uploadId, size, digest));
      if (!verified.ok)
        fail('DigestMismatch', `the blob's digest is ${verified.actual}, not ${digest}`, { digest, actual: verified.actual });
      if (verified.ok && verified.stored !== undefined) this.#verified(digest, size, verified.stored);
      await this.#engine.execute({ ...command, size });
      return { digest, size };
    } finally {
      await this.#staging.discard(uploadId);
    }
  }

  /**
   * Links a blob the registry already holds into `repository` (a cross-repository mount).
   * Resolves false when it cannot (mounting disabled, or no such blob where `from` says):
   * the client then uploads the blob instead.
   */
  async mount(scope: RegistryScope, repository: string, digest: string, from: string | null): Promise<boolean> {
    if (!isBlobMountingEnabled(this.#engine.state, scope)) return false;
    try {
      await this.#engine.execute({ type: 'MountBlob', scope, repository, digest, from });
      return true;
    } catch (err) {
      if (err instanceof DomainFailure && err.error.code === 'BlobNotFound') return false;
      throw err;
    }
  }

  /** Cancels an upload and drops its staged bytes. */
  cancel(ref: UploadRef): Promise<void> {
    return this.#locks.run(ref.uploadId, async () => {
      const upload = this.get(ref);
      await this.#engine.execute({ type: 'CancelUpload', uploadId: upload.id });
      await this.#staging.discard(upload.id);
    });
  }

  /**
   * Closes every open upload past its time on the registry's clock (recorded as UploadExpired).
   * Reads the clock only when there is an open upload.
   */
  async expireDue(): Promise<ExpiryReport> {
    const expired: string[] = [];
    if (this.#engine.readOnly !== undefined || this.#engine.state.uploads.size === 0) return { expired };
    const now = this.#engine.clock.now();
    const due = [...this.#engine.state.uploads.values()].filter((u) => isUploadExpired(u, now)).map((u) => u.id);
    for (const id of due)
      await this.#locks.run(id, async () => {
        if (this.#engine.state.uploads.has(id) && (await this.#expire(id, 'ttl'))) expired.push(id);
      });
    return { expired };
  }

  /** Runs expireDue() every `everyMs` until stop(). */
  startExpiry(everyMs: number, onError: (err: unknown) => void): void {
    this.#sweeper ??= setInterval(() => void this.expireDue().catch(onError), everyMs);
    this.#sweeper.unref();
  }

  /**
   * Start-up reconciliation with what is on disk: an open upload whose staged bytes are gone
   * (fewer than the journal vouches for) is closed as UploadExpired (`staged-bytes-missing`),
   * so no request about it fails later; staged files of no open upload (left by a crash
   * between linking a blob into the store and recording it, or by a whole-blob push) are removed.
   */
  async reconcile(): Promise<{ closed: string[]; leftovers: number }> {
    const closed: string[] = [];
    if (this.#engine.readOnly !== undefined) return { closed, leftovers: 0 };
    for (const u of [...this.#engine.state.uploads.values()]) {
      if (u.offset === 0) continue;
      if ((await this.#staging.stagedSize(u.id)) < u.offset && (await this.#expire(u.id, 'staged-bytes-missing'))) closed.push(u.id);
    }
    let leftovers = 0;
    const open = this.#engine.state.uploads;
    for (const name of await this.#staging.stagedFiles())
      if (!open.has(name)) {
        await this.#staging.discard(name);
        leftovers++;
      }
    return { closed, leftovers };
  }

  stop(): void {
    if (this.#sweeper) clearInterval(this.#sweeper);
    this.#sweeper = undefined;
  }

  /** Records that an upload is closed by the registry and drops its bytes; false when the domain refused. */
  async #expire(uploadId: string, reason: 'ttl' | 'staged-bytes-missing'): Promise<boolean> {
    try {
      await this.#engine.execute({ type: 'ExpireUpload', uploadId, reason });
    } catch (err) {
      if (err instanceof DomainFailure && err.error.code !== 'Unavailable' && err.error.code !== 'ReadOnly') return false;
      throw err;
    }
    await this.#staging.discard(uploadId);
    return true;
  }

  /** engine.check, recording the expiry when the domain says the upload is past its time. */
  async #check(command: Command): Promise<void> {
    try {
      this.#engine.check(command);
    } catch (err) {
      if (err instanceof DomainFailure && err.error.detail?.expired === true && 'uploadId' in command)
        await this.#expire(command.uploadId, 'ttl');
      throw err;
    }
  }

  /**
   * Runs a step over an upload's staged bytes. When they are gone, the upload is closed
   * (recorded) and the client told it is unknown: it starts again, instead of failing forever.
   */
  async #bytes<T>(uploadId: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (!(err instanceof StagedBytesMissing)) throw err;
      await this.#expire(uploadId, 'staged-bytes-missing');
      throw new DomainFailure(
        domainError('UploadNotFound', `upload ${uploadId} lost its staged bytes (${err.message}); start the upload again`),
      );
    }
  }

  #checkStart(upload: Upload, claim: ChunkClaim): void {
    if (claim.start !== undefined && claim.start !== upload.offset)
      fail('UploadOffsetMismatch', `chunk starts at ${claim.start}, the upload is at ${upload.offset}`, {
        lastValidByteReceived: upload.offset - 1,
      });
  }

  /** Stages `body` at the upload's offset; the bytes written must be the length the request announced. */
  async #stage(upload: Upload, body: Bytes, claim: ChunkClaim): Promise<number> {
    const written = await this.#bytes(upload.id, () => storing(() => this.#staging.append(upload.id, upload.offset, body)));
    if (claim.length !== undefined && written !== claim.length)
      fail('UploadLengthMismatch', `the request announces ${claim.length} bytes, its body had ${written}`, {
        lastValidByteReceived: upload.offset - 1,
      });
    return written;
  }
}

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
import type { ServerResponse } from 'node:http';
import type { BlobStore } from '../blobs/blob-store.ts';
import { sendBlob } from '../blobs/send-blob.ts';
import { sendGrowingBlob } from '../blobs/send-growing-blob.ts';
import { UploadStaging } from '../blobs/upload-staging.ts';
import type { Command } from '../domain/commands.ts';
import { findRepository, repositoryNotFound } from '../domain/decision.ts';
import { domainError, DomainFailure } from '../domain/errors.ts';
import { repoKey, type RegistryScope } from '../domain/scope.ts';
import { isBlobMountingEnabled } from '../domain/settings/account-settings.ts';
import type { Upload } from '../domain/state.ts';
import type { IdSource } from '../support/ids.ts';
import { KeyedMutex } from '../support/mutex.ts';
import type { Engine } from './engine.ts';

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

/**
 * A whole blob arriving from elsewhere (a pull through cache's upstream), staged as it comes:
 * readable while it is written, then verified against its digest and moved into the store.
 * It is not recorded: whoever asked for it records it with the image that needs it.
 */
export interface IncomingBlob {
  readonly digest: string;
  readonly uploadId: string;
  /** Bytes staged so far. */
  staged(): number;
  /** Resolves with the size once verified and in the store; rejects when the source failed or the digest differs (nothing is kept). */
  readonly done: Promise<{ size: number }>;
  /** Sends bytes `start..end` (inclusive) to `res` as they arrive (then from the store); ends or destroys `res`. */
  send(res: ServerResponse, start: number, end: number): Promise<void>;
}

const fail = (code: Parameters<typeof domainError>[0], message: string, detail?: Record<string, unknown>): never => {
  throw new DomainFailure(domainError(code, message, detail));
};

export class Uploads {
  readonly #engine: Engine;
  readonly #staging: UploadStaging;
  readonly #ids: IdSource;
  readonly #locks = new KeyedMutex();
  readonly #store: BlobStore;
  /** Blobs arriving, by digest: a second ask for one shares the first. */
  readonly #incoming = new Map<string, IncomingBlob>();

  constructor(engine: Engine, store: BlobStore, ids: IdSource) {
    this.#engine = engine;
    this.#store = store;
    this.#staging = new UploadStaging(store);
    this.#ids = ids;
  }

  /**
   * Stages blob `digest` from the stream `open()` gives, readable while it arrives, then verifies it
   * and moves it into the store (not recorded: see IncomingBlob). While it arrives, asking for the
   * same digest again answers the same IncomingBlob: the bytes are fetched once.
   */
  receive(digest: string, open: () => Promise<Bytes>): IncomingBlob {
    const running = this.#incoming.get(digest);
    if (running) return running;
    const uploadId = this.#ids.uuid();
    let staged = 0;
    let failure: unknown;
    let wake: (() => void)[] = [];
    const notify = (): void => {
      const waiting = wake;
      wake = [];
      for (const w of waiting) w();
    };
    const work = (async () => {
      try {
        const size = await this.#staging.append(uploadId, 0, await open(), Infinity, (length) => {
          staged = length;
          notify();
        });
        const verified = await this.#staging.commit(uploadId, size, digest);
        if (!verified.ok)
          fail('DigestMismatch', `the upstream's blob has digest ${verified.actual}, not ${digest}`, { digest, actual: verified.actual });
        return { size };
      } catch (err) {
        failure = err;
        await this.#staging.discard(uploadId);
        throw err;
      } finally {
        if (this.#incoming.get(digest)?.uploadId === uploadId) this.#incoming.delete(digest);
        notify();
      }
    })();
    work.catch(() => undefined);
    let finished = false;
    void work.then(
      () => (finished = true),
      () => (finished = true),
    );
    const store = this.#store;
    const incoming: IncomingBlob = {
      digest,
      uploadId,
      staged: () => staged,
      done: work,
      async send(res, start, end) {
        const growing = {
          path: store.stagingPath(uploadId),
          staged: () => staged,
          more: () => {
            if (failure !== undefined) return Promise.reject(failure);
            if (finished) return work.then(() => undefined);
            return new Promise<void>((resolve) => wake.push(resolve));
          },
        };
        if (!finished && (await sendGrowingBlob(res, growing, start, end))) return;
        try {
          await work;
          const at = await store.locate(digest);
          if (!at) throw new Error(`blob ${digest} is not in the store after it was received`);
          await sendBlob(res, at, start, end);
        } catch (err) {
          res.destroy(err as Error);
        }
      },
    };
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
      this.#engine.check(command);
      const written = await this.#stage(upload, body, claim);
      await this.#engine.execute({ ...command, length: written });
      return offset + written;
    });
  }

  /**
   * Finishes an upload: stages a last chunk when there is one, verifies the bytes
   * against `digest`, moves them into the store and records the completion.
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
      this.#engine.check(command);
      const verified = await this.#staging.commit(upload.id, size, digest);
      if (!verified.ok)
        fail('DigestMismatch', `the uploaded content's digest is ${verified.actual}, not ${digest}`, { digest, actual: verified.actual });
      await this.#engine.execute(command);
      return { digest, size };
    });
  }

  /** A whole blob in one request (POST ?digest=): decided, staged, verified, moved and recorded. */
  async pushWhole(scope: RegistryScope, repository: string, digest: string, body: Bytes): Promise<{ digest: string; size: number }> {
    const uploadId = this.#ids.uuid();
    const command = { type: 'PushBlob' as const, scope, repository, uploadId, digest, size: 0 };
    this.#engine.check(command);
    let size: number;
    try {
      size = await this.#staging.append(uploadId, 0, body);
      const verified = await this.#staging.commit(uploadId, size, digest);
      if (!verified.ok)
        fail('DigestMismatch', `the blob's digest is ${verified.actual}, not ${digest}`, { digest, actual: verified.actual });
    } catch (err) {
      await this.#staging.discard(uploadId);
      throw err;
    }
    await this.#engine.execute({ ...command, size });
    return { digest, size };
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

  #checkStart(upload: Upload, claim: ChunkClaim): void {
    if (claim.start !== undefined && claim.start !== upload.offset)
      fail('UploadOffsetMismatch', `chunk starts at ${claim.start}, the upload is at ${upload.offset}`, {
        lastValidByteReceived: upload.offset - 1,
      });
  }

  /** Stages `body` at the upload's offset; the bytes written must be the length the request announced. */
  async #stage(upload: Upload, body: Bytes, claim: ChunkClaim): Promise<number> {
    const written = await this.#staging.append(upload.id, upload.offset, body);
    if (claim.length !== undefined && written !== claim.length)
      fail('UploadLengthMismatch', `the request announces ${claim.length} bytes, its body had ${written}`, {
        lastValidByteReceived: upload.offset - 1,
      });
    return written;
  }
}

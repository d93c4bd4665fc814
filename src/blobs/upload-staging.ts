/**
 * Staging of upload bytes, one file per upload under <root>/uploads/, with a
 * live sha256 per upload so finishing an upload does not read it again.
 * node:crypto cannot save a hash's state: after a restart (or a rewind) the
 * hash is rebuilt from the staged bytes the journal vouches for.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, truncate, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { digestAlgorithm } from '../domain/names.ts';
import { hashFile, type BlobStore } from './blob-store.ts';

interface Live {
  hash: Hash;
  /** Bytes fed to `hash` (== bytes of the staged file the journal knows). */
  length: number;
  /** The staged file is exactly `length` bytes long (we wrote it), so commit need not cut it. */
  exact: boolean;
  /** Those bytes were fdatasync'ed by append (a durable store): commit need not flush them again. */
  flushed: boolean;
}

/** Bytes gathered before one write to the staging file. */
const WRITE_BATCH = 1024 * 1024;

export type CommitResult = { ok: true; digest: string; size: number } | { ok: false; actual: string; size: number };

export class UploadStaging {
  readonly #store: BlobStore;
  readonly #live = new Map<string, Live>();
  #uploadsDirReady = false;

  constructor(store: BlobStore) {
    this.#store = store;
  }

  /** The hash of the first `length` staged bytes, rebuilt from the file when not held. */
  async #hashAt(uploadId: string, length: number): Promise<Live> {
    await this.#store.uploadReady(uploadId);
    const held = this.#live.get(uploadId);
    if (held && held.length === length) return held;
    const hash = createHash('sha256');
    if (length > 0) {
      for await (const chunk of createReadStream(this.#store.stagingPath(uploadId), { start: 0, end: length - 1 }))
        hash.update(chunk as Buffer);
    }
    const live = { hash, length, exact: false, flushed: false };
    this.#live.set(uploadId, live);
    return live;
  }

  /**
   * Writes `body` at `offset` (the upload's length as the journal knows it),
   * cutting anything staged past it, and returns how many bytes were written.
   * `limit` caps the bytes accepted (more is an error, nothing is kept). `onWritten` hears the
   * staged length after each write (readers of a blob still arriving follow it).
   */
  async append(
    uploadId: string,
    offset: number,
    body: AsyncIterable<Uint8Array>,
    limit = Infinity,
    onWritten?: (length: number) => void,
  ): Promise<number> {
    const file = this.#store.stagingPath(uploadId);
    await this.#store.uploadReady(uploadId);
    if (offset === 0 && !this.#uploadsDirReady) {
      await mkdir(dirname(file), { recursive: true });
      this.#uploadsDirReady = true;
    }
    const live = await this.#hashAt(uploadId, offset);
    const fh = await open(file, offset === 0 ? 'w' : 'r+');
    let written = 0;
    try {
      if (offset > 0) await fh.truncate(offset);
      // Socket chunks are small (16-64 KiB): gather them into one writev of up to
      // WRITE_BATCH bytes, so a large upload costs few trips to the thread pool.
      let batch: Uint8Array[] = [];
      let batched = 0;
      const flush = async (): Promise<void> => {
        if (batched === 0) return;
        await fh.writev(batch, offset + written);
        written += batched;
        onWritten?.(offset + written);
        batch = [];
        batched = 0;
      };
      for await (const chunk of body) {
        if (written + batched + chunk.byteLength > limit) throw new RangeError(`body exceeds ${limit} bytes`);
        live.hash.update(chunk);
        batch.push(chunk);
        batched += chunk.byteLength;
        if (batched >= WRITE_BATCH) await flush();
      }
      await flush();
      // An acknowledged chunk is durable before the journal records it (ChunkAppended),
      // so a restart resumes the upload from bytes that are really there.
      if (this.#store.durable && written > 0) await fh.datasync();
      live.length = offset + written;
      live.exact = true;
      // fdatasync flushed the whole file; an empty append leaves it as it was
      live.flushed = this.#store.durable && (written > 0 || live.flushed);
      return written;
    } catch (err) {
      this.#live.delete(uploadId);
      await truncate(file, offset).catch(() => undefined);
      throw err;
    } finally {
      await fh.close();
    }
  }

  /**
   * Verifies the staged `size` bytes against `expected` (sha256 from the live hash, sha512 by
   * reading them back); on success they move into the store.
   */
  async commit(uploadId: string, size: number, expected: string): Promise<CommitResult> {
    const live = await this.#hashAt(uploadId, size);
    const algorithm = digestAlgorithm(expected);
    const actual =
      algorithm === 'sha256'
        ? `sha256:${live.hash.copy().digest('hex')}`
        : `${algorithm}:${await hashFile(this.#store.stagingPath(uploadId), size, algorithm)}`;
    if (actual !== expected) return { ok: false, actual, size };
    if (size === 0) {
      await mkdir(dirname(this.#store.stagingPath(uploadId)), { recursive: true });
      const fh = await open(this.#store.stagingPath(uploadId), 'a');
      await fh.close();
    } else if (!live.exact) {
      await truncate(this.#store.stagingPath(uploadId), size);
    }
    await this.#store.adopt(this.#store.stagingPath(uploadId), expected, { flushed: size > 0 && live.exact && live.flushed });
    this.#live.delete(uploadId);
    return { ok: true, digest: actual, size };
  }

  /** Drops an upload's staged bytes (cancel, or after its events were refused). */
  async discard(uploadId: string): Promise<void> {
    this.#live.delete(uploadId);
    await this.#store.uploadReady(uploadId).catch(() => undefined);
    await unlink(this.#store.stagingPath(uploadId)).catch(() => undefined);
  }
}

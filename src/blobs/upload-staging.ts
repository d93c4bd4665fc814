/**
 * Staging of upload bytes, one file per upload under <root>/uploads/, with a
 * live sha256 per upload so finishing an upload does not read it again.
 * node:crypto cannot save a hash's state: after a restart (or a rewind) the
 * hash is rebuilt from the staged bytes the journal vouches for.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, type FileHandle, mkdir, open, readdir, rename, stat, truncate, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { digestAlgorithm } from '../domain/names.ts';
import { isLent } from '../support/lent-chunks.ts';
import { syncFile } from '../support/durable-file.ts';
import { fileIdentity, hashFile, type BlobStore } from './blob-store.ts';
import type { FileHash } from './hash-worker.ts';
import { writeBody, type WriteWatch } from './write-body.ts';
import { Writeback } from './writeback.ts';

interface Live {
  /** The hash of the staged bytes on the event loop; none when `follow` has them. */
  hash?: Hash;
  /** The hash of the staged bytes on the worker, which follows the file (a large push): the next append goes on in it. */
  follow?: FileHash;
  /** Bytes fed to `hash` or `follow` (== bytes of the staged file the journal knows). */
  length: number;
  /**
   * The sha256 of those bytes when `hash` was not fed them (a lent body hashed on the hashing
   * worker, or bytes `follow` hashed): commit uses it; an append after them goes on in `follow`,
   * or rebuilds the hash from the staged file.
   */
  sealed?: string;
  /** The staged file is exactly `length` bytes long (we wrote it), so commit need not cut it. */
  exact: boolean;
  /** Those bytes were fdatasync'ed by append (a durable store): commit need not flush them again. */
  flushed: boolean;
  /**
   * The staged file is this upload's own inode: an append here made it or checked it, and no
   * commit has linked it into the store since. The next append need not check it (#ownInode).
   */
  own: boolean;
}

/**
 * `stored`: the identity (fileIdentity) of the store's file when it is the very file whose bytes
 * were hashed here (hard-linked from staging); undefined when the store kept a file of its own.
 */
export type CommitResult = { ok: true; digest: string; size: number; stored?: string } | { ok: false; actual: string; size: number };

/** The staged bytes the journal vouches for are not there (a crash lost them, or someone removed them). */
export class StagedBytesMissing extends Error {
  override readonly name = 'StagedBytesMissing';
  constructor(
    readonly uploadId: string,
    readonly expected: number,
    readonly found: number,
  ) {
    super(`upload ${uploadId}: ${expected} bytes should be staged, ${found} are`);
  }
}

/** Whether an error says the disk (or quota) is full. */
export const isStorageFull = (err: unknown): boolean => {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
};

/** Waits for every flush (none is left under way), then fails with the first that failed. */
async function allFlushed(flushes: (Promise<unknown> | undefined)[]): Promise<void> {
  const failed = (await Promise.allSettled(flushes)).find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** What the caller of UploadStaging.append hears while it writes. */
export interface AppendWatch extends WriteWatch {
  ended?: (sha256: string) => void;
}

export class UploadStaging {
  readonly #store: BlobStore;
  readonly #live = new Map<string, Live>();
  #uploadsDirReady = false;

  constructor(store: BlobStore) {
    this.#store = store;
  }

  /**
   * The hash of the first `length` staged bytes, rebuilt from the file when not held (or only
   * sealed, unless `sealed` will do; or only on the worker when the caller needs it on the event loop: `inline`).
   */
  async #hashAt(uploadId: string, length: number, { sealed = false, inline = false } = {}): Promise<Live> {
    await this.#store.uploadReady(uploadId);
    const held = this.#live.get(uploadId);
    const goesOn = held?.follow ? !inline : held?.sealed === undefined;
    if (held && held.length === length && (goesOn || sealed)) return held;
    this.#forget(uploadId);
    const hash = createHash('sha256');
    if (length > 0) {
      const have = await this.#stagedSize(uploadId);
      if (have < length) throw new StagedBytesMissing(uploadId, length, Math.max(0, have));
      for await (const chunk of createReadStream(this.#store.stagingPath(uploadId), { start: 0, end: length - 1 }))
        hash.update(chunk as Buffer);
    }
    const live = { hash, length, exact: false, flushed: false, own: false };
    this.#live.set(uploadId, live);
    return live;
  }

  /** Drops what is held of an upload's hash (its job on the worker too). */
  #forget(uploadId: string): void {
    this.#live.get(uploadId)?.follow?.drop();
    this.#live.delete(uploadId);
  }

  /** Bytes in an upload's staged file (-1: no file). */
  async #stagedSize(uploadId: string): Promise<number> {
    try {
      return (await stat(this.#store.stagingPath(uploadId))).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return -1;
      throw err;
    }
  }

  /**
   * Writes `body` at `offset` (the upload's length as the journal knows it),
   * cutting anything staged past it, and returns how many bytes were written.
   * `limit` caps the bytes accepted (more is an error, nothing is kept). `watch.written` hears the
   * staged length after each write, with the chunks that write staged (readers of a blob still
   * arriving follow it, and send those chunks as they are: they are not changed afterwards, and
   * when they come with a lease, not while it is held); `watch.received` hears a lent body's
   * batches before they are written (write-body.ts);
   * `watch.ended` hears the sha256 of every staged byte once the body is written, before it is
   * flushed to disk (a reader can be told at once whether the bytes match their digest).
   * Throws StagedBytesMissing when fewer than `offset` bytes are staged.
   */
  async append(
    uploadId: string,
    offset: number,
    body: AsyncIterable<Uint8Array>,
    limit = Infinity,
    watch: AppendWatch = {},
  ): Promise<number> {
    const file = this.#store.stagingPath(uploadId);
    await this.#store.uploadReady(uploadId);
    if (offset === 0 && !this.#uploadsDirReady) {
      await mkdir(dirname(file), { recursive: true });
      this.#uploadsDirReady = true;
    }
    // from the first byte, the body is hashed from scratch (however suits it: writeBody); a lent
    // body after it goes on from a hash on the event loop (one the worker holds is rebuilt)
    const live = offset === 0 ? await this.#fresh(uploadId) : await this.#hashAt(uploadId, offset, { inline: isLent(body) });
    const fh = await this.#openStaged(uploadId, offset, live);
    // a durable store flushes the body as it comes, so the flush before the answer has only the tail left
    const writeback = this.#store.durable ? new Writeback(fh, offset) : undefined;
    try {
      // a file this upload wrote to exactly `offset` bytes has nothing past them to cut
      if (offset > 0 && !(live.own && live.exact && live.length === offset)) await fh.truncate(offset);
      const landed = (length: number): void => {
        writeback?.written(length);
        watch.landed?.(length);
      };
      const got = await writeBody(fh, body, offset, limit, { hash: live.hash, follow: live.follow, path: file }, { ...watch, landed });
      const { written } = got;
      if (got.hash) live.hash = got.hash;
      if (got.follow) live.follow = got.follow;
      // An acknowledged chunk is durable before the journal records it (ChunkAppended),
      // so a restart resumes the upload from bytes that are really there; a new staged
      // file's folder entry too (both flushes at once: each must end before the append does, in
      // either order). The worker's hash of the bytes (a large push) is read meanwhile.
      // (the early flushes too: one that failed fails the append)
      const flushes =
        this.#store.durable && written > 0
          ? allFlushed([fh.datasync(), offset === 0 ? this.#store.syncUploads() : undefined, writeback?.settle()])
          : writeback?.settle();
      flushes?.catch(() => undefined);
      let sha256: string;
      try {
        sha256 = got.sha256 ?? (got.follow ? await got.follow.seal() : `sha256:${live.hash!.copy().digest('hex')}`);
      } catch (err) {
        await flushes?.catch(() => undefined);
        throw err;
      }
      // told as soon as it is known, before the flushes end
      watch.ended?.(sha256);
      await flushes;
      live.length = offset + written;
      live.sealed = got.follow || got.sha256 ? sha256 : undefined;
      live.exact = true;
      live.own = true;
      // fdatasync flushed the whole file; an empty append leaves it as it was
      live.flushed = this.#store.durable && (written > 0 || live.flushed);
      return written;
    } catch (err) {
      this.#forget(uploadId);
      await writeback?.settle().catch(() => undefined);
      await truncate(file, offset).catch(() => undefined);
      throw err;
    } finally {
      await fh.close();
    }
  }

  /** No hash yet, for an append from the first byte (what is known of an empty staged file is kept: own, exact, flushed). */
  async #fresh(uploadId: string): Promise<Live> {
    await this.#store.uploadReady(uploadId);
    const held = this.#live.get(uploadId);
    const empty = held?.length === 0 ? held : undefined;
    this.#forget(uploadId);
    const live: Live = { length: 0, exact: empty?.exact ?? false, flushed: empty?.flushed ?? false, own: empty?.own ?? false };
    this.#live.set(uploadId, live);
    return live;
  }

  /**
   * Opens the staged file for an append at `offset`, as a file of the upload's own (#ownInode).
   * A new upload's file is created (exclusively: one left by an earlier run is checked first).
   */
  async #openStaged(uploadId: string, offset: number, live: Live): Promise<FileHandle> {
    const file = this.#store.stagingPath(uploadId);
    try {
      if (live.own) return await open(file, offset === 0 ? 'w' : 'r+');
      if (offset === 0) {
        try {
          return await open(file, 'wx');
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        }
      }
      await this.#ownInode(uploadId, offset);
      return await open(file, offset === 0 ? 'w' : 'r+');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new StagedBytesMissing(uploadId, offset, 0);
      throw err;
    }
  }

  /**
   * A staged file is hard-linked into the store when its upload is committed. If recording that
   * failed (a crash, a full disk) and the upload goes on, its file must not be written in place:
   * that would change the stored blob. It gets a copy of its first `offset` bytes of its own (or
   * none at all when it starts again from 0).
   */
  async #ownInode(uploadId: string, offset: number): Promise<void> {
    const file = this.#store.stagingPath(uploadId);
    let links: number;
    try {
      links = (await stat(file)).nlink;
    } catch {
      return; // no file: append reports it
    }
    if (links <= 1) return;
    if (offset === 0) {
      await unlink(file);
      return;
    }
    const copy = `${file}.copy-${process.pid}`;
    await copyFile(file, copy);
    await truncate(copy, offset);
    if (this.#store.durable) await syncFile(copy);
    await rename(copy, file);
    const live = this.#live.get(uploadId);
    if (live) live.flushed = this.#store.durable;
  }

  /**
   * Verifies the staged `size` bytes against `expected` (sha256 from the live hash, sha512 by
   * reading them back) and their length on disk; on success they are linked into the store. The
   * staged file stays until `release` (after the completion is recorded). Throws
   * StagedBytesMissing when fewer than `size` bytes are staged.
   */
  async commit(uploadId: string, size: number, expected: string): Promise<CommitResult> {
    const live = await this.#hashAt(uploadId, size, { sealed: true });
    const file = this.#store.stagingPath(uploadId);
    const algorithm = digestAlgorithm(expected);
    const actual =
      algorithm === 'sha256'
        ? (live.sealed ?? `sha256:${live.hash!.copy().digest('hex')}`)
        : `${algorithm}:${await hashFile(file, size, algorithm)}`;
    if (actual !== expected) return { ok: false, actual, size };
    if (size === 0) {
      await mkdir(dirname(file), { recursive: true });
      const fh = await open(file, 'a');
      await fh.close();
    } else {
      const have = await this.#stagedSize(uploadId);
      if (have < size) throw new StagedBytesMissing(uploadId, size, Math.max(0, have));
      if (have > size) await truncate(file, size);
    }
    // from here the staged file may be the store's file too: the next append checks it again
    live.own = false;
    const linked = await this.#store.linkIn(file, expected, { flushed: size > 0 && live.exact && live.flushed });
    // stat after the link: the staged name and the store's name are one inode now
    const stored = linked ? fileIdentity(await stat(file)) : undefined;
    return { ok: true, digest: actual, size, stored };
  }

  /** Drops a committed upload's staged file, once its completion is recorded. */
  async release(uploadId: string): Promise<void> {
    await this.discard(uploadId);
  }

  /** Drops an upload's staged bytes (cancel, expiry, or after its events were refused). */
  async discard(uploadId: string): Promise<void> {
    this.#forget(uploadId);
    await this.#store.uploadReady(uploadId).catch(() => undefined);
    await unlink(this.#store.stagingPath(uploadId)).catch(() => undefined);
  }

  /** Bytes staged for an upload (-1: none), after any pack extraction. */
  async stagedSize(uploadId: string): Promise<number> {
    await this.#store.uploadReady(uploadId).catch(() => undefined);
    return this.#stagedSize(uploadId);
  }

  /** Names of the files in uploads/ (leftovers are those of no open upload). */
  async stagedFiles(): Promise<string[]> {
    try {
      return await readdir(dirname(this.#store.stagingPath('x')));
    } catch {
      return [];
    }
  }
}

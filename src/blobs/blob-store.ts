/**
 * The content-addressed blob store that sits beside the journal.
 *
 *   <root>/blobs/<algorithm>/<hh>/<hex>  one file per blob, named by its digest
 *                                       (sha256 or sha512; <hh> = the first two hex characters)
 *   <root>/uploads/<upload-id>          bytes staged for an unfinished upload
 *   <root>/packs/<seq>.pack             a snapshot file a start `fromSnapshot` copied in,
 *                                       whose blobs are not all extracted yet (pack-extraction.ts)
 *
 * A blob file is complete and flushed before the event that makes it visible is
 * appended (verify, then move, then record); it is never changed afterwards.
 * An upload's staged file is hard-linked into the store (`linkIn`), not renamed, and
 * unlinked only after its completion is recorded: a crash in between leaves the upload
 * with its bytes, so it completes when the client retries (upload-staging.ts).
 * Files in uploads/ that belong to no open upload are leftovers of such a crash.
 * Deleting a blob is an event: files are reclaimed only by compaction, so every
 * earlier point of the journal stays replayable.
 *
 * Packs: a blob the journal knows may still sit only in a pack. The pack index
 * (digest -> pack file, offset, size) answers `size()`; `locate()` verifies and
 * extracts such a blob into its CAS file before returning it, so every read is
 * served from a verified CAS file and never from unverified pack bytes. A blob
 * whose pack bytes fail their digest is never written to the CAS and `locate()`
 * throws BlobCorruptError for it. The pack is deleted once every blob and staged
 * upload it holds is extracted and flushed.
 */
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, fsync, openSync, type Stats } from 'node:fs';
import { copyFile, link, mkdir, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { syncDir, syncFile } from '../support/durable-file.ts';

/** Where a blob's bytes are: the file and the offset of its first byte. */
export interface BlobLocation {
  file: string;
  offset: number;
  /** The file's stat, taken when `locate` found it (a reader need not stat it again). */
  stats?: Stats;
}

/**
 * A file's identity as readers of the store compare it (`ino:size:mtime`): a blob file is never
 * changed once stored, so a file of the same identity holds the bytes it held when it was checked.
 */
export const fileIdentity = (st: Stats): string => `${st.ino}:${st.size}:${st.mtimeMs}`;

/** A blob the journal knows whose only copy failed its digest check. */
export class BlobCorruptError extends Error {
  constructor(
    readonly digest: string,
    readonly pack: string,
  ) {
    super(`blob ${digest} in snapshot pack ${pack} does not match its digest: it is not served`);
  }
}

/** A blob the journal knows whose bytes are not in the store (or not of the size it says). */
export class BlobMissingError extends Error {
  override readonly name = 'BlobMissingError';
  constructor(
    readonly digest: string,
    message: string,
  ) {
    super(message);
  }
}

/** What the store asks of the pack extraction (pack-extraction.ts) it is attached to. */
export interface PackSource {
  /** The size of a blob still held by a pack (undefined when not packed or corrupt). */
  packedSize(digest: string): number | undefined;
  /**
   * Extracts a packed blob now (verified); resolves when its CAS file is in place, or
   * throws BlobCorruptError. Resolves at once for a digest no pack holds.
   */
  ensureBlob(digest: string): Promise<void>;
  /** Resolves when a staged upload a pack holds is in place under uploads/ (or was never packed). */
  ensureUpload(uploadId: string): Promise<void>;
}

export class BlobStore {
  readonly root: string;
  /** fsync blob files and their folders before they are recorded (off for throwaway runs). */
  readonly durable: boolean;
  /** Fan-out folders known to exist (at most 256 per algorithm). */
  readonly #dirs = new Set<string>();
  /** Folder fsyncs in flight: concurrent adopts into one folder share the next one. */
  readonly #dirSyncs = new Map<string, Promise<void>>();
  /** Descriptors of the folders fsynced after renames (at most the 256 fan-out folders), kept open until close(). */
  readonly #dirFds = new Map<string, number>();
  #packs: PackSource | undefined;

  constructor(root: string, opts: { durable: boolean }) {
    this.root = root;
    this.durable = opts.durable;
  }

  /** Serves blobs still held by packs through `packs` (see the file comment). */
  attachPacks(packs: PackSource): void {
    this.#packs = packs;
  }

  /** The CAS file of a blob (which may not exist yet: use `locate` to read a blob). */
  path(digest: string): string {
    const [algorithm = 'sha256', hex = ''] = digest.split(':');
    return join(this.root, 'blobs', algorithm, hex.slice(0, 2), hex);
  }

  stagingPath(uploadId: string): string {
    return join(this.root, 'uploads', uploadId);
  }

  /** Bytes of the stored blob: its CAS file, or its entry in a pack. */
  async size(digest: string): Promise<number | undefined> {
    return (await this.#casSize(digest)) ?? this.#packs?.packedSize(digest);
  }

  async #casSize(digest: string): Promise<number | undefined> {
    return (await this.#casStat(digest))?.size;
  }

  async #casStat(digest: string): Promise<Stats | undefined> {
    try {
      return await stat(this.path(digest));
    } catch {
      return undefined;
    }
  }

  /**
   * Where to read a blob from: its CAS file, extracted (and verified) from a pack first
   * if it is still packed. Undefined when the store has no such blob; throws
   * BlobCorruptError when its only copy failed its digest.
   */
  async locate(digest: string): Promise<BlobLocation | undefined> {
    await this.#packs?.ensureBlob(digest);
    const stats = await this.#casStat(digest);
    return stats === undefined ? undefined : { file: this.path(digest), offset: 0, stats };
  }

  /** Resolves when an upload's staged file is in place (it may still be in a pack). */
  async uploadReady(uploadId: string): Promise<void> {
    await this.#packs?.ensureUpload(uploadId);
  }

  /**
   * Moves a verified staged file into the store under `digest`, flushed (unless the
   * caller says it is) and with its folder fsynced after the rename. When the blob
   * is already stored, the staged copy is dropped: the bytes are the same.
   * (Only a CAS file counts: a blob still in a pack gets its verified file now.)
   */
  async adopt(stagedFile: string, digest: string, opts: { flushed?: boolean } = {}): Promise<void> {
    const target = this.path(digest);
    if ((await this.#casSize(digest)) !== undefined) {
      await unlink(stagedFile).catch(() => undefined);
      return;
    }
    // `flushed`: the caller fdatasync'ed the whole file since its last change
    if (this.durable && !opts.flushed) await syncFile(stagedFile);
    const dir = await this.#folder(target);
    await rename(stagedFile, target);
    if (this.durable) await this.#syncDir(dir);
  }

  /**
   * Links a verified staged file into the store under `digest` (a copy where the file system
   * has no hard links), flushed (unless the caller says it is) and with its folder fsynced;
   * the staged file stays where it is. Nothing happens when the blob is stored already.
   * Resolves true when the store's file is now the staged file itself (a hard link made here),
   * false when it is another file (stored before, or a copy).
   */
  async linkIn(stagedFile: string, digest: string, opts: { flushed?: boolean } = {}): Promise<boolean> {
    // A file that needs no flush is linked straight away (a blob stored already answers EEXIST);
    // otherwise a stored blob spares the flush.
    const flush = this.durable && !opts.flushed;
    if (flush && (await this.#casSize(digest)) !== undefined) return false;
    if (flush) await syncFile(stagedFile);
    const target = this.path(digest);
    const dir = await this.#folder(target);
    try {
      await link(stagedFile, target);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return false;
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV' && code !== 'EMLINK') throw err;
      const tmp = `${target}.tmp-${process.pid}`;
      await copyFile(stagedFile, tmp);
      if (this.durable) await syncFile(tmp);
      await rename(tmp, target);
      if (this.durable) await this.#syncDir(dir);
      return false;
    }
    if (this.durable) await this.#syncDir(dir);
    return true;
  }

  /**
   * Sets a blob's file aside (renamed `<file>.corrupt-<ms>`) when its bytes were found not to
   * match its digest: reads then refuse it, and a push of the blob stores it again. Returns the new name.
   */
  async quarantine(digest: string): Promise<string> {
    const target = this.path(digest);
    const aside = `${target}.corrupt-${Date.now()}`;
    await rename(target, aside).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    return aside;
  }

  /** fsyncs the folder of staged uploads (after a staged file was created in it). */
  async syncUploads(): Promise<void> {
    if (this.durable) await this.#syncDir(join(this.root, 'uploads'));
  }

  /** The blob's folder, made (and recorded in its parents) when new. */
  async #folder(target: string): Promise<string> {
    const dir = dirname(target);
    if (!this.#dirs.has(dir)) {
      // a folder made here is recorded in its parent: fsync each parent of a new folder
      const created = await mkdir(dir, { recursive: true });
      if (created !== undefined && this.durable) {
        for (let d = dir; d !== dirname(d); d = dirname(d)) {
          await syncDir(dirname(d));
          if (d === created) break;
        }
      }
      this.#dirs.add(dir);
    }
    return dir;
  }

  /**
   * fsyncs a folder after a rename into it. A sync already running may have
   * started before our rename, so we wait for it and then share the next one.
   */
  async #syncDir(dir: string): Promise<void> {
    const running = this.#dirSyncs.get(dir);
    if (running !== undefined) await running.catch(() => undefined);
    let next = this.#dirSyncs.get(dir);
    if (!next || next === running) {
      next = this.#fsyncDir(dir).finally(() => {
        if (this.#dirSyncs.get(dir) === next) this.#dirSyncs.delete(dir);
      });
      this.#dirSyncs.set(dir, next);
    }
    await next;
  }

  #fsyncDir(dir: string): Promise<void> {
    let fd = this.#dirFds.get(dir);
    if (fd === undefined) this.#dirFds.set(dir, (fd = openSync(dir, 'r')));
    const descriptor = fd;
    return new Promise((resolve, reject) => fsync(descriptor, (err) => (err ? reject(err) : resolve())));
  }

  /** Closes the folder descriptors, after the fsyncs in flight. The store stays usable (they reopen). */
  async close(): Promise<void> {
    while (this.#dirSyncs.size > 0) await Promise.allSettled([...this.#dirSyncs.values()]);
    for (const fd of this.#dirFds.values()) closeSync(fd);
    this.#dirFds.clear();
  }
}

/** Hex digest (`algorithm`: sha256, sha512) of the first `length` bytes of a file (all of it by default). */
export async function hashFile(path: string, length = Infinity, algorithm = 'sha256'): Promise<string> {
  const hash = createHash(algorithm);
  if (length > 0) {
    const range = Number.isFinite(length) ? { end: length - 1 } : {};
    for await (const chunk of createReadStream(path, { ...range, highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  }
  return hash.digest('hex');
}

/**
 * The content-addressed blob store that sits beside the journal.
 *
 *   <root>/blobs/sha256/<hh>/<hex>     one file per blob, named by its digest
 *                                       (<hh> = the first two hex characters)
 *   <root>/uploads/<upload-id>          bytes staged for an unfinished upload
 *
 * A blob file is complete and flushed before the event that makes it visible is
 * appended (verify, then move, then record); it is never changed afterwards.
 * Deleting a blob is an event: files are reclaimed only by compaction, so every
 * earlier point of the journal stays replayable.
 */
import { mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export class BlobStore {
  readonly root: string;
  /** fsync blob files and their folders before they are recorded (off for throwaway runs). */
  readonly durable: boolean;
  /** Fan-out folders known to exist (at most 256 per algorithm). */
  readonly #dirs = new Set<string>();
  /** Folder fsyncs in flight: concurrent adopts into one folder share the next one. */
  readonly #dirSyncs = new Map<string, Promise<void>>();

  constructor(root: string, opts: { durable: boolean }) {
    this.root = root;
    this.durable = opts.durable;
  }

  path(digest: string): string {
    const [algorithm = 'sha256', hex = ''] = digest.split(':');
    return join(this.root, 'blobs', algorithm, hex.slice(0, 2), hex);
  }

  stagingPath(uploadId: string): string {
    return join(this.root, 'uploads', uploadId);
  }

  async size(digest: string): Promise<number | undefined> {
    try {
      return (await stat(this.path(digest))).size;
    } catch {
      return undefined;
    }
  }

  /**
   * Moves a verified staged file into the store under `digest`. When the blob
   * is already stored, the staged copy is dropped: the bytes are the same.
   */
  async adopt(stagedFile: string, digest: string): Promise<void> {
    const target = this.path(digest);
    if ((await this.size(digest)) !== undefined) {
      await unlink(stagedFile).catch(() => undefined);
      return;
    }
    if (this.durable) {
      const fh = await open(stagedFile, 'r+');
      try {
        await fh.datasync();
      } finally {
        await fh.close();
      }
    }
    const dir = dirname(target);
    if (!this.#dirs.has(dir)) {
      await mkdir(dir, { recursive: true });
      this.#dirs.add(dir);
    }
    await rename(stagedFile, target);
    if (this.durable) await this.#syncDir(dir);
  }

  /**
   * fsyncs a folder after a rename into it. A sync already running may have
   * started before our rename, so we wait for it and then share the next one.
   */
  async #syncDir(dir: string): Promise<void> {
    const running = this.#dirSyncs.get(dir);
    if (running) await running.catch(() => undefined);
    let next = this.#dirSyncs.get(dir);
    if (!next || next === running) {
      next = syncDir(dir).finally(() => {
        if (this.#dirSyncs.get(dir) === next) this.#dirSyncs.delete(dir);
      });
      this.#dirSyncs.set(dir, next);
    }
    await next;
  }
}

export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

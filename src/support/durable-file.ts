/**
 * Making files durable, the one way every room does it:
 *
 *   write to `<path>.tmp-<pid>` -> fsync the file -> rename into place -> fsync the folder
 *
 * so a reader finds either no file or the whole file, and a file that was
 * acknowledged survives a crash. With `fsync: false` (throwaway runs) the same
 * steps run without the fsyncs.
 */
import { open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

/** fsyncs a folder, so that a rename into it or a file created in it survives a crash. */
export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** fsyncs a file's data (not its metadata: the size is part of the data here). */
export async function syncFile(path: string): Promise<void> {
  const fh = await open(path, 'r+');
  try {
    await fh.datasync();
  } finally {
    await fh.close();
  }
}

export interface DurableOptions {
  /** fsync the file and its folder (default true). */
  fsync?: boolean;
}

/**
 * Writes `chunks` to `path` whole: through a temporary name, fsynced, renamed into
 * place, the folder fsynced. On failure the temporary file is removed and `path`
 * is untouched.
 */
export async function writeFileDurably(
  path: string,
  chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  opts: DurableOptions = {},
): Promise<void> {
  const fsync = opts.fsync ?? true;
  const tmp = `${path}.tmp-${process.pid}`;
  const fh = await open(tmp, 'w');
  try {
    let pos = 0;
    for await (const chunk of chunks) {
      let off = 0;
      while (off < chunk.byteLength) {
        const { bytesWritten } = await fh.write(chunk, off, chunk.byteLength - off, pos);
        off += bytesWritten;
        pos += bytesWritten;
      }
    }
    if (fsync) await fh.sync();
  } catch (err) {
    await fh.close();
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await fh.close();
  await renameIntoPlace(tmp, path, { fsync, flushed: true });
}

/**
 * Moves a finished file into place: fsyncs it (unless `flushed`: the caller did since
 * its last change), renames it over `target` and fsyncs the target's folder.
 */
export async function renameIntoPlace(from: string, target: string, opts: DurableOptions & { flushed?: boolean } = {}): Promise<void> {
  const fsync = opts.fsync ?? true;
  if (fsync && !opts.flushed) await syncFile(from);
  await rename(from, target);
  if (fsync) await syncDir(dirname(target));
}

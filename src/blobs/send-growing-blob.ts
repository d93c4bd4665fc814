/**
 * Sends a blob that is still arriving (a pull through cache fetching it from an upstream) to an
 * HTTP response as its bytes are staged: it reads the staged file up to the length written so
 * far, waits for more, and ends at `end`. Each reader goes at its own pace (the file is the
 * buffer, so a slow client holds no memory), and any number of readers share one fetch.
 * The staged file may be moved into the store meanwhile: the open descriptor keeps reading it.
 */
import { open, type FileHandle } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';

/** What a reader follows: the bytes staged so far, and a wait for more (rejecting when the fetch failed). */
export interface GrowingFile {
  readonly path: string;
  staged(): number;
  /** Resolves when more bytes are staged or the blob is complete; rejects when it failed. */
  more(): Promise<void>;
}

const CHUNK = 1024 * 1024;

/** Opens the staged file, or undefined when it is gone already (moved into the store). */
async function openStaged(path: string): Promise<FileHandle | undefined> {
  try {
    return await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Writes bytes `start..end` (inclusive) of the growing blob to `res` and ends it. Resolves false
 * when the staged file was already moved (the caller sends the stored blob instead).
 */
export async function sendGrowingBlob(res: ServerResponse, blob: GrowingFile, start: number, end: number): Promise<boolean> {
  const fh = await openStaged(blob.path);
  if (!fh) return false;
  let closed = false;
  const gone = new Promise<void>((resolve) =>
    res.once('close', () => {
      closed = true;
      resolve();
    }),
  );
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    let pos = start;
    while (pos <= end && !closed) {
      const available = Math.min(blob.staged(), end + 1);
      if (pos >= available) {
        await blob.more();
        continue;
      }
      const { bytesRead } = await fh.read(buf, 0, Math.min(CHUNK, available - pos), pos);
      if (bytesRead === 0) throw new Error(`staged file ${blob.path} is shorter than the bytes staged`);
      pos += bytesRead;
      // a copy: the buffer is read into again while the socket may still hold this chunk
      const flushed = res.write(Buffer.from(buf.subarray(0, bytesRead)));
      if (!flushed && !closed) await Promise.race([new Promise((resolve) => res.once('drain', resolve)), gone]);
    }
    if (!closed) res.end();
  } catch (err) {
    res.destroy(err as Error);
  } finally {
    await fh.close();
  }
  return true;
}

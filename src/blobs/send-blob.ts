/**
 * Sends a blob file (or a byte range of it) to an HTTP response without a
 * stream pipeline: two pooled 256 KiB buffers alternate, one being read from the
 * file while the other is written to the socket. A buffer is reused only after
 * its write has been flushed (the write callback), so no chunk is changed while
 * the socket still holds it. Measured here, this costs ~20% less CPU per byte
 * than fs.createReadStream piped to the response; Node has no sendfile(2).
 *
 * Why 256 KiB: each chunk is copied twice, from the page cache into the buffer and from the
 * buffer into the socket; a chunk that fits in the cores' caches is still there for the second
 * copy. 16 MiB pulls, 4 at a time (8 alternating rounds, 3 x 16 blobs each): 4 MiB chunks
 * 1,995-2,119 MiB/s, 1 MiB 2,291, 512 KiB 2,343, 256 KiB 2,352-2,494, 128 KiB 2,207. Pulls from
 * disk (caches dropped) ran at 750-1,000 MiB/s whatever the chunk: the kernel reads ahead.
 */
import type { Hash } from 'node:crypto';
import { open } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import type { BlobLocation } from './blob-store.ts';

const CHUNK = 256 * 1024;
/** Buffers kept for reuse between responses (the rest are left to the GC). */
const POOL_LIMIT = 8;
const pool: Buffer[] = [];

const take = (): Buffer => pool.pop() ?? Buffer.allocUnsafeSlow(CHUNK);
const give = (b: Buffer): void => {
  if (pool.length < POOL_LIMIT) pool.push(b);
};

/** A digest to check while a whole blob is sent: the last chunk goes out only when it holds. */
export interface SendCheck {
  hash: Hash;
  /** the expected digest, hex */
  hex: string;
  onMismatch(): void;
  /** Called when the whole blob was hashed and matched (before its last chunk is written). */
  onMatch?(): void;
}

/**
 * Writes bytes `start..end` (inclusive) of the blob at `at` (BlobStore.locate) to `res` and ends it.
 * Headers must be set already. Resolves when done or when the client went away. With `check`, the
 * bytes are hashed as they go and a mismatch cuts the answer short before its last chunk.
 */
export async function sendBlob(res: ServerResponse, at: BlobLocation, start: number, end: number, check?: SendCheck): Promise<void> {
  const { file, offset } = at;
  const fh = await open(file, 'r');
  const buffers = [take(), take()] as const;
  let closed = false;
  // A write pending when the client goes away may never call back: wait on either.
  const gone = new Promise<void>((resolve) =>
    res.once('close', () => {
      closed = true;
      resolve();
    }),
  );
  let completed = false;
  try {
    let pos = start;
    let flushed: Promise<unknown> = Promise.resolve();
    for (let i = 0; pos <= end && !closed; i++) {
      const buf = buffers[i & 1]!;
      const { bytesRead } = await fh.read(buf, 0, Math.min(CHUNK, end - pos + 1), offset + pos);
      if (bytesRead === 0) throw new Error(`blob file ${file} is shorter than expected`);
      pos += bytesRead;
      await Promise.race([flushed, gone]);
      if (closed) break;
      const chunk = bytesRead === buf.length ? buf : buf.subarray(0, bytesRead);
      if (check) {
        check.hash.update(chunk);
        if (pos > end) {
          if (check.hash.digest('hex') !== check.hex) {
            check.onMismatch();
            throw new Error(`blob file ${file} does not match its digest: the answer is cut short`);
          }
          check.onMatch?.();
        }
      }
      flushed = new Promise<unknown>((resolve) => res.write(chunk, resolve));
    }
    await Promise.race([flushed, gone]);
    if (!closed) {
      res.end();
      completed = true;
    }
  } catch (err) {
    res.destroy(err as Error);
  } finally {
    await fh.close();
    // Buffers a vanished client's socket may still hold are left to the GC.
    if (completed) buffers.forEach(give);
  }
}

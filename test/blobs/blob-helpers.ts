// Helpers of the blob tests: a temporary store root, digests, files, bodies as a request or an
// upstream hands them over, and a store that records what its callers ask of `adopt`.
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { ExecutionContext } from 'ava';
import { BlobStore } from '../../src/blobs/blob-store.ts';
import { LENT, type LentChunks } from '../../src/support/lent-chunks.ts';

export async function tempRoot(t: ExecutionContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ecr-rewind-blobs-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export const sha256 = (bytes: Uint8Array | string): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
export const sha512 = (bytes: Uint8Array | string): string => `sha512:${createHash('sha512').update(bytes).digest('hex')}`;

/** Writes `bytes` to `path`, making its folder. */
export async function put(path: string, bytes: Uint8Array | string): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, bytes);
  return path;
}

export const exists = (path: string): Promise<boolean> =>
  stat(path).then(
    () => true,
    () => false,
  );

/** `n` bytes that differ from one offset to the next (so a shifted or cut range shows). */
export function patterned(n: number, seed = 0): Buffer {
  const out = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed + (i >> 8)) & 0xff;
  return out;
}

/** The descriptors this process holds open on `dir` (Linux: /proc/self/fd). */
export async function descriptorsOn(dir: string): Promise<number> {
  let n = 0;
  for (const fd of await readdir('/proc/self/fd')) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '');
    if (target === dir) n++;
  }
  return n;
}

/**
 * A BlobStore that notes the `flushed` promise each adopt or linkIn was given (true: the caller
 * says it fdatasync'ed the file).
 */
export class RecordingStore extends BlobStore {
  readonly flushed: (boolean | undefined)[] = [];

  override adopt(stagedFile: string, digest: string, opts: { flushed?: boolean } = {}): Promise<void> {
    this.flushed.push(opts.flushed);
    return super.adopt(stagedFile, digest, opts);
  }

  override linkIn(stagedFile: string, digest: string, opts: { flushed?: boolean } = {}): Promise<boolean> {
    this.flushed.push(opts.flushed);
    return super.linkIn(stagedFile, digest, opts);
  }
}

/** A request body as Node hands it over: a Readable stream of socket-sized chunks. */
export function streamOf(bytes: Uint8Array, chunk = 64 * 1024): PassThrough {
  const stream = new PassThrough({ highWaterMark: chunk });
  void (async () => {
    for (let at = 0; at < bytes.byteLength; at += chunk) {
      // honour backpressure, as a socket would
      if (!stream.write(bytes.subarray(at, Math.min(bytes.byteLength, at + chunk)))) await once(stream, 'drain');
    }
    stream.end();
  })();
  return stream;
}

/** `bytes` in chunks of `size` (odd sizes cross the 1 MiB batches), each read into one reused buffer, scribbled over once lent on (a body fetched from an upstream). */
export function lent(bytes: Uint8Array, size: number): LentChunks {
  const buf = Buffer.alloc(size);
  return {
    [LENT]: true,
    async *[Symbol.asyncIterator]() {
      for (let at = 0; at < bytes.length; at += size) {
        const n = Math.min(size, bytes.length - at);
        buf.set(bytes.subarray(at, at + n));
        yield buf.subarray(0, n);
        buf.fill(0xee);
        if (at % (7 * size) === 0) await new Promise((r) => setTimeout(r, 1));
      }
    },
  };
}

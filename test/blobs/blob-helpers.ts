// Helpers of the blob tests: a temporary store root, digests, files, and a store that
// records what its callers ask of `adopt`.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { BlobStore } from '../../src/blobs/blob-store.ts';

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

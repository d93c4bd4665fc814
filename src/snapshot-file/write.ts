/**
 * Writes a snapshot file (format: pack-format.ts) from a checkpoint and the
 * store folder that holds its blobs and staged uploads (a journal folder).
 * Blob files are immutable once stored, so packing the live registry is safe
 * while it keeps serving; the state is encoded before the first byte is sent.
 * A live pack reads through the live store (`store`), which extracts a blob still
 * in a snapshot pack before it is read; offline, the folder's packs are settled
 * first (settle-packs.ts).
 */
import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { crc32 } from 'node:zlib';
import { BlobMissingError, BlobStore, hashFile } from '../blobs/blob-store.ts';
import { cloneState } from '../domain/state.ts';
import { stateHash } from '../projections/canonical-state.ts';
import { encodeCheckpointBody, type Checkpoint } from '../projections/checkpoint.ts';
import { collectCarriedFiles } from './carried-files.ts';
import { writeFileDurably } from '../support/durable-file.ts';
import type { Progress } from '../support/progress.ts';
import { SnapshotFileError } from './errors.ts';
import { encodeSnapshotPrefix, SNAPSHOT_END, type SnapshotHeader } from './format.ts';
import { settlePacks } from './settle.ts';

const CHUNK = 4 * 1024 * 1024;

export interface PreparedSnapshotFile {
  header: SnapshotHeader;
  /** Total bytes the file will have. */
  size: number;
  /** Uploads left out because their staged bytes were gone. */
  dropped: string[];
  /**
   * The file's bytes in order. With `reuse`, chunks share one buffer: the consumer must be
   * done with a chunk before asking for the next (writeSnapshotFile is; a stream is not).
   */
  chunks(progress?: Progress, reuse?: boolean): AsyncGenerator<Buffer>;
}

/** The file's first `length` bytes in chunks; with `scratch`, every chunk is a view of it (valid until the next). */
async function* fileBytes(path: string, length: number, scratch?: Buffer): AsyncGenerator<Buffer> {
  const fh = await open(path, 'r');
  try {
    let pos = 0;
    while (pos < length) {
      const n = Math.min(CHUNK, length - pos);
      const buf = scratch ? scratch.subarray(0, n) : Buffer.allocUnsafe(n);
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) throw new BlobMissingError(path, `${path} ended after ${pos} of ${length} bytes`);
      pos += bytesRead;
      yield bytesRead === buf.length ? buf : buf.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
}

/** Checks that every byte the state needs is in `root`, and fixes the header. */
export async function prepareSnapshotFile(
  given: Checkpoint,
  root: string,
  opts: { live?: boolean; store?: BlobStore } = {},
): Promise<PreparedSnapshotFile> {
  // A live state keeps changing while this awaits: take a copy first.
  const cp = opts.live ? { state: cloneState(given.state), marks: new Map(given.marks) } : given;
  if (!opts.store && !opts.live) await settlePacks(root);
  const store = opts.store ?? new BlobStore(root, { durable: false });
  /** The blob's file, extracted from a snapshot pack first if it is still packed. */
  const blobFile = async (digest: string): Promise<string> => {
    // a packed blob whose bytes fail their digest throws BlobCorruptError here
    const at = await store.locate(digest);
    if (at && at.offset === 0) return at.file;
    throw new BlobMissingError(digest, `blob ${digest} is in the state but missing from ${root}/blobs`);
  };
  const blobs: [string, number][] = [...cp.state.blobs.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  await Promise.all(
    blobs.map(async ([digest, size]) => {
      const actual = await store.size(digest);
      if (actual === undefined) throw new BlobMissingError(digest, `blob ${digest} is in the state but missing from ${root}/blobs`);
      if (actual !== size) throw new BlobMissingError(digest, `blob ${digest} has ${actual} bytes in the store, the journal says ${size}`);
    }),
  );
  let state = cp.state;
  const uploads: [string, number, string][] = [];
  const dropped: string[] = [];
  for (const u of cp.state.uploads.values()) {
    await store.uploadReady(u.id).catch(() => undefined); // still in a snapshot pack: extracted first
    const path = store.stagingPath(u.id);
    const have = await stat(path).then(
      (s) => s.size,
      () => -1,
    );
    if (have < u.offset) {
      dropped.push(u.id);
      continue;
    }
    uploads.push([u.id, u.offset, await hashFile(path, u.offset)]);
  }
  if (dropped.length > 0) {
    state = opts.live ? cp.state : cloneState(cp.state);
    for (const id of dropped) state.uploads.delete(id);
  }
  const body = encodeCheckpointBody({ state, marks: cp.marks });
  const files = await collectCarriedFiles(root);
  const header: SnapshotHeader = {
    seq: state.seq,
    createdAt: new Date().toISOString(),
    stateHash: stateHash(state),
    checkpoint: { length: body.length, sha256: createHash('sha256').update(body).digest('hex'), crc32: crc32(body) },
    blobs,
    uploads,
    ...(files.length > 0 ? { files } : {}),
  };
  const prefix = encodeSnapshotPrefix(header);
  let size = prefix.length + body.length + SNAPSHOT_END.length;
  for (const [, n] of blobs) size += n;
  for (const [, n] of uploads) size += n;
  return {
    header,
    size,
    dropped,
    async *chunks(progress, reuse = false) {
      const scratch = reuse ? Buffer.allocUnsafe(CHUNK) : undefined;
      let done = 0;
      const step = (b: Buffer): Buffer => {
        done += b.length;
        progress?.update(done);
        return b;
      };
      yield step(prefix);
      yield step(body);
      for (const [digest, n] of blobs) for await (const c of fileBytes(await blobFile(digest), n, scratch)) yield step(c);
      for (const [id, n] of uploads) for await (const c of fileBytes(store.stagingPath(id), n, scratch)) yield step(c);
      yield step(Buffer.from(SNAPSHOT_END, 'latin1'));
      progress?.finish();
    },
  };
}

/**
 * Writes the snapshot file at `file` (via a temporary name, so a file at `file` is always
 * whole); `fsync` (default true) makes it durable before it is renamed into place.
 */
export async function writeSnapshotFile(
  file: string,
  pack: PreparedSnapshotFile,
  progress?: Progress,
  opts: { fsync?: boolean } = {},
): Promise<void> {
  await checkSnapshotTarget(file);
  await writeFileDurably(file, pack.chunks(progress, true), opts);
}

/** A target in a folder that does not exist, or a folder itself, gets a sentence instead of ENOENT/EISDIR. */
export async function checkSnapshotTarget(file: string): Promise<void> {
  const folder = dirname(resolve(file));
  const where = await stat(folder).catch(() => undefined);
  if (where === undefined || !where.isDirectory())
    throw new SnapshotFileError(
      `cannot write the snapshot file ${file}: the folder ${folder} does not exist (create it first)`,
      'not-found',
    );
  if ((await stat(file).catch(() => undefined))?.isDirectory())
    throw new SnapshotFileError(`cannot write the snapshot file ${file}: it is a folder; give a file name inside it`, 'not-found');
}

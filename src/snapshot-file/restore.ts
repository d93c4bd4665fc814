/**
 * Restores a snapshot file (format: pack-format.ts) into a new journal folder:
 * every blob and staged upload is hashed as it is copied and must match, the
 * checkpoint must match its sha256 and state hash, and the file must end where
 * the header says. A file that fails any check is refused as a whole and the
 * partly restored folder is removed.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readdir, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { crc32 } from 'node:zlib';
import { BlobStore } from '../blobs/blob-store.ts';
import { digestAlgorithm, isStoredDigest } from '../domain/names.ts';
import { stateHash } from '../projections/canonical-state.ts';
import { decodeCheckpointBody, startJournalAt, type Checkpoint } from '../projections/checkpoint.ts';
import { writeCarriedFiles } from './carried-files.ts';
import type { ProgressFactory } from '../support/progress.ts';
import { readSnapshotHeader, SNAPSHOT_END, type SnapshotHeader } from './format.ts';
import { SnapshotFileError } from './errors.ts';
import { checkNewFolder } from '../journal/index.ts';

const CHUNK = 4 * 1024 * 1024;

/** Reads a file front to back through one large buffer. */
class SequentialReader {
  #buf = Buffer.allocUnsafe(CHUNK);
  #start = 0;
  #len = 0;
  #pos = 0;
  constructor(
    readonly fh: FileHandle,
    readonly file: string,
    position: number,
  ) {
    this.#pos = position;
  }
  /** The next `n` bytes, in pieces of at most CHUNK (views valid until the next call). */
  async *take(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (this.#start === this.#len) {
        const { bytesRead } = await this.fh.read(this.#buf, 0, CHUNK, this.#pos);
        if (bytesRead === 0) throw new SnapshotFileError(`${this.file} is truncated`);
        this.#pos += bytesRead;
        this.#start = 0;
        this.#len = bytesRead;
      }
      const k = Math.min(left, this.#len - this.#start);
      yield this.#buf.subarray(this.#start, this.#start + k);
      this.#start += k;
      left -= k;
    }
  }
  async all(n: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const p of this.take(n)) parts.push(Buffer.from(p));
    return Buffer.concat(parts);
  }
}

export interface RestoreOptions {
  progress?: ProgressFactory;
  /** fsync every restored file (default true). */
  fsync?: boolean;
}

export interface Restored {
  checkpoint: Checkpoint;
  header: SnapshotHeader;
}

/**
 * Copies the next `length` bytes of the file to `target`, hashing them; they must hash to
 * `expected`. The folder is new (and removed on failure), so files go straight to their place.
 */
async function writeVerified(
  reader: SequentialReader,
  target: string,
  length: number,
  expected: string,
  what: string,
  opts: { fsync: boolean; dirs: Set<string>; inflight: Promise<void>[] },
  onBytes: (n: number) => void,
): Promise<void> {
  const dir = dirname(target);
  if (!opts.dirs.has(dir)) {
    await mkdir(dir, { recursive: true });
    opts.dirs.add(dir);
  }
  const algorithm = digestAlgorithm(expected);
  const hash = createHash(algorithm);
  const matches = (): boolean => `${algorithm}:${hash.digest('hex')}` === expected;
  if (length <= CHUNK) {
    // small blobs (most of them): one buffer, one write
    const bytes = await reader.all(length);
    hash.update(bytes);
    if (!matches()) throw new SnapshotFileError(`${reader.file}: ${what} does not match its digest`);
    // small files are written many at a time: per-file latency, not bandwidth, bounds them
    opts.inflight.push(writeFile(target, bytes, { flush: opts.fsync }));
    if (opts.inflight.length >= 64) await Promise.all(opts.inflight.splice(0));
    onBytes(length);
    return;
  }
  const fh = await open(target, 'w');
  try {
    let pos = 0;
    for await (const piece of reader.take(length)) {
      hash.update(piece);
      await fh.write(piece, 0, piece.length, pos);
      pos += piece.length;
      onBytes(piece.length);
    }
    if (opts.fsync) await fh.datasync();
  } finally {
    await fh.close();
  }
  if (!matches()) throw new SnapshotFileError(`${reader.file}: ${what} does not match its digest`);
}

export async function restoreSnapshotFile(file: string, dir: string, opts: RestoreOptions = {}): Promise<Restored> {
  const { header, offset, size } = await readSnapshotHeader(file);
  let expectedSize = offset + header.checkpoint.length + SNAPSHOT_END.length;
  for (const [, n] of header.blobs) expectedSize += n;
  for (const [, n] of header.uploads) expectedSize += n;
  if (expectedSize !== size)
    throw new SnapshotFileError(`${file} has ${size} bytes, its header describes ${expectedSize} (truncated or padded)`);

  const created = !(await checkNewFolder(dir));
  await mkdir(dir, { recursive: true });
  const fsync = opts.fsync ?? true;
  const fh = await open(file, 'r');
  const written = { fsync, dirs: new Set<string>(), inflight: [] as Promise<void>[] };
  const bar = opts.progress?.('restore', size, 'bytes');
  let done = offset;
  const onBytes = (n: number): void => {
    done += n;
    bar?.update(done);
  };
  try {
    const reader = new SequentialReader(fh, file, offset);
    const body = await reader.all(header.checkpoint.length);
    onBytes(body.length);
    if (createHash('sha256').update(body).digest('hex') !== header.checkpoint.sha256)
      throw new SnapshotFileError(`${file}: the state checkpoint does not match its sha256`);
    if (header.checkpoint.crc32 !== undefined && header.checkpoint.crc32 !== crc32(body))
      throw new SnapshotFileError(`${file}: the state checkpoint does not match its CRC-32`);
    const checkpoint = decodeCheckpointBody(body, file);
    if (stateHash(checkpoint.state) !== header.stateHash)
      throw new SnapshotFileError(`${file}: the restored state does not match the header's state hash`);
    const store = new BlobStore(dir, { durable: fsync });
    for (const [digest, n] of header.blobs) {
      if (!isStoredDigest(digest)) throw new SnapshotFileError(`${file}: bad blob digest '${digest}'`);
      await writeVerified(reader, store.path(digest), n, digest, `blob ${digest}`, written, onBytes);
    }
    for (const [id, n, sha] of header.uploads) {
      if (!/^[\w.-]+$/.test(id)) throw new SnapshotFileError(`${file}: bad upload id '${id}'`);
      await writeVerified(reader, store.stagingPath(id), n, `sha256:${sha}`, `staged upload ${id}`, written, onBytes);
    }
    await Promise.all(written.inflight.splice(0));
    const end = await reader.all(SNAPSHOT_END.length);
    if (end.toString('latin1') !== SNAPSHOT_END) throw new SnapshotFileError(`${file}: missing end marker`);
    await writeCarriedFiles(dir, header.files, fsync);
    await startJournalAt(dir, checkpoint);
    bar?.finish();
    return { checkpoint, header };
  } catch (err) {
    bar?.finish();
    await Promise.allSettled(written.inflight);
    if (created) await rm(dir, { recursive: true, force: true });
    else for (const name of await readdir(dir)) await rm(join(dir, name), { recursive: true, force: true });
    throw err;
  } finally {
    await fh.close();
  }
}

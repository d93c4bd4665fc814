/**
 * The first reads of a start from a snapshot file (adopt.ts): its header, its checkpoint's bytes
 * and the end marker, which nothing else of the start can go on without. The command line starts
 * them as soon as it knows the file (`serve --from-snapshot`), so they run on the thread pool
 * while the main thread loads the emulator's modules (~150 ms), instead of after it: the 4-6 ms
 * the main thread had waited for them, idle, at each start from a snapshot of 10,000 images. The
 * start then takes them (takePrefetched); a start that was not given them reads the file itself.
 */
import { close, closeSync, fstatSync, openSync, read } from 'node:fs';
import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { SnapshotFileError } from './errors.ts';
import {
  decodeSnapshotHeader,
  decodeSnapshotPrefix,
  readSnapshotHeader,
  SNAPSHOT_END,
  SNAPSHOT_PREFIX,
  type SnapshotHeader,
} from './format.ts';

export interface SnapshotStart {
  header: SnapshotHeader;
  /** where the checkpoint starts */
  offset: number;
  /** the file's size */
  size: number;
  /** the checkpoint's bytes (not yet checked against their sha256), still being read (its errors come after the header's) */
  body: Promise<Buffer>;
  /** the whole file's bytes, when it was prefetched (the pack's copy writes from them) */
  bytes?: Buffer;
}

/** The checkpoint's bytes, and a check of the end marker (a file cut short has none). */
async function readCheckpointBytes(file: string, header: SnapshotHeader, offset: number, size: number): Promise<Buffer> {
  const length = header.checkpoint.length;
  if (!Number.isSafeInteger(length) || length < 0 || offset + length + SNAPSHOT_END.length > size)
    throw new SnapshotFileError(`${file} is truncated`);
  const fh = await open(file, 'r');
  try {
    const body = Buffer.allocUnsafe(length);
    const { bytesRead } = await fh.read(body, 0, body.length, offset);
    if (bytesRead !== body.length) throw new SnapshotFileError(`${file} is truncated`);
    const end = Buffer.alloc(SNAPSHOT_END.length);
    await fh.read(end, 0, end.length, size - end.length);
    if (end.toString('latin1') !== SNAPSHOT_END) throw new SnapshotFileError(`${file}: missing end marker`);
    return body;
  } finally {
    await fh.close();
  }
}

/** Reads what a start from `file` reads first: the header, and then the checkpoint's bytes. */
export async function readSnapshotStart(file: string): Promise<SnapshotStart> {
  const { header, offset, size } = await readSnapshotHeader(file);
  const body = readCheckpointBytes(file, header, offset, size);
  body.catch(() => undefined); // answered when the start awaits it
  return { header, offset, size, body };
}

/** Files up to this size are prefetched, whole, in one read. */
const PREFETCH_LIMIT = 64 * 1024 * 1024;

const prefetched = new Map<string, Promise<SnapshotStart | undefined>>();

/**
 * What a start reads first, from the whole file's bytes (prefetchSnapshotStart); undefined when
 * they do not hold it whole (the start then reads the file itself, and says what is wrong with it).
 */
function startFrom(file: string, bytes: Buffer, size: number): SnapshotStart | undefined {
  if (bytes.length !== size || size < SNAPSHOT_PREFIX + SNAPSHOT_END.length) return undefined;
  const { length, crc } = decodeSnapshotPrefix(bytes.subarray(0, SNAPSHOT_PREFIX), file);
  const offset = SNAPSHOT_PREFIX + length;
  if (offset > size) return undefined;
  const header = decodeSnapshotHeader(bytes.subarray(SNAPSHOT_PREFIX, offset), crc, file);
  const n = header.checkpoint.length;
  if (!Number.isSafeInteger(n) || n < 0 || offset + n + SNAPSHOT_END.length > size) return undefined;
  if (bytes.toString('latin1', size - SNAPSHOT_END.length) !== SNAPSHOT_END) return undefined;
  // a view of the file's bytes, unless holding them all for the checkpoint's sake would keep much more (blobs) alive
  const view = bytes.subarray(offset, offset + n);
  const body = size - n <= n / 4 ? view : Buffer.from(view);
  return { header, offset, size, body: Promise.resolve(body), bytes };
}

/**
 * Starts reading what a start from `file` reads first. The whole file (up to PREFETCH_LIMIT) is
 * read by one job on the thread pool, opened here first: a chain of reads would need the main
 * thread between its steps, and it is busy loading modules. Any trouble (no such file, too
 * large, not a snapshot file) leaves the start to read the file itself and report it.
 */
export function prefetchSnapshotStart(file: string): void {
  let fd: number;
  let size: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return;
  }
  try {
    size = fstatSync(fd).size;
  } catch {
    closeSync(fd);
    return;
  }
  if (size > PREFETCH_LIMIT) {
    closeSync(fd);
    return;
  }
  const bytes = Buffer.allocUnsafe(size);
  const reading = new Promise<SnapshotStart | undefined>((done) =>
    read(fd, bytes, 0, size, 0, (err, n) => {
      close(fd, () => undefined);
      try {
        done(err ? undefined : startFrom(file, bytes.subarray(0, n), size));
      } catch {
        done(undefined); // not a snapshot file: the start reads it and says so
      }
    }),
  );
  prefetched.set(resolve(file), reading);
}

/** The reads prefetchSnapshotStart began for `file`, once (undefined when none were, or they hold nothing usable). */
export async function takePrefetched(file: string): Promise<SnapshotStart | undefined> {
  const key = resolve(file);
  const reading = prefetched.get(key);
  prefetched.delete(key);
  return reading;
}

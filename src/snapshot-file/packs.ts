/**
 * The packs of a journal folder: snapshot files (pack-format.ts) a start
 * `fromSnapshot` copied to <dir>/packs/<seq>.pack and whose blobs are still
 * being extracted into the blob store (blobs/pack-extraction.ts). Each one's
 * header (CRC-checked) gives where every blob and staged upload sits in it.
 */
import { closeSync, constants, copyFileSync, ftruncateSync, openSync, write } from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readFully, type PackIndex } from './extraction.ts';
import { isStoredDigest } from '../domain/names.ts';
import { readSnapshotHeader, SNAPSHOT_END, type SnapshotHeader } from './format.ts';
import { SnapshotFileError } from './errors.ts';

export const packsDir = (dir: string): string => join(dir, 'packs');
export const packFileName = (seq: number): string => `${String(seq).padStart(20, '0')}.pack`;

/**
 * Where each entry of a pack is, from its header (`offset`: where the checkpoint starts).
 * Refuses a header whose sizes do not add up to the file's size, or with bad names.
 */
export function indexPack(file: string, header: SnapshotHeader, offset: number, size: number): PackIndex {
  let pos = offset + header.checkpoint.length;
  // indexed, without destructuring: a start runs this once over every blob (10,000s), in cold code
  const list = header.blobs;
  const blobs: PackIndex['blobs'] = [];
  for (let i = 0; i < list.length; i++) {
    const entry: unknown[] = Array.isArray(list[i]) ? list[i]! : [];
    const digest = entry[0];
    const n = entry[1];
    if (typeof digest !== 'string' || !isStoredDigest(digest)) throw new SnapshotFileError(`${file}: bad blob digest '${String(digest)}'`);
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new SnapshotFileError(`${file}: bad size for blob ${digest}`);
    blobs.push({ digest, offset: pos, size: n });
    pos += n;
  }
  const uploads: PackIndex['uploads'] = [];
  for (const [id, n, sha256] of header.uploads) {
    if (!/^[\w.-]+$/.test(id) || id.startsWith('.')) throw new SnapshotFileError(`${file}: bad upload id '${id}'`);
    if (!Number.isSafeInteger(n) || n < 0 || !/^[0-9a-f]{64}$/.test(sha256))
      throw new SnapshotFileError(`${file}: bad staged upload ${id}`);
    uploads.push({ id, offset: pos, size: n, sha256 });
    pos += n;
  }
  if (pos + SNAPSHOT_END.length !== size)
    throw new SnapshotFileError(`${file} has ${size} bytes, its header describes ${pos + SNAPSHOT_END.length} (truncated or padded)`);
  return { file, blobs, uploads };
}

/** The packs in `<dir>/packs/`, oldest first (none when the folder has no packs). */
export async function loadPacks(dir: string): Promise<PackIndex[]> {
  const names = (await readdir(packsDir(dir)).catch(() => [] as string[])).filter((n) => /^\d{20}\.pack$/.test(n)).sort();
  const out: PackIndex[] = [];
  for (const name of names) {
    const file = join(packsDir(dir), name);
    const { header, offset, size } = await readSnapshotHeader(file);
    out.push(indexPack(file, header, offset, size));
  }
  return out;
}

/**
 * Copies snapshot file `file` to `target` as its pack: the whole file as a reflink where the file
 * system makes them (instant); otherwise every byte but the checkpoint's (`hole`: [from, to)),
 * each at its own offset, the checkpoint's left a hole that reads as zeros. Extraction never
 * reads a pack's checkpoint (the journal's checkpoint file holds it), so a start does not write
 * it twice: for 10,000 images, 1.3 MB copied instead of 7.9 MB, on the thread pool while the
 * checkpoint decodes.
 *
 * With the file's bytes at hand (`bytes`, a start's prefetch), both parts are written from them
 * by two writes sent to the thread pool at once. A copy is a chain of reads and writes, and each
 * step waits for the main thread, which is busy decoding the checkpoint meanwhile: at a start from
 * 10,000 images it then sat idle 4-10 ms afterwards, waiting for the rest of the chain.
 */
export async function copyPack(
  file: string,
  target: string,
  hole: { from: number; to: number },
  size: number,
  bytes?: Buffer,
): Promise<void> {
  try {
    // synchronous: a reflink is one ioctl, and where there are none it fails at once
    copyFileSync(file, target, constants.COPYFILE_FICLONE_FORCE);
    return;
  } catch {
    // no reflink here (or across file systems): copy what extraction reads
  }
  if (bytes?.length === size) return writePack(target, bytes, hole);
  const src = await open(file, 'r');
  try {
    const dst = await open(target, 'w');
    try {
      const buf = Buffer.allocUnsafe(Math.max(1, Math.min(PACK_COPY_CHUNK, Math.max(hole.from, size - hole.to))));
      for (const [from, to] of [
        [0, hole.from],
        [hole.to, size],
      ] as const)
        for (let pos = from; pos < to; ) {
          const n = Math.min(buf.length, to - pos);
          await readFully(src, buf.subarray(0, n), pos, file);
          for (let done = 0; done < n; ) done += (await dst.write(buf, done, n - done, pos + done)).bytesWritten;
          pos += n;
        }
      await dst.truncate(size);
    } finally {
      await dst.close();
    }
  } finally {
    await src.close();
  }
}

/** copyPack from the file's bytes: sized first, then both parts written at once, each at its offset. */
async function writePack(target: string, bytes: Buffer, hole: { from: number; to: number }): Promise<void> {
  const fd = openSync(target, 'w');
  try {
    ftruncateSync(fd, bytes.length);
    const writeRange = async (from: number, to: number): Promise<void> => {
      for (let pos = from; pos < to; )
        pos += await new Promise<number>((resolve, reject) =>
          write(fd, bytes, pos, to - pos, pos, (err, n) =>
            err ? reject(err) : n > 0 ? resolve(n) : reject(new Error(`${target}: no byte written`)),
          ),
        );
    };
    const writes = [writeRange(0, hole.from), writeRange(hole.to, bytes.length)];
    await Promise.all(writes.map((w) => w.catch(() => undefined)));
    await Promise.all(writes);
  } finally {
    closeSync(fd);
  }
}

/** Bytes a pack's copy moves at a time (copyPack). */
const PACK_COPY_CHUNK = 4 * 1024 * 1024;

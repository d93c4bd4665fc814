/**
 * The fast start from a snapshot file (startEmulator `fromSnapshot`): checks
 * what can be checked at once (header CRC, sizes, names, the checkpoint's CRC-32 or sha256,
 * the end marker), copies the file as it is to
 * <dir>/packs/<seq>.pack and starts the journal at its checkpoint, exactly as
 * restoreSnapshotFile does. The blobs are verified and extracted afterwards, in the
 * background and on first read (blobs/pack-extraction.ts), so that the start
 * does not wait for every blob file to be written. `ecr-rewind restore` keeps
 * the full up-front check (pack-reader.ts).
 */
import { subtle } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { mkdirSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { checkNewFolder, writeEmptySegment } from '../journal/index.ts';
import { writeCarriedFiles } from './carried-files.ts';
import { decodeCheckpointBody, saveCheckpointBody, type Checkpoint } from '../projections/checkpoint.ts';
import { renameIntoPlace } from '../support/durable-file.ts';
import { SnapshotFileError } from './errors.ts';
import type { PackIndex } from './extraction.ts';
import type { SnapshotHeader } from './format.ts';
import { copyPack, indexPack, packFileName, packsDir } from './packs.ts';
import { readSnapshotStart, takePrefetched } from './prefetch.ts';

export interface AdoptedSnapshotFile {
  checkpoint: Checkpoint;
  header: SnapshotHeader;
  /** the copy in <dir>/packs/ */
  index: PackIndex;
}

/** The checkpoint's CRC-32 as the header gives it, when it gives a valid one. */
function headerCrc(header: SnapshotHeader): number | undefined {
  const crc = header.checkpoint.crc32;
  return typeof crc === 'number' && Number.isInteger(crc) && crc >= 0 && crc <= 0xffff_ffff ? crc : undefined;
}

export async function adoptSnapshotFile(file: string, dir: string, opts: { fsync?: boolean } = {}): Promise<AdoptedSnapshotFile> {
  // read here, unless the command line began reading while the modules loaded (prefetch.ts)
  const { header, offset, size, body: reading, bytes } = (await takePrefetched(file)) ?? (await readSnapshotStart(file));
  const index = indexPack(file, header, offset, size); // sizes and names, before anything is written
  const body = await reading;

  const created = !(await checkNewFolder(dir));
  const fsync = opts.fsync ?? true;
  try {
    const packs = packsDir(dir);
    const target = join(packs, packFileName(header.seq));
    const tmp = `${target}.tmp`;
    mkdirSync(packs, { recursive: true });
    // The checkpoint's bytes are vouched for by the header's CRC-32 of them (current files; 1.3 ms
    // here for 10,000 images, where handing 6.6 MB to the thread pool's sha256 costs this thread
    // ~3 ms, a copy, and another core ~4 ms), else by their sha256, computed on the thread pool
    // while the checkpoint decodes here (older files). `restore` checks both. Meanwhile the copies
    // are written on the thread pool: the pack (copyPack: a reflink where the file system makes
    // them, otherwise all but the checkpoint's bytes, from the prefetched file when there is one),
    // and the checkpoint file from the very bytes the file holds (a snapshot file's checkpoint is
    // the body of a checkpoint file; encoding it again costs ~100 ms). Nothing decoded is used,
    // and nothing copied is kept, unless the bytes are vouched for.
    const crc = headerCrc(header);
    if (crc !== undefined && crc32(body) !== crc) throw new SnapshotFileError(`${file}: the state checkpoint does not match its CRC-32`);
    const hashed = crc === undefined ? subtle.digest('SHA-256', body) : undefined;
    const copied = copyPack(file, tmp, { from: offset, to: offset + header.checkpoint.length }, size, bytes);
    // The checkpoint file's CRC-32 is the header's when it has one (checked above): ~4 ms less on
    // this thread for 10,000 images than computing it again.
    const checkpointWritten = saveCheckpointBody(dir, header.seq, body, { fsync, crc });
    let checkpoint: Checkpoint;
    try {
      // The CRC-32 or sha256 (under the header's CRC) vouches for these exact bytes; recomputing the
      // state hash of the decoded state (~220 ms for 10,000 images) would only re-check the decoder.
      // `ecr-rewind restore` and `verify` still compare it.
      let decoded: Checkpoint | Error;
      try {
        decoded = decodeCheckpointBody(body, file);
      } catch (err) {
        decoded = err as Error;
      }
      if (hashed && Buffer.from(await hashed).toString('hex') !== header.checkpoint.sha256)
        throw new SnapshotFileError(`${file}: the state checkpoint does not match its sha256`);
      if (decoded instanceof Error) throw decoded;
      checkpoint = decoded;
      if (checkpoint.state.seq !== header.seq)
        throw new SnapshotFileError(`${file}: the checkpoint is at seq ${checkpoint.state.seq}, the header says ${header.seq}`);
    } finally {
      await Promise.allSettled([hashed, copied, checkpointWritten]);
    }
    await copied;
    await checkpointWritten;
    await renameIntoPlace(tmp, target, { fsync });
    await writeCarriedFiles(dir, header.files, fsync);
    if (checkpoint.state.seq > 0) await writeEmptySegment(dir, checkpoint.state.seq + 1, fsync);
    return { checkpoint, header, index: { ...index, file: target } };
  } catch (err) {
    if (created) await rm(dir, { recursive: true, force: true });
    else for (const name of await readdir(dir)) await rm(join(dir, name), { recursive: true, force: true });
    throw err;
  }
}

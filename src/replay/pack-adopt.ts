/**
 * The fast start from a snapshot file (startEmulator `fromSnapshot`): checks
 * what can be checked at once (header CRC, sizes, names, the checkpoint's sha256,
 * the end marker), copies the file as it is to
 * <dir>/packs/<seq>.pack and starts the journal at its checkpoint, exactly as
 * restorePack does. The blobs are verified and extracted afterwards, in the
 * background and on first read (blobs/pack-extraction.ts), so that the start
 * does not wait for every blob file to be written. `ecr-rewind restore` keeps
 * the full up-front check (pack-reader.ts).
 */
import { subtle } from 'node:crypto';
import { constants, mkdirSync } from 'node:fs';
import { copyFile, open, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { syncDir } from '../blobs/blob-store.ts';
import type { PackIndex } from '../blobs/pack-extraction.ts';
import { checkpointPath, decodeCheckpointBody } from './checkpoint-file.ts';
import { writeEmptySegment } from './journal-start.ts';
import { writePackFiles } from './pack-files.ts';
import { PACK_END, type PackHeader } from './pack-format.ts';
import { indexPack, packFileName, packsDir } from './pack-index.ts';
import { readPackHeader } from './pack-reader.ts';
import type { Checkpoint } from './replay.ts';
import { ToolError } from './tool-error.ts';

export interface AdoptedPack {
  checkpoint: Checkpoint;
  header: PackHeader;
  /** the copy in <dir>/packs/ */
  index: PackIndex;
}

export async function adoptPack(file: string, dir: string, opts: { fsync?: boolean } = {}): Promise<AdoptedPack> {
  const { header, offset, size } = await readPackHeader(file);
  const index = indexPack(file, header, offset, size); // sizes and names, before anything is written
  const fh = await open(file, 'r');
  let body: Buffer;
  try {
    body = Buffer.allocUnsafe(header.checkpoint.length);
    const { bytesRead } = await fh.read(body, 0, body.length, offset);
    if (bytesRead !== body.length) throw new ToolError('corrupt', `${file} is truncated`);
    const end = Buffer.alloc(PACK_END.length);
    await fh.read(end, 0, end.length, size - end.length);
    if (end.toString('latin1') !== PACK_END) throw new ToolError('corrupt', `${file}: missing end marker`);
  } finally {
    await fh.close();
  }

  const existing = await readdir(dir).catch(() => undefined);
  if (existing && existing.length > 0) throw new ToolError('usage', `${dir} is not empty: restore needs a new folder`);
  const created = existing === undefined;
  const fsync = opts.fsync ?? true;
  try {
    const packs = packsDir(dir);
    const target = join(packs, packFileName(header.seq));
    const tmp = `${target}.tmp`;
    mkdirSync(packs, { recursive: true });
    // The checkpoint's sha256 is computed, and the copies written, on the thread pool while
    // the checkpoint decodes here: a reflink of the pack where the file system has them
    // (instant), a copy otherwise, and the checkpoint file from the very bytes the pack holds
    // (a pack's checkpoint is the body of a journal snapshot file; encoding it again costs ~100 ms).
    // Nothing decoded is used, and nothing copied is kept, unless the sha256 matches.
    const hashed = subtle.digest('SHA-256', body);
    const copied = copyFile(file, tmp, constants.COPYFILE_FICLONE);
    const checkpointWritten = writeCheckpointFile(dir, header.seq, body, fsync);
    let checkpoint: Checkpoint;
    try {
      // The sha256 (itself under the header's CRC) vouches for these exact bytes; recomputing the
      // state hash of the decoded state (~220 ms for 10,000 images) would only re-check the decoder.
      // `ecr-rewind restore` and `verify` still compare it.
      let decoded: Checkpoint | Error;
      try {
        decoded = decodeCheckpointBody(body, file);
      } catch (err) {
        decoded = err as Error;
      }
      if (Buffer.from(await hashed).toString('hex') !== header.checkpoint.sha256)
        throw new ToolError('corrupt', `${file}: the state checkpoint does not match its sha256`);
      if (decoded instanceof Error) throw decoded;
      checkpoint = decoded;
      if (checkpoint.state.seq !== header.seq)
        throw new ToolError('corrupt', `${file}: the checkpoint is at seq ${checkpoint.state.seq}, the header says ${header.seq}`);
    } finally {
      await Promise.allSettled([hashed, copied, checkpointWritten]);
    }
    await copied;
    await checkpointWritten;
    if (fsync) {
      const out = await open(tmp, 'r+');
      await out.sync().finally(() => out.close());
    }
    await rename(tmp, target);
    if (fsync) await syncDir(packs);
    await writePackFiles(dir, header.files, fsync);
    if (checkpoint.state.seq > 0) await writeEmptySegment(dir, checkpoint.state.seq + 1, fsync);
    return { checkpoint, header, index: { ...index, file: target } };
  } catch (err) {
    if (created) await rm(dir, { recursive: true, force: true });
    else for (const name of await readdir(dir)) await rm(join(dir, name), { recursive: true, force: true });
    throw err;
  }
}

/** A journal snapshot file (journal/README.md: "ECRRWSNP", u32 version 1, u32 crc32, body) from its body. */
async function writeCheckpointFile(dir: string, seq: number, body: Buffer, fsync: boolean): Promise<void> {
  const path = checkpointPath(dir, seq);
  const head = Buffer.alloc(16);
  head.write('ECRRWSNP', 0, 'latin1');
  head.writeUInt32LE(1, 8);
  head.writeUInt32LE(crc32(body), 12);
  mkdirSync(join(path, '..'), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  const fh = await open(tmp, 'w');
  try {
    await fh.write(head);
    await fh.writeFile(body);
    if (fsync) await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  if (fsync) await syncDir(join(path, '..'));
}

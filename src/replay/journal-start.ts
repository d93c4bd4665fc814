/**
 * Creating a journal folder whose history starts at a checkpoint instead of
 * seq 1 (restore, fork of a restored journal, compaction to a checkpoint):
 *
 *   <dir>/snapshots/<N>.snap             the checkpoint at seq N
 *   <dir>/segments/<N+1>.seg             an empty segment (header only)
 *
 * The journal then opens with lastSeq = N and appends N+1, N+2, ...; the tools
 * (journal-history.ts) read the checkpoint as the origin of the history.
 */
import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeHeader, segmentFileName, segmentsDir } from '../journal/segment-format.ts';
import { writeCheckpoint } from './checkpoint-file.ts';
import type { Checkpoint } from './replay.ts';

export async function startJournalAt(dir: string, cp: Checkpoint): Promise<void> {
  const segDir = segmentsDir(dir);
  await mkdir(segDir, { recursive: true });
  await writeCheckpoint(dir, cp);
  if (cp.state.seq > 0) await writeEmptySegment(dir, cp.state.seq + 1);
}

/** A segment file holding only its header: the journal continues at `firstSeq` (fsynced with its folder unless `fsync` is false). */
export async function writeEmptySegment(dir: string, firstSeq: number, fsync = true): Promise<void> {
  const segDir = segmentsDir(dir);
  await mkdir(segDir, { recursive: true });
  const fh = await open(join(segDir, segmentFileName(firstSeq)), 'wx');
  try {
    await fh.write(encodeHeader(firstSeq));
    if (fsync) await fh.sync();
  } finally {
    await fh.close();
  }
  if (!fsync) return;
  const dh = await open(segDir, 'r');
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
}

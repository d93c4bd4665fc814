/**
 * A journal folder whose history starts after seq 1 (restored from a snapshot
 * file, forked from such a journal, compacted to a checkpoint):
 *
 *   <dir>/snapshots/<N>.snap             the checkpoint at seq N (written by the caller)
 *   <dir>/segments/<N+1>.seg             an empty segment (header only)
 *
 * The journal then opens with lastSeq = N and appends N+1, N+2, ...; readers
 * take the checkpoint as the origin of the history.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileDurably } from '../support/durable-file.ts';
import { encodeHeader, segmentFileName, segmentsDir } from './segment-format.ts';

/** A segment file holding only its header: the journal continues at `firstSeq` (durably unless `fsync` is false). */
export async function writeEmptySegment(dir: string, firstSeq: number, fsync = true): Promise<void> {
  const segDir = segmentsDir(dir);
  await mkdir(segDir, { recursive: true });
  const path = join(segDir, segmentFileName(firstSeq));
  if (existsSync(path)) throw new Error(`${path} exists already: a journal cannot start twice`);
  await writeFileDurably(path, [encodeHeader(firstSeq)], { fsync });
}

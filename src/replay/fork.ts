/**
 * `ecr-rewind fork JOURNAL --at POS NEW`: a new, writable journal whose history
 * is the prefix of JOURNAL up to POS. The segment bytes of the prefix are
 * copied exactly (a fork replays to the same states with the same sequence
 * numbers); blobs are hard-linked or copied; the staged bytes of uploads still
 * open at POS are copied from the staging file, or from the blob the upload
 * became later. The source journal is only read.
 */
import { copyFile, mkdir, open, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BlobStore } from '../blobs/blob-store.ts';
import { listSegments, segmentsDir } from '../journal/segment-format.ts';
import { FRAME_HEADER_SIZE, HEADER_SIZE } from '../journal/segment-format.ts';
import { copyPrefix, shareBlobs } from './blob-links.ts';
import { writeCheckpoint } from './checkpoint-file.ts';
import { writeEmptySegment } from './journal-start.ts';
import type { JournalHistory } from './journal-history.ts';
import { replayTo } from './time-travel.ts';
import { ToolError } from './tool-error.ts';

export interface ForkReport {
  at: number;
  events: number;
  blobs: { linked: number; copied: number; missing: string[] };
  /** Uploads open at the fork point whose bytes could not be found (they stay open but empty-handed). */
  uploadsWithoutBytes: string[];
}

export async function assertNewFolder(dir: string): Promise<void> {
  const existing = await readdir(dir).catch(() => undefined);
  if (existing && existing.length > 0) throw new ToolError('usage', `${dir} is not empty: the target must be a new folder`);
}

/** Byte offset just past frame `seq` in a segment starting at `firstSeq` (or the segment's end). */
function endOfFrame(bytes: Buffer, firstSeq: number, seq: number): number {
  let off = HEADER_SIZE;
  for (let s = firstSeq; s <= seq && off + FRAME_HEADER_SIZE <= bytes.length; s++) off += FRAME_HEADER_SIZE + bytes.readUInt32LE(off);
  return Math.min(off, bytes.length);
}

export async function forkJournal(history: JournalHistory, at: number, target: string): Promise<ForkReport> {
  await assertNewFolder(target);
  await mkdir(segmentsDir(target), { recursive: true });
  if (history.origin) await writeCheckpoint(target, history.origin);
  const digests = new Set<string>(history.origin?.state.blobs.keys() ?? []);
  for (const seg of listSegments(history.dir)) {
    if (seg.firstSeq > at) break;
    const dst = join(segmentsDir(target), seg.path.slice(seg.path.lastIndexOf('/') + 1));
    const bytes = await readFile(seg.path);
    const end = endOfFrame(bytes, seg.firstSeq, at);
    if (end === bytes.length) await copyFile(seg.path, dst);
    else {
      const fh = await open(dst, 'w');
      try {
        await fh.write(bytes, 0, end);
        await fh.sync();
      } finally {
        await fh.close();
      }
    }
  }
  if (at > 0 && listSegments(target).length === 0) await writeEmptySegment(target, at + 1);
  let events = 0;
  for (const e of history.read(history.firstSeq, at)) {
    events++;
    if (e.type === 'UploadCompleted' || e.type === 'BlobMounted') digests.add(e.data.digest);
  }
  const blobs = await shareBlobs(history.dir, target, digests);

  // Uploads open at the fork point need their staged bytes.
  const state = (await replayTo(history, at)).state;
  const fromStore = new BlobStore(history.dir, { durable: false });
  const toStore = new BlobStore(target, { durable: false });
  const uploadsWithoutBytes: string[] = [];
  const pending = new Map([...state.uploads.values()].map((u) => [u.id, u.offset]));
  const later = new Map<string, string>();
  if (pending.size > 0)
    for (const e of history.read(at + 1))
      if (e.type === 'UploadCompleted' && pending.has(e.data.uploadId)) later.set(e.data.uploadId, e.data.digest);
  for (const [id, offset] of pending) {
    const dst = toStore.stagingPath(id);
    const ok =
      (await copyPrefix(fromStore.stagingPath(id), dst, offset)) ||
      (later.has(id) && (await copyPrefix(fromStore.path(later.get(id)!), dst, offset)));
    if (!ok) uploadsWithoutBytes.push(id);
  }
  return { at, events, blobs, uploadsWithoutBytes };
}

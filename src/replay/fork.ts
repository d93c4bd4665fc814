/**
 * `ecr-rewind fork JOURNAL --at POS NEW`: a new, writable journal whose history
 * is the prefix of JOURNAL up to POS: the same events (type, version, time, data)
 * under the same sequence numbers, written by the journal's own writer, so the
 * fork replays to the same states; blobs are hard-linked or copied; the staged bytes of uploads still
 * open at POS are copied from the staging file, or from the blob the upload
 * became later. The source journal is only read.
 */
import { BlobStore } from '../blobs/blob-store.ts';
import { settlePacks } from '../snapshot-file/settle.ts';
import { HISTORY_FRAMES, Journal, type NewRecord } from '../journal/index.ts';
import { copyPrefix, shareBlobs } from './blob-links.ts';
import { startJournalAt } from '../projections/checkpoint.ts';
import { assertNewFolder } from './new-folder.ts';
import type { JournalHistory } from './journal-history.ts';
import { replayTo } from './time-travel.ts';

export interface ForkReport {
  at: number;
  events: number;
  blobs: { linked: number; copied: number; missing: string[] };
  /** Uploads open at the fork point whose bytes could not be found (they stay open but empty-handed). */
  uploadsWithoutBytes: string[];
}

export async function forkJournal(history: JournalHistory, at: number, target: string): Promise<ForkReport> {
  await assertNewFolder(target);
  await settlePacks(history.dir); // blobs still in a snapshot pack: extracted first
  if (history.origin) await startJournalAt(target, history.origin);
  const digests = new Set<string>(history.origin?.state.blobs.keys() ?? []);
  const journal = await Journal.open(target, { fsync: 'never' });
  try {
    const appended: Promise<unknown>[] = [];
    let batch: NewRecord[] = [];
    for (const e of history.read(history.firstSeq, at)) {
      batch.push({ type: e.type, v: e.v, time: e.time, data: e.data });
      if (batch.length === 1000) {
        appended.push(journal.append(batch, HISTORY_FRAMES));
        batch = [];
      }
    }
    appended.push(journal.append(batch, HISTORY_FRAMES));
    await Promise.all(appended);
    await journal.flush();
  } finally {
    await journal.close();
  }
  let events = 0;
  for (const e of history.read(history.firstSeq, at)) {
    events++;
    if (e.type === 'UploadCompleted' || e.type === 'BlobMounted') digests.add(e.data.digest);
  }
  const blobs = await shareBlobs(history.dir, target, digests);

  // Uploads open at the fork point need their staged bytes.
  const state = replayTo(history, at).state;
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

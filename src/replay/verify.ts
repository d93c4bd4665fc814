/**
 * `ecr-rewind verify JOURNAL`: checks everything a journal folder promises.
 *
 * - frames: every segment header, frame length and CRC-32, every payload decodes;
 * - sequence: frames carry gap-free sequence numbers and segments continue each other;
 * - blobs: every blob an event committed or mounted (and every blob of the
 *   history's origin checkpoint) is in the store, with the right size and sha256;
 * - uploads: the staged bytes of uploads still open at the end are there;
 * - projections: every checkpoint in snapshots/ equals a fresh replay to its seq.
 *
 * It reports every fault it finds rather than stopping at the first one; the
 * replay check covers the history up to the first damaged frame.
 */
import { stat } from 'node:fs/promises';
import { BlobStore, hashFile } from '../blobs/blob-store.ts';
import { settlePacks } from '../snapshot-file/settle.ts';
import type { RecordedEvent } from '../domain/events.ts';
import type { RegistryState } from '../domain/state.ts';
import { digestAlgorithm } from '../domain/names.ts';
import { UPCASTERS } from '../domain/upcasters.ts';
import { listCheckpoints, listSegments, walkFrames } from '../journal/index.ts';
import { stateHash } from '../projections/canonical-state.ts';
import { loadCheckpoint } from '../projections/checkpoint.ts';
import type { JournalHistory } from './journal-history.ts';
import type { ProgressFactory } from '../support/progress.ts';
import { replay } from './replay.ts';

export type FaultKind = 'frame' | 'sequence' | 'blob-missing' | 'blob-size' | 'blob-digest' | 'upload' | 'checkpoint';

export interface Fault {
  kind: FaultKind;
  /** A file path, segment offset or digest. */
  where: string;
  message: string;
}

export interface VerifyReport {
  ok: boolean;
  events: number;
  firstSeq: number;
  lastSeq: number;
  blobs: number;
  checkpoints: number;
  faults: Fault[];
}

/** The digest of a file in the algorithm of `like` (sha256 or sha512). */
async function digestFile(path: string, like: string): Promise<string> {
  const algorithm = digestAlgorithm(like);
  return `${algorithm}:${await hashFile(path, Infinity, algorithm)}`;
}

export async function verifyJournal(history: JournalHistory, opts: { progress?: ProgressFactory } = {}): Promise<VerifyReport> {
  const faults: Fault[] = [];
  const digests = new Map<string, number>(history.origin?.state.blobs ?? []);
  let events = 0;
  let expected = history.firstSeq;
  let lastGood = history.firstSeq - 1;
  let broken = false;

  // Frames and sequence numbers, segment by segment; a bad frame is reported and skipped.
  const segments = listSegments(history.dir);
  const bar = opts.progress?.('verify frames', Math.max(0, history.lastSeq - history.firstSeq + 1));
  for (const seg of segments) {
    if (seg.firstSeq !== expected) {
      faults.push({ kind: 'sequence', where: seg.path, message: `segment starts at seq ${seg.firstSeq}, expected ${expected}` });
      lastGood = Math.min(lastGood, expected - 1);
      expected = seg.firstSeq;
    }
    const walk = walkFrames(seg, UPCASTERS);
    for (let step = walk.next(); !step.done; step = walk.next()) {
      const s = step.value;
      if (s.kind === 'fault') {
        faults.push({ kind: s.fault, where: `${seg.path}@${s.offset}`, message: `${s.reason} at byte ${s.offset} of ${seg.path}` });
        broken = true;
        continue;
      }
      const e = s.event as RecordedEvent;
      events++;
      expected = e.seq + 1;
      if (!broken) lastGood = e.seq;
      if (e.type === 'UploadCompleted' || e.type === 'BlobMounted') digests.set(e.data.digest, e.data.size);
      if (events % 65536 === 0) bar?.update(events);
    }
  }
  bar?.finish();

  // Blobs: present, right size, right digest (blobs still in a snapshot pack are extracted first).
  await settlePacks(history.dir);
  const store = new BlobStore(history.dir, { durable: false });
  const blobBar = opts.progress?.('verify blobs', digests.size);
  let checked = 0;
  for (const [digest, size] of digests) {
    const path = store.path(digest);
    const actual = await store.size(digest);
    if (actual === undefined)
      faults.push({ kind: 'blob-missing', where: path, message: `blob ${digest} is referenced by the journal but its file is missing` });
    else if (actual !== size)
      faults.push({ kind: 'blob-size', where: path, message: `blob ${digest} has ${actual} bytes, the journal says ${size}` });
    else {
      const got = await digestFile(path, digest);
      if (got !== digest) faults.push({ kind: 'blob-digest', where: path, message: `blob file for ${digest} hashes to ${got}` });
    }
    blobBar?.update(++checked);
  }
  blobBar?.finish();

  // Projections: each checkpoint equals a fresh replay to its seq.
  const seqs = listCheckpoints(history.dir).filter((s) => s >= history.firstSeq - 1);
  const wanted = new Map<number, string>();
  for (const s of seqs) {
    try {
      wanted.set(s, stateHash(loadCheckpoint(history.dir, s).state));
    } catch (err) {
      faults.push({ kind: 'checkpoint', where: `seq ${s}`, message: (err as Error).message });
    }
  }
  const compare = (seq: number, hash: string): void => {
    const want = wanted.get(seq);
    if (want !== undefined && want !== hash)
      faults.push({ kind: 'checkpoint', where: `seq ${seq}`, message: `the checkpoint at seq ${seq} differs from a fresh replay` });
    wanted.delete(seq);
  };
  let final: RegistryState | undefined;
  try {
    const origin = history.origin;
    final = replay(history.source, lastGood, {
      ...(origin ? { origin } : {}),
      each: (state, e) => {
        if (wanted.has(e.seq)) compare(e.seq, stateHash(state));
      },
    }).state;
    if (origin) wanted.delete(origin.state.seq);
    for (const s of wanted.keys())
      if (s > lastGood)
        faults.push({
          kind: 'checkpoint',
          where: `seq ${s}`,
          message: `checkpoint at seq ${s} is beyond the readable history (seq ${lastGood})`,
        });
  } catch (err) {
    faults.push({ kind: 'frame', where: history.dir, message: `replay failed: ${(err as Error).message}` });
  }

  // Staged bytes of uploads still open at the end.
  if (final)
    for (const u of final.uploads.values()) {
      const have = await stat(store.stagingPath(u.id)).then(
        (s) => s.size,
        () => -1,
      );
      if (have < u.offset)
        faults.push({
          kind: 'upload',
          where: store.stagingPath(u.id),
          message: `upload ${u.id} holds ${u.offset} bytes in the journal, ${Math.max(0, have)} staged`,
        });
    }

  return {
    ok: faults.length === 0,
    events,
    firstSeq: history.firstSeq,
    lastSeq: expected - 1,
    blobs: digests.size,
    checkpoints: seqs.length,
    faults,
  };
}

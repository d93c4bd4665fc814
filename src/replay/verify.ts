/**
 * `ecr-rewind verify JOURNAL`: checks everything a journal folder promises.
 *
 * - frames: every segment header, frame length and CRC-32, every payload decodes, every event
 *   is of a type this build knows;
 * - events: every ManifestPut's digest is the digest of its bytes;
 * - sequence: frames carry gap-free sequence numbers and segments continue each other;
 * - blobs: every blob an event committed or mounted (and every blob of the
 *   history's origin checkpoint) is in the store, with the right size and sha256;
 * - uploads: the staged bytes of uploads still open at the end are there (an upload with no
 *   bytes yet needs no file);
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
import { EVENT_TYPES } from '../domain/versions.ts';
import { createHash } from 'node:crypto';
import { listCheckpoints, listSegments, walkFrames } from '../journal/index.ts';
import { stateHash } from '../projections/canonical-state.ts';
import { loadCheckpoint } from '../projections/checkpoint.ts';
import type { JournalHistory } from './journal-history.ts';
import type { ProgressFactory } from '../support/progress.ts';
import { replay } from './replay.ts';

export type FaultKind = 'frame' | 'sequence' | 'event' | 'blob-missing' | 'blob-size' | 'blob-digest' | 'upload' | 'checkpoint';

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

interface FrameScan {
  events: number;
  /** The next seq after the last frame read. */
  expected: number;
  /** The last seq before the first damage: replay checks stop there. */
  lastGood: number;
  /** Blobs the history committed or mounted: digest -> size. */
  digests: Map<string, number>;
}

/** Frames and sequence numbers, segment by segment; a bad frame is reported and skipped. */
function scanFrames(history: JournalHistory, faults: Fault[], progress?: ProgressFactory): FrameScan {
  const scan: FrameScan = {
    events: 0,
    expected: history.firstSeq,
    lastGood: history.firstSeq - 1,
    digests: new Map(history.origin?.state.blobs ?? []),
  };
  let broken = false;
  const bar = progress?.('verify frames', Math.max(0, history.lastSeq - history.firstSeq + 1));
  for (const seg of listSegments(history.dir)) {
    if (seg.firstSeq !== scan.expected) {
      faults.push({ kind: 'sequence', where: seg.path, message: `segment starts at seq ${seg.firstSeq}, expected ${scan.expected}` });
      scan.lastGood = Math.min(scan.lastGood, scan.expected - 1);
      scan.expected = seg.firstSeq;
    }
    for (const s of walkFrames(seg, UPCASTERS)) {
      if (s.kind === 'fault') {
        faults.push({ kind: s.fault, where: `${seg.path}@${s.offset}`, message: `${s.reason} at byte ${s.offset} of ${seg.path}` });
        broken = true;
        continue;
      }
      const e = s.event as RecordedEvent;
      scan.events++;
      scan.expected = e.seq + 1;
      const problem = eventProblem(e);
      if (problem !== undefined) {
        faults.push({ kind: 'event', where: `${seg.path}@${s.offset}`, message: `${problem} (frame at byte ${s.offset} of ${seg.path})` });
        broken = true;
      }
      if (!broken) scan.lastGood = e.seq;
      if (e.type === 'UploadCompleted' || e.type === 'BlobMounted') scan.digests.set(e.data.digest, e.data.size);
      if (scan.events % 65536 === 0) bar?.update(scan.events);
    }
  }
  bar?.finish();
  return scan;
}

/** What is wrong with an event whose frame is sound, if anything: an unknown type, a manifest not matching its digest. */
function eventProblem(e: RecordedEvent): string | undefined {
  if (!EVENT_TYPES.has(e.type)) return `event ${e.seq} has a type this build does not know: '${String(e.type).slice(0, 100)}'`;
  if (e.type === 'ManifestPut') {
    const { digest, bytes } = e.data;
    const algorithm = typeof digest === 'string' ? digest.split(':')[0] : undefined;
    if (!(bytes instanceof Uint8Array) || (algorithm !== 'sha256' && algorithm !== 'sha512'))
      return `event ${e.seq} (ManifestPut) has no manifest bytes or digest`;
    const actual = `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
    if (actual !== digest) return `event ${e.seq} (ManifestPut) names digest ${digest}, its manifest bytes hash to ${actual}`;
  }
  return undefined;
}

/** Blobs: present, right size, right digest. */
async function checkBlobs(store: BlobStore, digests: Map<string, number>, faults: Fault[], progress?: ProgressFactory): Promise<void> {
  const bar = progress?.('verify blobs', digests.size, 'blobs');
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
    bar?.update(++checked);
  }
  bar?.finish();
}

/** Projections: each checkpoint equals a fresh replay to its seq. Returns the final state replayed (up to the damage). */
function checkCheckpoints(history: JournalHistory, seqs: number[], lastGood: number, faults: Fault[]): RegistryState | undefined {
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
  try {
    const origin = history.origin;
    const final = replay(history.source, lastGood, {
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
    return final;
  } catch (err) {
    faults.push({ kind: 'frame', where: history.dir, message: `replay failed: ${(err as Error).message}` });
    return undefined;
  }
}

/** Staged bytes of uploads still open at the end. */
async function checkUploads(store: BlobStore, final: RegistryState, faults: Fault[]): Promise<void> {
  for (const u of final.uploads.values()) {
    const have = await stat(store.stagingPath(u.id)).then(
      (s) => s.size,
      () => -1,
    );
    if (u.offset > 0 && have < u.offset)
      faults.push({
        kind: 'upload',
        where: store.stagingPath(u.id),
        message: `upload ${u.id} holds ${u.offset} bytes in the journal, ${Math.max(0, have)} staged`,
      });
  }
}

export async function verifyJournal(history: JournalHistory, opts: { progress?: ProgressFactory } = {}): Promise<VerifyReport> {
  const faults: Fault[] = [];
  const scan = scanFrames(history, faults, opts.progress);
  // blobs still in a snapshot pack are extracted (and so verified) first
  await settlePacks(history.dir);
  const store = new BlobStore(history.dir, { durable: false });
  await checkBlobs(store, scan.digests, faults, opts.progress);
  const seqs = listCheckpoints(history.dir).filter((s) => s >= history.firstSeq - 1);
  const final = checkCheckpoints(history, seqs, scan.lastGood, faults);
  if (final) await checkUploads(store, final, faults);
  return {
    ok: faults.length === 0,
    events: scan.events,
    firstSeq: history.firstSeq,
    lastSeq: scan.expected - 1,
    blobs: scan.digests.size,
    checkpoints: seqs.length,
    faults,
  };
}

/**
 * `ecr-rewind repair JOURNAL`: the explicit cut of a damaged journal that the writer refuses
 * to open (see recovery.ts). It finds the first point where the journal stops being sound (a
 * sequence gap between segments, a bad header, a bad frame), reports how many events lie at
 * and after it, and then, unless asked only to report:
 *
 * - truncates that segment at the bad frame, keeping the cut bytes in `<segment>.cut-<offset>`
 *   (a bad header or a gap: the whole segment is renamed `<segment>.cut`), and renames every
 *   later segment to `<name>.cut`: names readers ignore, so nothing is deleted;
 * - renames checkpoints beyond the new end to `<name>.beyond-cut` (the journal never starts
 *   below a checkpoint's seq);
 * - when no segment is left but a checkpoint is, writes the empty segment that makes the
 *   journal continue after the newest checkpoint.
 *
 * It takes the folder's lock, as any writer: it refuses to run beside a server.
 */
import { closeSync, existsSync, fsyncSync, ftruncateSync, openSync, readFileSync, readSync, renameSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { syncDir } from '../support/durable-file.ts';
import { checkpointPath, listCheckpoints } from './checkpoints.ts';
import { JournalNotFoundError } from './errors.ts';
import { findGoodFrameAfter, scanFrames } from './frame-scan.ts';
import { walkFrames } from './frame-walk.ts';
import { writeEmptySegment } from './journal-start.ts';
import { acquireLock } from './lock.ts';
import { HEADER_SIZE, headerProblem, listSegments, segmentsDir, type SegmentFile } from './segment-format.ts';

export interface RepairReport {
  /** Whether anything was wrong (and, unless a dry run, was cut). */
  damaged: boolean;
  dryRun: boolean;
  /** Where the journal was cut: the segment, the byte offset and why. */
  cut?: { segment: string; offset: number; reason: string };
  /** The last seq the journal keeps. */
  lastSeq: number;
  /** Events at or after the cut that could still be read (seqs), and the seq the damaged frame should have carried. */
  dropped: { from: number; readable: number; lastReadable: number | undefined };
  /** Files set aside (renamed, or the cut bytes copied out), and checkpoints beyond the cut. */
  setAside: string[];
  checkpointsSetAside: number[];
  /** Set when the journal had no segment left and now continues after this checkpoint. */
  continuedAfterCheckpoint?: number;
}

interface Damage {
  index: number;
  offset: number;
  reason: string;
  /** the seq the damaged point should have carried */
  seq: number;
}

/** The first point where the journal is not sound, or undefined. Torn tails count: repair cuts them too. */
function findDamage(segments: SegmentFile[]): { damage: Damage | undefined; lastSeq: number } {
  let expected: number | undefined;
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    if (expected !== undefined && seg.firstSeq !== expected)
      return {
        damage: { index: i, offset: 0, reason: `sequence gap: segment starts at seq ${seg.firstSeq}`, seq: expected },
        lastSeq: expected - 1,
      };
    const fd = openSync(seg.path, 'r');
    try {
      const head = Buffer.alloc(HEADER_SIZE);
      const got = readSync(fd, head, 0, HEADER_SIZE, 0);
      const problem = headerProblem(head.subarray(0, got), seg.firstSeq, seg.path);
      if (problem !== undefined) return { damage: { index: i, offset: 0, reason: problem, seq: seg.firstSeq }, lastSeq: seg.firstSeq - 1 };
      const scan = scanFrames(fd, HEADER_SIZE, seg.firstSeq);
      if (scan.bad) {
        const good = findGoodFrameAfter(fd, scan.bad.offset, scan.nextSeq);
        const reason = good >= 0 ? `${scan.bad.reason}; a good frame follows at offset ${good}` : scan.bad.reason;
        return { damage: { index: i, offset: scan.bad.offset, reason, seq: scan.nextSeq }, lastSeq: scan.nextSeq - 1 };
      }
      expected = scan.nextSeq;
    } finally {
      closeSync(fd);
    }
  }
  return { damage: undefined, lastSeq: expected === undefined ? 0 : expected - 1 };
}

/** Counts the events still readable at or after `damage` (the rest of its segment and every later one). */
function countDropped(segments: SegmentFile[], damage: Damage): RepairReport['dropped'] {
  let readable = 0;
  let lastReadable: number | undefined;
  for (let i = damage.index; i < segments.length; i++) {
    const steps = walkFrames(segments[i]!, {});
    for (let s = steps.next(); !s.done; s = steps.next()) {
      const step = s.value;
      if (step.kind !== 'event' || (i === damage.index && step.offset < damage.offset)) continue;
      readable++;
      lastReadable = Math.max(lastReadable ?? 0, step.event.seq);
    }
  }
  return { from: damage.seq, readable, lastReadable };
}

/** `name`, or `name.1`, `name.2`, ... : a side file never replaces an earlier one. */
function freshName(name: string): string {
  let candidate = name;
  for (let n = 1; existsSync(candidate); n++) candidate = `${name}.${n}`;
  return candidate;
}

function cutSegment(seg: SegmentFile, offset: number, setAside: string[]): void {
  if (offset < HEADER_SIZE) {
    const aside = freshName(`${seg.path}.cut`);
    renameSync(seg.path, aside);
    setAside.push(basename(aside));
    return;
  }
  const bytes = readFileSync(seg.path);
  const aside = freshName(`${seg.path}.cut-${offset}`);
  writeFileSync(aside, bytes.subarray(offset));
  const out = openSync(aside, 'r+');
  try {
    fsyncSync(out);
  } finally {
    closeSync(out);
  }
  setAside.push(basename(aside));
  const fd = openSync(seg.path, 'r+');
  try {
    ftruncateSync(fd, offset);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export async function repairJournal(dir: string, opts: { dryRun?: boolean } = {}): Promise<RepairReport> {
  if (!existsSync(segmentsDir(dir))) throw new JournalNotFoundError(dir, `${dir} is not a journal folder (no segments/)`);
  const dryRun = opts.dryRun ?? false;
  const lock = dryRun ? undefined : acquireLock(dir);
  try {
    const segments = listSegments(dir);
    const { damage, lastSeq } = findDamage(segments);
    const beyond = listCheckpoints(dir).filter((s) => s > lastSeq);
    const report: RepairReport = {
      damaged: damage !== undefined || beyond.length > 0 || (segments.length === 0 && listCheckpoints(dir).length > 0),
      dryRun,
      lastSeq,
      dropped: damage ? countDropped(segments, damage) : { from: lastSeq + 1, readable: 0, lastReadable: undefined },
      setAside: [],
      checkpointsSetAside: beyond,
      ...(damage ? { cut: { segment: segments[damage.index]!.path, offset: damage.offset, reason: damage.reason } } : {}),
    };
    if (dryRun) return report;
    if (damage) {
      cutSegment(segments[damage.index]!, damage.offset, report.setAside);
      for (const later of segments.slice(damage.index + 1)) {
        const aside = freshName(`${later.path}.cut`);
        renameSync(later.path, aside);
        report.setAside.push(basename(aside));
      }
      await syncDir(segmentsDir(dir));
    }
    for (const seq of beyond) {
      const path = checkpointPath(dir, seq);
      renameSync(path, freshName(`${path}.beyond-cut`));
    }
    const newest = listCheckpoints(dir).at(-1);
    if (listSegments(dir).length === 0 && newest !== undefined) {
      await writeEmptySegment(dir, newest + 1);
      report.continuedAfterCheckpoint = newest;
      report.lastSeq = newest;
    }
    return report;
  } finally {
    lock?.release();
  }
}

import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, renameSync, writeSync } from 'node:fs';
import { basename } from 'node:path';
import { JournalCorruptError, repairHint } from './errors.ts';
import { findGoodFrameAfter, scanFrames } from './frame-scan.ts';
import { HEADER_SIZE, headerProblem, listSegments } from './segment-format.ts';
import type { SegmentFile } from './segment-format.ts';

export interface RecoveredJournal {
  segments: SegmentFile[];
  /** byte size of the last segment after recovery (its good frames end there) */
  lastSize: number;
  /** last seq in the journal, 0 when empty (or firstSeq - 1 of an empty first segment) */
  lastSeq: number;
  /** per segment path, the offset up to which every frame's checksum was verified (the whole good part) */
  verified: Map<string, number>;
}

/**
 * Checks every segment of a journal that is about to be written, and cuts a torn tail.
 *
 * Rules (journal/README.md, "Recovery"):
 * - every segment but the last must be whole: any bad frame or header there is corruption;
 * - segment names continue the sequence (each starts at the previous one's last seq + 1);
 * - in the last segment, only what a write cut short by a crash leaves is a torn tail: an
 *   incomplete final frame (or zeros to the end of the file) with no good frame anywhere after
 *   it. Its bytes are copied to `<segment>.torn-<offset>`, the segment is truncated to the last
 *   good frame, and `warn` says so. A whole frame whose checksum fails is corruption, wherever it is;
 * - a last segment shorter than its header (a crash while it was being created) is set aside whole;
 * - the journal never ends below `floor` (the newest checkpoint's seq): events a checkpoint covers
 *   are never cut, and a journal that holds fewer is corruption.
 * Corruption names the segment and offset and points at `ecr-rewind repair`; nothing is cut.
 */
export function recoverJournal(dir: string, warn: (msg: string) => void, floor = 0): RecoveredJournal {
  const segments = listSegments(dir);
  let lastSize = 0;
  let expected: number | undefined;
  const verified = new Map<string, number>();
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    const last = i === segments.length - 1;
    if (expected !== undefined && seg.firstSeq !== expected) {
      throw new JournalCorruptError(seg.path, 0, expected, `sequence gap: segment starts at seq ${seg.firstSeq}`);
    }
    const fd = openSync(seg.path, last ? 'r+' : 'r');
    let open = true;
    try {
      const size = fstatSync(fd).size;
      const head = Buffer.alloc(Math.min(size, HEADER_SIZE));
      readSync(fd, head, 0, head.length, 0);
      if (size < HEADER_SIZE && last) {
        closeSync(fd);
        open = false;
        const aside = freshName(`${seg.path}.torn-0`);
        renameSync(seg.path, aside);
        warn(`journal: segment ${seg.path} was cut short while being created (${size} bytes); moved aside to ${basename(aside)}`);
        segments.pop();
        // the previous segment is now the last one: check it again under the last-segment rules
        if (i > 0) return recoverJournal(dir, warn, floor);
        return { segments, lastSize: 0, lastSeq: seg.firstSeq - 1, verified };
      }
      const problem = headerProblem(head, seg.firstSeq, seg.path);
      if (problem !== undefined) throw new JournalCorruptError(seg.path, 0, seg.firstSeq, problem, repairHint(dir));
      const scan = scanFrames(fd, HEADER_SIZE, seg.firstSeq);
      if (scan.bad) {
        const { offset, reason, certain } = scan.bad;
        if (!last || certain) throw new JournalCorruptError(seg.path, offset, scan.nextSeq, reason, repairHint(dir));
        const good = findGoodFrameAfter(fd, offset, scan.nextSeq);
        if (good >= 0) {
          throw new JournalCorruptError(
            seg.path,
            offset,
            scan.nextSeq,
            `${reason}; a good frame follows at offset ${good}`,
            repairHint(dir),
          );
        }
        if (scan.nextSeq - 1 < floor)
          throw new JournalCorruptError(
            seg.path,
            offset,
            scan.nextSeq,
            `${reason}, but the checkpoint at seq ${floor} covers the events there: they were acknowledged, this is not a torn write`,
            repairHint(dir),
          );
        cutTail(fd, seg.path, offset, size, reason, warn);
        lastSize = offset;
      } else {
        lastSize = scan.end;
      }
      verified.set(seg.path, lastSize);
      expected = scan.nextSeq;
    } finally {
      if (open) closeSync(fd);
    }
  }
  const lastSeq = expected === undefined ? 0 : expected - 1;
  if (lastSeq < floor) {
    const seg = segments.at(-1);
    throw new JournalCorruptError(
      seg?.path ?? dir,
      lastSize,
      lastSeq + 1,
      `the journal ends at seq ${lastSeq}, but a checkpoint covers events up to seq ${floor}: events ${lastSeq + 1}..${floor} are missing`,
      repairHint(dir),
    );
  }
  return { segments, lastSize, lastSeq, verified };
}

function cutTail(fd: number, path: string, offset: number, size: number, reason: string, warn: (msg: string) => void): void {
  const bytes = Buffer.alloc(size - offset);
  readSync(fd, bytes, 0, bytes.length, offset);
  const aside = freshName(`${path}.torn-${offset}`);
  const out = openSync(aside, 'w');
  try {
    writeSync(out, bytes);
    fsyncSync(out);
  } finally {
    closeSync(out);
  }
  ftruncateSync(fd, offset);
  fsyncSync(fd);
  warn(
    `journal: cut a torn tail of ${bytes.length} bytes at offset ${offset} in segment ${path} (${reason}); the bytes are kept in ${basename(aside)}`,
  );
}

/** A side file never overwrites an earlier one cut at the same offset: `name`, `name.1`, `name.2`, ... */
function freshName(name: string): string {
  let candidate = name;
  for (let n = 1; existsSync(candidate); n++) candidate = `${name}.${n}`;
  return candidate;
}

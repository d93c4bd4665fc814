/**
 * A journal whose bytes cannot be trusted: a bad frame followed by a good one, a sequence gap,
 * a broken segment header. Never raised for a torn tail, which recovery cuts (see recovery.ts).
 */
export class JournalCorruptError extends Error {
  override readonly name = 'JournalCorruptError';
  constructor(
    /** path of the segment file */
    readonly segment: string,
    /** byte offset of the bad frame (or header) inside the segment */
    readonly offset: number,
    /** the sequence number the bad frame should have carried */
    readonly seq: number,
    readonly reason: string,
  ) {
    super(`journal corrupt: segment ${segment} at byte offset ${offset} (expected seq ${seq}): ${reason}`);
  }
}

/** A second writer tried to open a journal directory that another writer holds. */
export class JournalLockedError extends Error {
  override readonly name = 'JournalLockedError';
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(`journal ${dir} is already open for writing by pid ${pid}${pid === process.pid ? ' (this process)' : ''}`);
  }
}

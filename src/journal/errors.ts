import { packageVersion } from '../support/version.ts';

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
    /** What the user can do about it (the writer names the repair command). */
    hint?: string,
  ) {
    super(`journal corrupt: segment ${segment} at byte offset ${offset} (expected seq ${seq}): ${reason}${hint ? `. ${hint}` : ''}`);
  }
}

/** The hint of a journal the writer refuses to open: the command that cuts the damage explicitly. */
export const repairHint = (dir: string): string =>
  `Nothing was changed. \`ecr-rewind repair ${dir}\` cuts the journal at this point and says how many events that drops (--dry-run only says it)`;

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

/** A checkpoint file that cannot be read: missing where the history needs it, or damaged. */
export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
  constructor(
    readonly path: string,
    readonly reason: string,
    readonly kind: 'missing' | 'corrupt' = 'corrupt',
  ) {
    super(`checkpoint ${path}: ${reason}`);
  }
}

/** A folder that should be a journal is not one (absent, a file, or without segments/). */
export class JournalNotFoundError extends Error {
  override readonly name = 'JournalNotFoundError';
  constructor(
    readonly dir: string,
    reason: string,
  ) {
    super(reason);
  }
}

/** A new journal folder (restore, fork, compact, a start from a snapshot file) must be new or empty. */
export class FolderNotEmptyError extends Error {
  override readonly name = 'FolderNotEmptyError';
  constructor(
    readonly dir: string,
    reason = `${dir} is not empty: a new journal needs a new (or empty) folder`,
  ) {
    super(reason);
  }
}

/**
 * A journal written in a newer format than this ecr-rewind reads: not damage, an
 * upgrade opens it. The message names the file, its format version and the ones read here.
 */
export class JournalVersionError extends Error {
  override readonly name = 'JournalVersionError';
  constructor(
    readonly path: string,
    readonly version: number,
    readable: readonly number[],
  ) {
    super(
      `${path} is in journal format version ${version}, written by a newer ecr-rewind; this ecr-rewind ${packageVersion()} reads format versions ${readable.join(' and ')}: upgrade ecr-rewind to open it`,
    );
  }
}

/**
 * What kind of problem an error of the journal tools is: the one classification
 * that the command line turns into exit codes and the admin API into statuses.
 * Library code throws its own errors (domain, journal, snapshot file, blob
 * store); only the edges decide what they mean to a user.
 */
import { BlobCorruptError, BlobMissingError } from '../blobs/blob-store.ts';
import { DomainFailure } from '../domain/errors.ts';
import { CheckpointError, FolderNotEmptyError, JournalCorruptError, JournalNotFoundError } from '../journal/index.ts';
import { SnapshotFileError } from '../snapshot-file/errors.ts';

/** usage: a bad argument or position; not-found: a journal, file, mark or seq that is not there; corrupt: damaged data. */
export type ErrorKind = 'usage' | 'not-found' | 'corrupt';

/** The kind of `err`, or undefined for an error no tool expects (a bug, an I/O failure). */
export function errorKind(err: unknown): ErrorKind | undefined {
  if (err instanceof DomainFailure) {
    if (err.error.code === 'PositionNotFound') return 'not-found';
    if (err.error.code === 'InvalidParameter' || err.error.code === 'MarkAlreadyExists') return 'usage';
    return undefined;
  }
  if (err instanceof FolderNotEmptyError) return 'usage';
  if (err instanceof JournalNotFoundError) return 'not-found';
  if (err instanceof CheckpointError) return err.kind === 'missing' ? 'not-found' : 'corrupt';
  if (err instanceof SnapshotFileError) return err.kind;
  if (err instanceof JournalCorruptError || err instanceof BlobCorruptError || err instanceof BlobMissingError) return 'corrupt';
  return undefined;
}

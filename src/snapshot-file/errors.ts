/** A snapshot file that cannot be used: not there, or not what it claims to hold. */
export class SnapshotFileError extends Error {
  override readonly name = 'SnapshotFileError';
  constructor(
    message: string,
    readonly kind: 'not-found' | 'corrupt' = 'corrupt',
  ) {
    super(message);
  }
}

/**
 * Snapshot files of the live registry (GET /_rewind/snapshot, emulator.snapshot()):
 * the state is copied when asked, and the blob files it names are immutable, so the
 * file is consistent while the registry keeps serving.
 */
import type { BlobStore } from '../blobs/blob-store.ts';
import { prepareSnapshotFile, writeSnapshotFile, type PreparedSnapshotFile } from '../snapshot-file/write.ts';
import type { Checkpoint } from '../projections/views.ts';
import type { Engine } from './engine.ts';

export interface LiveSnapshots {
  /** The snapshot file of the state now (or of a past state the caller owns), ready to be streamed. */
  prepare(past?: Checkpoint): Promise<PreparedSnapshotFile>;
  /** Writes the snapshot file of the state now to `file`. */
  write(file: string): Promise<void>;
}

export function liveSnapshots(engine: Engine, store: BlobStore): LiveSnapshots {
  const prepare = (past?: Checkpoint): Promise<PreparedSnapshotFile> =>
    prepareSnapshotFile(past ?? { state: engine.state, marks: engine.marks }, store.root, { live: true, store });
  return {
    prepare,
    write: async (file) => writeSnapshotFile(file, await prepare()),
  };
}

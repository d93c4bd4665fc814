/** The journal: an append-only, checksummed msgpack event log with checkpoints (format: journal/README.md). */
export type { Envelope, NewRecord } from './envelope.ts';
export {
  CheckpointError,
  FolderNotEmptyError,
  JournalCorruptError,
  JournalLockedError,
  JournalNotFoundError,
  JournalVersionError,
} from './errors.ts';
export { HISTORY_FRAMES, Journal } from './journal.ts';
export { checkNewFolder } from './new-folder.ts';
export type { FrameBounds, FsyncMode, JournalOptions } from './journal.ts';
export { JournalReader } from './reader.ts';
export { ReadOnlyJournal, type JournalHandle } from './read-only-journal.ts';
export {
  CHECKPOINTS_DIR,
  checkpointPath,
  decodeCheckpoint,
  encodeCheckpoint,
  listCheckpoints,
  loadLatestCheckpoint,
  readCheckpoint,
  writeCheckpoint,
  writeCheckpointBody,
  type CheckpointContent,
  type ProjectionState,
} from './checkpoints.ts';
export { writeEmptySegment } from './journal-start.ts';
export { walkFrames, type FrameStep } from './frame-walk.ts';
export { upcast } from './upcast.ts';
export type { UpcastTable, Upcaster } from './upcast.ts';
export { encodePayload, decodePayload } from './codec.ts';
export { listSegments, segmentFileName } from './segment-format.ts';
export type { SegmentFile } from './segment-format.ts';
export { repairJournal, type RepairReport } from './repair.ts';

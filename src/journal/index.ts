/** The journal: an append-only, checksummed msgpack event log with snapshots (format: journal/README.md). */
export type { Envelope, NewRecord } from './envelope.ts';
export { JournalCorruptError, JournalLockedError } from './errors.ts';
export { Journal } from './journal.ts';
export type { FsyncMode, JournalOptions } from './journal.ts';
export { JournalReader } from './reader.ts';
export { ReadOnlyJournal, type JournalHandle } from './read-only-journal.ts';
export { loadLatestSnapshot, writeSnapshot } from './snapshots.ts';
export type { ProjectionSnapshot } from './snapshots.ts';
export { upcast } from './upcast.ts';
export type { UpcastTable, Upcaster } from './upcast.ts';
export { encodePayload, decodePayload } from './codec.ts';
export { listSegments, segmentFileName } from './segment-format.ts';
export type { SegmentFile } from './segment-format.ts';

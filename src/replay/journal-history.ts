/**
 * A journal folder opened for reading by the tools: its events as an
 * EventSource, where its history starts, and the checkpoint it starts from when
 * that is after seq 1 (a journal restored from a snapshot file, or forked from one).
 * Takes no lock and changes nothing: safe beside a running server.
 */
import { existsSync, statSync } from 'node:fs';
import type { RecordedEvent } from '../domain/events.ts';
import { UPCASTERS } from '../domain/upcasters.ts';
import { EVENT_TYPES } from '../domain/versions.ts';
import { JournalCorruptError, JournalNotFoundError, JournalReader, listSegments } from '../journal/index.ts';
import { loadCheckpoint } from '../projections/checkpoint.ts';
import type { Checkpoint, EventSource } from './replay.ts';

export interface JournalHistory {
  readonly dir: string;
  readonly source: EventSource;
  /** The first seq the segments hold (1 for a journal recorded from the start). */
  readonly firstSeq: number;
  readonly lastSeq: number;
  /** The checkpoint at firstSeq - 1 when the history starts later than seq 1 (read on first use). */
  readonly origin: Checkpoint | undefined;
  read(from?: number, to?: number): Iterable<RecordedEvent>;
  /** Set when the last segment is damaged: lastSeq then ends before the damage. */
  readonly damage?: JournalCorruptError;
}

export async function openHistory(dir: string): Promise<JournalHistory> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new JournalNotFoundError(dir, `no journal folder at ${dir}`);
  const segments = listSegments(dir);
  if (segments.length === 0 && !existsSync(`${dir}/segments`))
    throw new JournalNotFoundError(dir, `${dir} is not a journal folder (no segments/)`);
  const reader = JournalReader.open(dir, { upcasters: UPCASTERS, eventTypes: EVENT_TYPES });
  const firstSeq = segments[0]?.firstSeq ?? 1;
  const read = (from = 1, to = Number.MAX_SAFE_INTEGER): Iterable<RecordedEvent> => reader.read(from, to) as Iterable<RecordedEvent>;
  let lastSeq: number;
  let damage: JournalCorruptError | undefined;
  try {
    lastSeq = reader.lastSeq;
  } catch (err) {
    if (!(err instanceof JournalCorruptError)) throw err;
    // readable up to the damage; reads past it throw, verify reports it
    damage = err;
    lastSeq = err.seq - 1;
  }
  return withOrigin({ dir, source: read, firstSeq, lastSeq, read, ...(damage ? { damage } : {}) });
}

/** The history of the journal a running emulator writes (its own reads, no second reader). */
export function liveHistory(journal: {
  readonly dir: string;
  readonly lastSeq: number;
  read(from?: number, to?: number): Iterable<unknown>;
}): JournalHistory {
  const firstSeq = listSegments(journal.dir)[0]?.firstSeq ?? 1;
  const read = (from = 1, to = Number.MAX_SAFE_INTEGER): Iterable<RecordedEvent> => journal.read(from, to) as Iterable<RecordedEvent>;
  return withOrigin({ dir: journal.dir, source: read, firstSeq, lastSeq: journal.lastSeq, read });
}

/** Adds `origin`, read from the folder's checkpoint at firstSeq - 1 the first time it is asked for. */
function withOrigin(h: Omit<JournalHistory, 'origin'>): JournalHistory {
  let origin: Checkpoint | undefined;
  let loaded = h.firstSeq <= 1;
  return Object.defineProperty(h, 'origin', {
    enumerable: true,
    get: () => {
      if (!loaded) {
        origin = loadCheckpoint(h.dir, h.firstSeq - 1);
        loaded = true;
      }
      return origin;
    },
  }) as JournalHistory;
}

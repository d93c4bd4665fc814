/**
 * Opening a journal folder into a running registry, and closing it:
 *
 * 1. prepare the folder: as it is, restored from a snapshot file (adopted: the
 *    file is checked and copied in, its blobs extracted later), or forked from
 *    another journal up to a position;
 * 2. open the journal: the single writer (it takes the folder's lock), or a
 *    read-only view of a past position (no lock: it may run beside the writer);
 * 3. build the views: the newest readable checkpoint, then a replay of the tail;
 * 4. on close, flush, write a checkpoint when enough happened since the last one (or
 *    the next start's replay would rebuild a state a reset went back to), and release the folder.
 */
import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UPCASTERS } from '../domain/upcasters.ts';
import { EVENT_TYPES } from '../domain/versions.ts';
import { Journal, ReadOnlyJournal, type FsyncMode, type JournalHandle } from '../journal/index.ts';
import { loadLatest, loadLatestSync, saveCheckpoint, type Checkpoint } from '../projections/checkpoint.ts';
import type { Views } from '../projections/views.ts';
import { forkJournal } from '../replay/fork.ts';
import { liveHistory, openHistory } from '../replay/journal-history.ts';
import { resolvePosition } from '../replay/positions.ts';
import { replay } from '../replay/replay.ts';
import { checkpointFor, registryStateAt, replayTo } from '../replay/time-travel.ts';
import { adoptSnapshotFile, type AdoptedSnapshotFile } from '../snapshot-file/adopt.ts';
import type { PackIndex } from '../snapshot-file/extraction.ts';
import { loadPacks } from '../snapshot-file/packs.ts';

/** Checkpoint the projections on close when this many events came since the last checkpoint. */
const CHECKPOINT_AFTER_EVENTS = 1000;

export interface OpenOptions {
  /** The journal folder; a temporary one (removed on close) when undefined. */
  dir: string | undefined;
  fsync: FsyncMode;
  fsyncIntervalMs: number;
  /** Start from this snapshot file, restored into the (new, empty) folder. */
  fromSnapshot?: string | undefined;
  /** Start from a copy of another journal, up to `at` (default: all of it). */
  fork?: string | { journal: string; at?: string | number } | undefined;
  /** A read-only view of the state at this position. */
  at?: string | number | undefined;
  warn: (message: string) => void;
}

export interface OpenRegistry {
  readonly dir: string;
  readonly journal: JournalHandle;
  /** The views the engine starts from. */
  readonly views: Views;
  /** Why the registry refuses changes (a view of the past), or undefined when writable. */
  readonly readOnly: string | undefined;
  /** Snapshot files adopted into <dir>/packs/ whose blobs are not all extracted yet. */
  readonly packs: PackIndex[];
  /** The views as the folder holds them durably now: what a restart would build (after a failed append). */
  recover(): Views;
  /** Flushes, checkpoints when due, and releases the folder (removing a temporary one). */
  close(now: Checkpoint): Promise<void>;
  /**
   * After a start that failed later (the port was taken): closes without a checkpoint and
   * leaves the folder as it was found: a folder this start created is removed, one it
   * found empty is emptied again, and one that held a journal is kept.
   */
  abandon(): Promise<void>;
}

type FolderBefore = 'absent' | 'empty' | 'in use';

function folderBefore(dir: string): FolderBefore {
  try {
    return readdirSync(dir).length === 0 ? 'empty' : 'in use';
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'absent' : 'in use';
  }
}

/** Removes what a failed start wrote into a folder that was absent or empty before it. */
async function restoreFolder(dir: string, before: FolderBefore): Promise<void> {
  if (before === 'absent') await rm(dir, { recursive: true, force: true });
  else if (before === 'empty') for (const name of readdirSync(dir)) await rm(join(dir, name), { recursive: true, force: true });
}

async function prepareFolder(dir: string, opts: OpenOptions): Promise<AdoptedSnapshotFile | undefined> {
  if (opts.fromSnapshot !== undefined && opts.fork !== undefined) throw new Error('fromSnapshot and fork exclude each other');
  if (opts.fromSnapshot !== undefined) return adoptSnapshotFile(opts.fromSnapshot, dir, { fsync: opts.fsync !== 'never' });
  if (opts.fork !== undefined) {
    const spec = typeof opts.fork === 'string' ? { journal: opts.fork } : opts.fork;
    const history = await openHistory(spec.journal);
    const at = spec.at === undefined ? history.lastSeq : resolvePosition(String(spec.at), history).seq;
    await forkJournal(history, at, dir);
  }
  return undefined;
}

function openJournal(dir: string, opts: OpenOptions): Promise<JournalHandle> | JournalHandle {
  // A view of the past only reads the journal: no lock, so it may run beside the writer.
  if (opts.at !== undefined) return ReadOnlyJournal.open(dir, { upcasters: UPCASTERS, eventTypes: EVENT_TYPES });
  return Journal.open(dir, {
    fsync: opts.fsync,
    intervalMs: opts.fsyncIntervalMs,
    upcasters: UPCASTERS,
    eventTypes: EVENT_TYPES,
    warn: opts.warn,
  });
}

/** The views at the end of the journal: from the adopted or newest checkpoint (`base`), then the tail. */
function viewsAtEnd(journal: JournalHandle, base: Checkpoint | undefined): { views: Views; checkpointSeq: number } {
  const history = liveHistory(journal);
  const views = replay(history.source, Number.MAX_SAFE_INTEGER, {
    ...(base ? { base, adoptBase: true } : {}),
    origin: () => history.origin,
    rebuild: (seq) => registryStateAt(history, seq),
  });
  return { views, checkpointSeq: base?.state.seq ?? history.firstSeq - 1 };
}

/**
 * Whether a replay of the journal after `checkpointSeq` (the next start's) would rebuild a state by
 * replaying the history: a Rewound to a position that no mark of that tail keeps and no checkpoint
 * holds (a mark set long before the checkpoint, a sequence number). A start pays that for every such
 * run of resets (the whole history of a registry of 100,000 images: seconds), however short the
 * tail, while a checkpoint on close costs a fraction of one such replay; so such a tail gets one.
 */
function rebuildsInTail(journal: JournalHandle, checkpointSeq: number): boolean {
  if (journal.lastSeq <= checkpointSeq) return false;
  const history = liveHistory(journal);
  const kept = new Set<number>();
  for (const e of history.source(checkpointSeq + 1, journal.lastSeq)) {
    if (e.type === 'MarkSet' && e.data.at === e.seq - 1) kept.add(e.data.at);
    else if (e.type === 'Rewound' && !kept.has(e.data.to)) {
      // a checkpoint that holds it already: the start loads that one (time-travel.ts checkpointFor)
      if (checkpointFor(history, e.data.to) === undefined) return true;
      kept.add(e.data.to);
    }
  }
  return false;
}

export async function openRegistry(opts: OpenOptions): Promise<OpenRegistry> {
  const temporary = opts.dir === undefined ? await mkdtemp(join(tmpdir(), 'ecr-rewind-')) : undefined;
  const dir = opts.dir ?? temporary!;
  const before = temporary ? 'absent' : folderBefore(dir);
  const discard = async (): Promise<void> => {
    if (temporary) await rm(temporary, { recursive: true, force: true });
  };
  let journal: JournalHandle | undefined;
  try {
    const adopted = await prepareFolder(dir, opts);
    // The newest checkpoint is read (on the thread pool) while the journal's segments are checked
    // (journal/recovery.ts), then decoded; a snapshot file's was decoded and checked once already.
    const base = adopted || opts.at !== undefined ? undefined : loadLatest(dir, opts.warn);
    base?.catch(() => undefined); // its failure is reported below, once the journal is open
    journal = await openJournal(dir, opts);
    let views: Views;
    let readOnly: string | undefined;
    let checkpointSeq: number;
    if (opts.at !== undefined) {
      const history = liveHistory(journal);
      const pos = resolvePosition(String(opts.at), history);
      views = replayTo(history, pos.seq);
      checkpointSeq = journal.lastSeq;
      readOnly = `this server shows the registry as it was at ${pos.label} (seq ${pos.seq}, read-only); start it without --at to change it`;
    } else ({ views, checkpointSeq } = viewsAtEnd(journal, adopted ? adopted.checkpoint : await base));
    // Blobs of a snapshot file still packed in <dir>/packs/ (this start's, or one a crash left)
    const packs = adopted ? [adopted.index] : await loadPacks(dir);
    const open = journal;
    return {
      dir,
      journal: open,
      views,
      readOnly,
      packs,
      recover() {
        const reader = ReadOnlyJournal.open(dir, { upcasters: UPCASTERS, eventTypes: EVENT_TYPES });
        try {
          const history = liveHistory(reader);
          const base = loadLatestSync(dir);
          return replay(history.source, Number.MAX_SAFE_INTEGER, {
            ...(base ? { base } : {}),
            origin: () => history.origin,
            rebuild: (seq) => registryStateAt(history, seq),
          });
        } finally {
          void reader.close();
        }
      },
      async close(now: Checkpoint) {
        try {
          await open.flush();
          if (
            readOnly === undefined &&
            !temporary &&
            (open.lastSeq - checkpointSeq >= CHECKPOINT_AFTER_EVENTS || rebuildsInTail(open, checkpointSeq))
          ) {
            await saveCheckpoint(dir, now);
            checkpointSeq = now.state.seq;
          }
        } catch (err) {
          // a journal that cannot be written (a full disk): nothing more to save; the lock is still released
          opts.warn(`closing ${dir}: ${(err as Error).message}; the journal keeps what it held, no checkpoint was written`);
        } finally {
          await open.close();
          await discard();
        }
      },
      async abandon() {
        await open.close();
        await restoreFolder(dir, before);
      },
    };
  } catch (err) {
    await journal?.close().catch(() => undefined);
    await restoreFolder(dir, before).catch(() => undefined);
    throw err;
  }
}

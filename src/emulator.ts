/**
 * The composition root: startEmulator() prepares the journal folder (a new one,
 * a restored snapshot file or a fork of another journal), opens it, loads the
 * newest checkpoint, replays the tail, and serves the faces over one HTTP
 * server. Nothing below imports this file.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobStore } from './blobs/blob-store.ts';
import { PackExtraction } from './blobs/pack-extraction.ts';
import { UploadStaging } from './blobs/upload-staging.ts';
import { resolveConfig, type Config } from './config.ts';
import type { RecordedEvent } from './domain/events.ts';
import { UPCASTERS } from './domain/upcasters.ts';
import { Engine } from './engine/engine.ts';
import { createApp } from './http/app.ts';
import type { FaceDeps } from './http/face-deps.ts';
import { devAuth, type RegistryAuth } from './http/registry-auth.ts';
import { createTokenAuth } from './http/token-auth.ts';
import { Journal, loadLatestSnapshot, ReadOnlyJournal, writeSnapshot, type JournalHandle } from './journal/index.ts';
import { decodeMarks, encodeMarks, MARKS_PROJECTION } from './projections/marks-projection.ts';
import { decodeRegistryState, encodeRegistryState, REGISTRY_PROJECTION } from './projections/registry-projection.ts';
import { forkJournal } from './replay/fork.ts';
import { liveHistory, openHistory } from './replay/journal-history.ts';
import { adoptPack, type AdoptedPack } from './replay/pack-adopt.ts';
import { loadPacks } from './replay/pack-index.ts';
import { preparePack, writePack } from './replay/pack-writer.ts';
import { resolvePosition } from './replay/positions.ts';
import { replay, type Checkpoint } from './replay/replay.ts';
import { replayTo } from './replay/time-travel.ts';
import { Timeline } from './replay/timeline.ts';
import { parseClockSpec, systemClock, type Clock } from './support/clock.ts';
import { randomIds, seededIds, type IdSource } from './support/ids.ts';
import { createLogger, type Logger } from './support/logger.ts';

export interface EmulatorOptions extends Partial<Config> {
  /** A logger, or false for silence (tests). */
  logger?: Logger | false;
  /** Inject a clock or id source directly (otherwise from `clock` / `seed`). */
  clockSource?: Clock;
  idSource?: IdSource;
  /** Start from this snapshot file (`ecr-rewind snapshot`), restored into a new journal folder. */
  fromSnapshot?: string;
  /** Start from a copy of another journal (a recorded scenario), up to `at` (default: all of it). */
  fork?: string | { journal: string; at?: string | number };
  /** Serve a read-only view of the state at this position (seq, mark or ISO time). */
  at?: string | number;
}

export interface Emulator extends AsyncDisposable {
  readonly config: Config;
  /** http://127.0.0.1:<port>: the ECR endpoint (SDK `endpoint`, AWS_ENDPOINT_URL). */
  readonly endpoint: string;
  /** 127.0.0.1:<port>: what docker, podman and skopeo push to. */
  readonly registryHost: string;
  readonly port: number;
  readonly engine: Engine;
  readonly clock: Clock;
  /** Bookmarks the current state; returns its sequence number. */
  mark(name: string): Promise<number>;
  /** Brings the registry back to a mark or sequence number, keeping history. */
  reset(to: string | number): Promise<void>;
  /** Writes a snapshot file of the current state (what `fromSnapshot` starts from). */
  snapshot(file: string): Promise<void>;
  /** The journal's events, from `from` (inclusive). */
  events(from?: number): Iterable<RecordedEvent>;
  /**
   * Resolves when the blobs of the snapshot this started from are all extracted from its
   * pack (at once when there is none). Reads never wait for it: they extract what they need.
   */
  blobsSettled(): Promise<void>;
  stop(): Promise<void>;
}

/** Snapshot the projections on stop when this many events came since the last one. */
const SNAPSHOT_AFTER_EVENTS = 1000;

/**
 * Restores or forks into the (new) journal folder when asked to. A snapshot file is
 * checked (header, checkpoint) and copied in as a pack whose blobs are extracted
 * after the server listens (pack-adopt.ts); its index is returned.
 */
async function prepareFolder(dir: string, options: EmulatorOptions): Promise<AdoptedPack | undefined> {
  if (options.fromSnapshot !== undefined && options.fork !== undefined) throw new Error('fromSnapshot and fork exclude each other');
  if (options.fromSnapshot !== undefined) return adoptPack(options.fromSnapshot, dir, { fsync: options.fsync !== 'never' });
  if (options.fork !== undefined) {
    const spec = typeof options.fork === 'string' ? { journal: options.fork } : options.fork;
    const history = await openHistory(spec.journal);
    const at = spec.at === undefined ? history.lastSeq : resolvePosition(String(spec.at), history).seq;
    await forkJournal(history, at, dir);
  }
  return undefined;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const { logger, clockSource, idSource, fromSnapshot: _s, fork: _f, at, ...flags } = options;
  void _s, _f;
  const tempJournal = flags.journal === undefined ? await mkdtemp(join(tmpdir(), 'ecr-rewind-')) : undefined;
  const config = resolveConfig({ port: 0, ...flags, journal: flags.journal ?? tempJournal }, {});
  const log = logger === false ? createLogger('silent') : (logger ?? createLogger(config.logLevel));
  const clock = clockSource ?? (config.clock ? parseClockSpec(config.clock) : systemClock());
  const ids = idSource ?? (config.seed !== undefined ? seededIds(config.seed) : randomIds());

  let adopted: AdoptedPack | undefined;
  try {
    adopted = await prepareFolder(config.journal, options);
  } catch (err) {
    if (tempJournal) await rm(tempJournal, { recursive: true, force: true });
    throw err;
  }
  // A view of the past (`at`) only reads the journal: no lock, so it may run beside the
  // server that writes the folder.
  let journal: JournalHandle;
  try {
    journal =
      at !== undefined
        ? ReadOnlyJournal.open(config.journal, { upcasters: UPCASTERS })
        : await Journal.open(config.journal, {
            fsync: config.fsync,
            intervalMs: config.fsyncIntervalMs,
            upcasters: UPCASTERS,
            warn: (msg) => log.warn(msg),
          });
  } catch (err) {
    if (tempJournal) await rm(tempJournal, { recursive: true, force: true });
    throw err;
  }
  let extraction: PackExtraction | undefined;
  try {
    const history = liveHistory(journal);
    let start: ReturnType<typeof replay>;
    let readOnly: string | undefined;
    let snapshotSeq = history.firstSeq - 1;
    if (at !== undefined) {
      const pos = resolvePosition(String(at), history);
      start = await replayTo(history, pos.seq);
      readOnly = `this server shows the registry as it was at ${pos.label} (seq ${pos.seq}, read-only); start it without --at to change it`;
    } else {
      let base: Checkpoint | undefined;
      if (adopted) {
        // the checkpoint the snapshot file held, decoded and checked once already
        base = adopted.checkpoint;
        snapshotSeq = base.state.seq;
      } else {
        const snap = await loadLatestSnapshot(config.journal, [REGISTRY_PROJECTION, MARKS_PROJECTION], { warn: (msg) => log.warn(msg) });
        if (snap) {
          base = {
            state: decodeRegistryState(snap.states.get(REGISTRY_PROJECTION.name)),
            marks: decodeMarks(snap.states.get(MARKS_PROJECTION.name)),
          };
          base.state.seq = snap.seq;
          snapshotSeq = snap.seq;
        }
      }
      start = replay(history.source, Number.MAX_SAFE_INTEGER, {
        ...(base ? { base, adoptBase: true } : {}),
        origin: () => history.origin,
      });
    }

    const engine = new Engine(journal, clock, start, {
      ...(readOnly === undefined ? {} : { readOnly }),
      onFatal: (err) => log.fatal({ err }, 'journal append failed: refusing further writes'),
    });
    const blobs = new BlobStore(config.journal, { durable: config.fsync !== 'never' });
    // Blobs of a snapshot file still packed in <journal>/packs/ (this start's, or one a crash left)
    const packs = adopted ? [adopted.index] : await loadPacks(config.journal);
    if (packs.length > 0)
      extraction = new PackExtraction(blobs, packs, {
        onCorrupt: (message, entry) => log.error({ [entry.kind]: entry.key, pack: entry.pack }, message),
      });
    const staging = new UploadStaging(blobs);
    const auth: RegistryAuth =
      config.auth === 'token'
        ? createTokenAuth({ config, clock })
        : devAuth(config.auth, { account: config.account, region: config.region });

    const timeline = new Timeline({
      firstSeq: history.firstSeq,
      origin: () => history.origin,
      lastSeq: () => journal.lastSeq,
      read: (from, to) => journal.read(from, to) as Iterable<RecordedEvent>,
    });
    let server: Server | undefined;
    let port = config.port;
    const deps: FaceDeps = {
      config,
      engine,
      blobs,
      staging,
      clock,
      ids,
      log,
      auth,
      timeline,
      registryHost: () => config.advertisedHost ?? `localhost:${port}`,
    };
    const app = createApp(deps);
    server = createServer({ requestTimeout: 0, keepAliveTimeout: 65_000 }, app.callback());
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(config.port, config.host, () => resolve());
    });
    port = (server.address() as AddressInfo).port;
    const hostForUrl = config.host.includes(':') ? `[${config.host}]` : config.host;
    log.info({ port, host: config.host, journal: config.journal, seq: journal.lastSeq, readOnly }, 'ecr-rewind listening');
    // A read-only view extracts packed blobs only as they are read: the folder's writer
    // works through (and deletes) its packs.
    const extracted = (readOnly === undefined ? extraction?.run() : undefined)?.then(
      (r) => {
        if (r.removed.length > 0) log.info({ extracted: r.extracted, removed: r.removed }, 'snapshot blobs extracted, pack deleted');
        return r;
      },
      (err: unknown) => {
        log.error({ err }, 'extracting snapshot blobs failed: the pack is kept, the next start resumes');
        return undefined;
      },
    );

    let stopped: Promise<void> | undefined;
    const stop = (): Promise<void> =>
      (stopped ??= (async () => {
        await new Promise<void>((resolve) => {
          server!.close(() => resolve());
          server!.closeAllConnections();
        });
        timeline.close();
        await extraction?.stop();
        await blobs.close();
        await journal.flush();
        if (journal.lastSeq - snapshotSeq >= SNAPSHOT_AFTER_EVENTS && engine.readOnly === undefined) {
          await writeSnapshot(config.journal, engine.state.seq, [
            { ...REGISTRY_PROJECTION, state: encodeRegistryState(engine.state) },
            { ...MARKS_PROJECTION, state: encodeMarks(engine.marks) },
          ]);
          snapshotSeq = engine.state.seq;
        }
        await journal.close();
        if (tempJournal) await rm(tempJournal, { recursive: true, force: true });
      })());

    return {
      config,
      endpoint: `http://${hostForUrl}:${port}`,
      registryHost: `${hostForUrl}:${port}`,
      port,
      engine,
      clock,
      mark: (name) => engine.mark(name),
      reset: async (to) => {
        if (typeof to === 'number') await engine.rewind(to);
        else {
          const seq = engine.marks.get(to);
          if (seq === undefined) throw new Error(`no mark named '${to}'`);
          await engine.rewind(seq, to);
        }
      },
      snapshot: async (file) => {
        const pack = await preparePack({ state: engine.state, marks: engine.marks }, config.journal, { live: true, store: blobs });
        await writePack(file, pack);
      },
      events: (from = 1) => journal.read(from) as Iterable<RecordedEvent>,
      blobsSettled: async () => {
        await extracted;
      },
      stop,
      [Symbol.asyncDispose]: stop,
    };
  } catch (err) {
    await extraction?.stop().catch(() => undefined);
    await journal.close().catch(() => undefined);
    if (tempJournal) await rm(tempJournal, { recursive: true, force: true });
    throw err;
  }
}

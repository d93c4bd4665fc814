/**
 * The composition root: startEmulator() opens the journal, loads the newest
 * snapshot, replays the tail, and serves the faces over one HTTP server.
 * Nothing below imports this file.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobStore } from './blobs/blob-store.ts';
import { UploadStaging } from './blobs/upload-staging.ts';
import { resolveConfig, type Config } from './config.ts';
import type { RecordedEvent } from './domain/events.ts';
import type { RegistryState } from './domain/state.ts';
import { UPCASTERS } from './domain/upcasters.ts';
import { Engine } from './engine/engine.ts';
import { createApp } from './http/app.ts';
import type { FaceDeps } from './http/face-deps.ts';
import { devAuth, type RegistryAuth } from './http/registry-auth.ts';
import { createTokenAuth } from './http/token-auth.ts';
import { Journal, loadLatestSnapshot, writeSnapshot } from './journal/index.ts';
import { decodeMarks, encodeMarks, MARKS_PROJECTION } from './projections/marks-projection.ts';
import { decodeRegistryState, encodeRegistryState, REGISTRY_PROJECTION } from './projections/registry-projection.ts';
import { replay } from './replay/replay.ts';
import { parseClockSpec, systemClock, type Clock } from './support/clock.ts';
import { randomIds, seededIds, type IdSource } from './support/ids.ts';
import { createLogger, type Logger } from './support/logger.ts';

export interface EmulatorOptions extends Partial<Config> {
  /** A logger, or false for silence (tests). */
  logger?: Logger | false;
  /** Inject a clock or id source directly (otherwise from `clock` / `seed`). */
  clockSource?: Clock;
  idSource?: IdSource;
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
  /** The journal's events, from `from` (inclusive). */
  events(from?: number): Iterable<RecordedEvent>;
  stop(): Promise<void>;
}

/** Snapshot the projections on stop when this many events came since the last one. */
const SNAPSHOT_AFTER_EVENTS = 1000;

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const { logger, clockSource, idSource, ...flags } = options;
  const tempJournal = flags.journal === undefined ? await mkdtemp(join(tmpdir(), 'ecr-rewind-')) : undefined;
  const config = resolveConfig({ port: 0, ...flags, journal: flags.journal ?? tempJournal }, {});
  const log = logger === false ? createLogger('silent') : (logger ?? createLogger(config.logLevel));
  const clock = clockSource ?? (config.clock ? parseClockSpec(config.clock) : systemClock());
  const ids = idSource ?? (config.seed !== undefined ? seededIds(config.seed) : randomIds());

  const journal = await Journal.open(config.journal, {
    fsync: config.fsync,
    intervalMs: config.fsyncIntervalMs,
    upcasters: UPCASTERS,
    warn: (msg) => log.warn(msg),
  });
  try {
    const snap = await loadLatestSnapshot(config.journal, [REGISTRY_PROJECTION, MARKS_PROJECTION]);
    const base = snap && {
      state: decodeRegistryState(snap.states.get(REGISTRY_PROJECTION.name)) as RegistryState,
      marks: decodeMarks(snap.states.get(MARKS_PROJECTION.name)),
    };
    const source = (from: number, to: number) => journal.read(from, to) as Iterable<RecordedEvent>;
    const start = replay(source, Number.MAX_SAFE_INTEGER, base ? { base } : {});
    let snapshotSeq = snap?.seq ?? 0;

    const engine = new Engine(journal, clock, start, {
      onFatal: (err) => log.fatal({ err }, 'journal append failed: refusing further writes'),
    });
    const blobs = new BlobStore(config.journal, { durable: config.fsync !== 'never' });
    const staging = new UploadStaging(blobs);
    const auth: RegistryAuth =
      config.auth === 'token'
        ? createTokenAuth({ config, clock })
        : devAuth(config.auth, { account: config.account, region: config.region });

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
    log.info({ port, host: config.host, journal: config.journal, seq: journal.lastSeq }, 'ecr-rewind listening');

    let stopped: Promise<void> | undefined;
    const stop = (): Promise<void> =>
      (stopped ??= (async () => {
        await new Promise<void>((resolve) => {
          server!.close(() => resolve());
          server!.closeAllConnections();
        });
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
      events: (from = 1) => journal.read(from) as Iterable<RecordedEvent>,
      stop,
      [Symbol.asyncDispose]: stop,
    };
  } catch (err) {
    await journal.close().catch(() => undefined);
    if (tempJournal) await rm(tempJournal, { recursive: true, force: true });
    throw err;
  }
}

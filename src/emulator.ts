/**
 * The composition root: startEmulator() resolves the configuration, opens the
 * journal folder into a registry (boot/), builds the engine and its services,
 * and serves the faces over one HTTP server. Only wiring lives here; nothing
 * below imports this file.
 */
import { BlobStore } from './blobs/blob-store.ts';
import { openRegistry } from './boot/open-registry.ts';
import { extractPacks } from './boot/pack-extraction.ts';
import { resolveConfig, type Config } from './config.ts';
import type { RecordedEvent } from './domain/events.ts';
import { BlobReads } from './engine/blob-reads.ts';
import { Engine } from './engine/engine.ts';
import { liveSnapshots } from './engine/snapshots.ts';
import { Uploads } from './engine/uploads.ts';
import { createApp } from './http/app.ts';
import type { FaceDeps } from './http/face-deps.ts';
import { httpServer } from './http/http-server.ts';
import { DEFAULT_LIMITS, type ServerLimits } from './http/server-limits.ts';
import { devAuth, type RegistryAuth } from './http/registry-auth.ts';
import { createTokenAuth, createTokenSigner } from './http/token-auth.ts';
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
  /** Timeouts, body caps and the connection cap (defaults: DEFAULT_LIMITS in http/server-limits.ts). */
  limits?: Partial<ServerLimits>;
  /** How long stop() lets requests in flight finish before it closes their connections (default 10 s). */
  drainMs?: number;
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

/** How often open uploads are checked for expiry (system clock). */
const UPLOAD_SWEEP_MS = 60_000;

/** How long stop() waits for requests in flight by default. */
const DRAIN_MS = 10_000;

/** The upload service, reconciled with the disk, expiring uploads in the background on the system clock. */
async function startUploads(engine: Engine, blobs: BlobStore, ids: IdSource, log: Logger, background: boolean): Promise<Uploads> {
  const uploads = new Uploads(engine, blobs, ids);
  if (engine.readOnly !== undefined) return uploads;
  const { closed, leftovers } = await uploads.reconcile();
  if (closed.length > 0 || leftovers > 0)
    log.warn({ closed, leftovers }, 'uploads reconciled with the disk: closed those whose staged bytes are gone, removed leftovers');
  // a deterministic clock moves only when read: its uploads expire on access and when it is advanced
  if (background) uploads.startExpiry(UPLOAD_SWEEP_MS, (err) => log.warn({ err }, 'upload expiry failed'));
  return uploads;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const { logger, clockSource, idSource, fromSnapshot, fork, at, limits: limitOptions, drainMs = DRAIN_MS, ...flags } = options;
  const limits: ServerLimits = { ...DEFAULT_LIMITS, ...limitOptions };
  const stopping = new AbortController();
  const log = logger === false ? createLogger('silent') : (logger ?? createLogger(flags.logLevel ?? 'info'));
  const registry = await openRegistry({
    dir: flags.journal,
    fsync: flags.fsync ?? resolveConfig({}, {}).fsync,
    fsyncIntervalMs: flags.fsyncIntervalMs ?? resolveConfig({}, {}).fsyncIntervalMs,
    fromSnapshot,
    fork,
    at,
    warn: (msg) => log.warn(msg),
  });
  const config = resolveConfig({ port: 0, ...flags, journal: registry.dir }, {});
  const clock = clockSource ?? (config.clock ? parseClockSpec(config.clock) : systemClock());
  const ids = idSource ?? (config.seed !== undefined ? seededIds(config.seed) : randomIds());
  const engine = new Engine(registry.journal, clock, registry.views, {
    ...(registry.readOnly === undefined ? {} : { readOnly: registry.readOnly }),
    onFatal: (err) => log.error({ err }, 'journal append failed: writes are refused until it can be written, serving what it holds'),
    onResume: () => log.warn('the journal has room again: writes are accepted'),
    recover: () => registry.recover(),
  });
  const blobs = new BlobStore(config.journal, { durable: config.fsync !== 'never' });
  const extraction = extractPacks(blobs, registry.packs, log);
  const snapshots = liveSnapshots(engine, blobs);
  const signer = createTokenSigner(config);
  const auth: RegistryAuth =
    config.auth === 'token'
      ? createTokenAuth({ config, clock, signer })
      : devAuth(config.auth, { account: config.account, region: config.region });

  const uploads = await startUploads(engine, blobs, ids, log, !config.clock && !clockSource);

  let port = config.port;
  const deps: FaceDeps = {
    config,
    engine,
    blobReads: new BlobReads(blobs, (message) => log.error(message)),
    uploads,
    snapshots,
    clock,
    ids,
    log,
    auth,
    signer,
    limits,
    stopping: stopping.signal,
    registryHost: () => config.advertisedHost ?? `localhost:${port}`,
  };
  const server = httpServer(createApp(deps).callback(), limits, log);
  try {
    port = await server.listen(config.port, config.host);
  } catch (err) {
    uploads.stop();
    await extraction.stop();
    await registry.close(engine);
    throw err;
  }
  const hostForUrl = config.host.includes(':') ? `[${config.host}]` : config.host;
  log.info({ port, host: config.host, journal: config.journal, seq: engine.lastSeq, readOnly: engine.readOnly }, 'ecr-rewind listening');
  // A read-only view extracts packed blobs only as they are read: the folder's writer
  // works through (and deletes) its packs.
  if (engine.readOnly === undefined) extraction.run();

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      // stop taking connections, let the requests in flight finish (bounded), then close the rest
      stopping.abort();
      await server.close(drainMs);
      uploads.stop();
      await extraction.stop();
      await blobs.close();
      await registry.close(engine);
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
      await engine.reset(to);
    },
    snapshot: (file) => snapshots.write(file),
    events: (from = 1) => engine.events(from),
    blobsSettled: () => extraction.settled(),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

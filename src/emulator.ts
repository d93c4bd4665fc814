/**
 * The composition root: startEmulator() resolves the configuration, opens the
 * journal folder into a registry (boot/), builds the engine and its services,
 * and serves the faces over one HTTP server. Only wiring lives here; nothing
 * below imports this file.
 */
import { BlobStore } from './blobs/blob-store.ts';
import { openRegistry, type OpenRegistry } from './boot/open-registry.ts';
import { type BlobExtraction, extractPacks } from './boot/pack-extraction.ts';
import { DEFAULTS, registryHostOf, resolveConfig, type Config } from './config.ts';
import type { RecordedEvent } from './domain/events.ts';
import { BlobReads } from './engine/blob-reads.ts';
import { Engine } from './engine/engine.ts';
import { type LiveSnapshots, liveSnapshots } from './engine/snapshots.ts';
import { engineTimeline } from './engine/timeline.ts';
import { Uploads } from './engine/uploads.ts';
import { EventWebhook } from './eventbridge/event-webhook.ts';
import { EventBridgeFeed } from './eventbridge/eventbridge-feed.ts';
import { createApp } from './http/app.ts';
import type { FaceDeps } from './http/face-deps.ts';
import { type HttpServer, httpServer } from './http/http-server.ts';
import { DEFAULT_LIMITS, type ServerLimits } from './http/server-limits.ts';
import { devAuth, type RegistryAuth } from './http/registry-auth.ts';
import { createTokenAuth, createTokenSigner, type TokenSigner } from './http/token-auth.ts';
import { AdvisoryService } from './scanning/advisory-service.ts';
import { Scanner } from './scanning/scanner.ts';
import { SigningKeys } from './signing/signing-keys.ts';
import { SigningWorker } from './signing/signing-worker.ts';
import { parseClockSpec, systemClock, type Clock } from './support/clock.ts';
import { randomIds, seededIds, type IdSource } from './support/ids.ts';
import { createLogger, type Logger } from './support/logger.ts';
import { LifecycleScheduler } from './lifecycle/lifecycle-scheduler.ts';
import { PullThroughCache } from './pull-through/pull-through-cache.ts';
import { UpstreamCredentials } from './pull-through/upstream-credentials.ts';
import { ReplicationWorker } from './replication/replication-worker.ts';

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
  /**
   * Bookmarks the current state; returns its sequence number. An existing name is refused
   * unless `move` is set; so is a name that reads as a position (`end`, digits, an ISO time).
   */
  mark(name: string, opts?: { move?: boolean }): Promise<number>;
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
  /** Resolves when no image scan is queued or running (at once for a read-only view). */
  scansSettled(): Promise<void>;
  stop(): Promise<void>;
}

/** How often uploads past their time are looked for, with the system clock (a recording clock: on access). */
const UPLOAD_SWEEP_MS = 60_000;
/** How long stop() lets requests in flight finish, by default. */
const DRAIN_MS = 10_000;

/** The upload service, reconciled with the disk (uploads whose staged bytes are gone are closed) and expiring. */
async function startUploads(
  engine: Engine,
  blobs: BlobStore,
  ids: IdSource,
  log: Logger,
  background: boolean,
  reads: BlobReads,
): Promise<Uploads> {
  // the blob files it verified as it stored them are not hashed again on their first send
  const uploads = new Uploads(engine, blobs, ids, (digest, size, identity) => reads.verified(digest, size, identity));
  if (engine.readOnly !== undefined) return uploads;
  const { closed, leftovers } = await uploads.reconcile();
  if (closed.length > 0 || leftovers > 0)
    log.warn({ closed, leftovers }, 'uploads reconciled with the disk: closed those whose staged bytes are gone, removed leftovers');
  // a deterministic clock moves only when read: its uploads expire on access and when it is advanced
  if (background) uploads.startExpiry(UPLOAD_SWEEP_MS, (err) => log.warn({ err }, 'upload expiry failed'));
  return uploads;
}

/** The start-up line: where to send requests, and the settings that matter (a read-only view has no fsync). */
function bannerOf(endpoint: string, config: Config, engine: Engine): string {
  const mode = engine.readOnly === undefined ? `fsync ${config.fsync}` : `read-only at seq ${engine.state.seq}`;
  const advertised = config.advertisedHost === undefined ? '' : `, repositories at ${config.advertisedHost}`;
  return `ecr-rewind serving ${endpoint} (journal ${config.journal}, ${mode}, auth ${config.auth}${advertised})`;
}

/** A port that is taken gets a sentence that says which and what to do. */
function listenError(err: unknown, config: Config): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE')
    return Object.assign(new Error(`port ${config.port} on ${config.host} is in use: stop what listens there, or choose another --port`), {
      code,
    });
  if (code === 'EADDRNOTAVAIL' || code === 'EACCES')
    return Object.assign(new Error(`cannot listen on ${config.host}:${config.port} (${code})`), { code });
  return err;
}

/**
 * The work below the faces, off the request path: lifecycle runs, managed signing, replication,
 * pull through cache fetches and the event webhook (a read-only view runs none of them), and
 * the EventBridge feed the admin face streams.
 */
function backgroundWork(engine: Engine, uploads: Uploads, blobs: BlobStore, config: Config, log: Logger) {
  const writable = engine.readOnly === undefined;
  const durable = config.fsync !== 'never';
  const signing = writable
    ? new SigningWorker(engine, uploads, new SigningKeys(config.journal, { seed: config.seed, durable }), log)
    : undefined;
  const lifecycle = writable ? new LifecycleScheduler(engine, { intervalMs: config.lifecycleInterval, log }) : undefined;
  const replication = writable ? new ReplicationWorker(engine, log) : undefined;
  const upstreamCredentials = new UpstreamCredentials(config.upstreamCredentials);
  const pullThrough = writable
    ? new PullThroughCache(engine, uploads, { upstreams: config.upstreams, credentials: upstreamCredentials, log })
    : undefined;
  const eventBridge = new EventBridgeFeed(engine);
  const advisories = new AdvisoryService(engine);
  const scanner = writable ? new Scanner({ engine, blobs, log }) : undefined;
  const webhook =
    writable && config.eventWebhook !== undefined
      ? new EventWebhook(eventBridge, { url: config.eventWebhook, journalDir: config.journal, durable, log })
      : undefined;
  return {
    eventBridge,
    lifecycle,
    advisories,
    scanner,
    replication,
    pullThrough,
    upstreamCredentials,
    async start(): Promise<void> {
      // lifecycle runs and previews due while the server was down are done before it answers
      await lifecycle?.start();
      signing?.start();
      // the --advisories file is recorded when it differs from the journal's list; pending scans resume
      if (writable && config.advisories !== undefined) await advisories.loadFile(config.advisories);
      scanner?.start();
      replication?.start();
      await webhook?.start();
    },
    async stop(): Promise<void> {
      await scanner?.stop();
      await lifecycle?.stop();
      await signing?.stop();
      await replication?.stop();
      await pullThrough?.stop();
      await webhook?.stop();
      eventBridge.close();
    },
  };
}

interface Running {
  config: Config;
  endpoint: string;
  registryHost: string;
  port: number;
  engine: Engine;
  clock: Clock;
  server: HttpServer;
  drainMs: number;
  stopping: AbortController;
  uploads: Uploads;
  background: { stop(): Promise<void> };
  timeline: { close(): void };
  extraction: BlobExtraction;
  blobs: BlobStore;
  snapshots: LiveSnapshots;
  registry: OpenRegistry;
  scanner: { idle(): Promise<void> } | undefined;
}

/** The running emulator as its users hold it, and its one way to stop (in the reverse order of start). */
function handleOf(r: Running): Emulator {
  const { engine, server, extraction } = r;
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      // stop taking connections, let the requests in flight finish (bounded), then close the rest
      r.stopping.abort();
      await server.close(r.drainMs);
      await r.background.stop();
      r.uploads.stop();
      r.timeline.close();
      await extraction.stop();
      await r.blobs.close();
      await r.registry.close(engine);
    })());
  return {
    config: r.config,
    endpoint: r.endpoint,
    registryHost: r.registryHost,
    port: r.port,
    engine,
    clock: r.clock,
    mark: (name, opts) => engine.mark(name, opts),
    reset: async (to) => {
      await engine.reset(to);
    },
    snapshot: (file) => r.snapshots.write(file),
    events: (from = 1) => engine.events(from),
    blobsSettled: () => extraction.settled(),
    scansSettled: () => r.scanner?.idle() ?? Promise.resolve(),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/** The journal folder opened into a registry, the configuration, and the engine over it. */
async function openEngine(options: EmulatorOptions, log: Logger) {
  const { clockSource, idSource, fromSnapshot, fork, at, logger: _logger, ...flags } = options;
  const registry = await openRegistry({
    dir: flags.journal,
    fsync: flags.fsync ?? DEFAULTS.fsync,
    fsyncIntervalMs: flags.fsyncIntervalMs ?? DEFAULTS.fsyncIntervalMs,
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
    onFatal: (err) => log.fatal({ err }, 'journal append failed: refusing further writes, serving what the journal holds'),
    onResume: () => log.warn('the journal has room again: writes are accepted'),
    recover: () => registry.recover(),
  });
  return { registry, config, clock, ids, engine };
}

/** The logger of a start, from options checked before anything is opened or created (a bad option changes nothing). */
function loggerFor(options: EmulatorOptions): Logger {
  const { logger, clockSource: _c, idSource: _i, fromSnapshot: _s, fork: _f, at: _a, limits: _l, drainMs: _d, ...flags } = options;
  const checked = resolveConfig({ port: 0, ...flags }, {});
  return logger === false ? createLogger('silent') : (logger ?? createLogger(checked.logLevel, { format: checked.logFormat }));
}

/** Who a /v2 request acts as: ECR tokens, or the dev modes. */
const registryAuthOf = (config: Config, clock: Clock, signer: TokenSigner): RegistryAuth =>
  config.auth === 'token'
    ? createTokenAuth({ config, clock, signer })
    : devAuth(config.auth, { account: config.account, region: config.region });

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const { clockSource, limits: limitOptions, drainMs = DRAIN_MS } = options;
  const limits: ServerLimits = { ...DEFAULT_LIMITS, ...limitOptions };
  const stopping = new AbortController();
  const log = loggerFor(options);
  const { registry, config, clock, ids, engine } = await openEngine(options, log);
  const blobs = new BlobStore(config.journal, { durable: config.fsync !== 'never' });
  const extraction = extractPacks(blobs, registry.packs, log);
  const snapshots = liveSnapshots(engine, blobs);
  const timeline = engineTimeline(engine);
  const signer = createTokenSigner(config);
  const auth = registryAuthOf(config, clock, signer);

  const blobReads = new BlobReads(blobs, (message) => log.error(message));
  const uploads = await startUploads(engine, blobs, ids, log, !config.clock && !clockSource, blobReads);
  const background = backgroundWork(engine, uploads, blobs, config, log);
  const { eventBridge, lifecycle, advisories, scanner, pullThrough, upstreamCredentials } = background;

  let port = config.port;
  const deps: FaceDeps = {
    config,
    engine,
    blobReads,
    uploads,
    eventBridge,
    snapshots,
    timeline,
    clock,
    ids,
    log,
    auth,
    signer,
    lifecycle,
    advisories,
    pullThrough,
    upstreamCredentials,
    limits,
    stopping: stopping.signal,
    registryHost: () => config.advertisedHost ?? registryHostOf(config.host, port),
  };
  const server = httpServer(createApp(deps), limits, log);
  try {
    await background.start();
    port = await server.listen(config.port, config.host);
  } catch (err) {
    await background.stop();
    uploads.stop();
    await extraction.stop();
    await blobs.close();
    await registry.abandon();
    throw listenError(err, config);
  }
  const reachAt = registryHostOf(config.host, port);
  const endpoint = `http://${reachAt}`;
  const serving = {
    endpoint,
    port,
    host: config.host,
    journal: config.journal,
    seq: engine.lastSeq,
    readOnly: engine.readOnly !== undefined,
  };
  log.info({ serving }, bannerOf(endpoint, config, engine));
  // A read-only view extracts packed blobs only as they are read: the folder's writer
  // works through (and deletes) its packs.
  if (engine.readOnly === undefined) extraction.run();

  return handleOf({
    config,
    endpoint,
    registryHost: reachAt,
    port,
    engine,
    clock,
    server,
    drainMs,
    stopping,
    uploads,
    background,
    timeline,
    extraction,
    blobs,
    snapshots,
    registry,
    scanner,
  });
}

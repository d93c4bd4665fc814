/** What each HTTP face is given by the composition root (emulator.ts). */
import type { Config } from '../config.ts';
import type { BlobReads } from '../engine/blob-reads.ts';
import type { Engine } from '../engine/engine.ts';
import type { LiveSnapshots } from '../engine/snapshots.ts';
import type { Uploads } from '../engine/uploads.ts';
import type { Timeline } from '../replay/index.ts';
import type { Clock } from '../support/clock.ts';
import type { IdSource } from '../support/ids.ts';
import type { Logger } from '../support/logger.ts';
import type { LifecycleScheduler } from '../lifecycle/lifecycle-scheduler.ts';
import type { PullThroughCache } from '../pull-through/pull-through-cache.ts';
import type { UpstreamCredentials } from '../pull-through/upstream-credentials.ts';
import type { RegistryAuth } from './registry-auth.ts';
import type { ServerLimits } from './server-limits.ts';
import type { TokenSigner } from './token-auth.ts';

/** What the admin face reads of the EventBridge feed (src/eventbridge/eventbridge-feed.ts). */
export interface EventBridgeEvents {
  readonly durableSeq: number;
  events(from: number, opts: { follow?: boolean; signal?: AbortSignal }): AsyncIterable<unknown>;
}

export interface FaceDeps {
  readonly config: Config;
  readonly engine: Engine;
  /** The bytes of stored blobs, verified. */
  readonly blobReads: BlobReads;
  /** The one way bytes enter the registry (both faces). */
  readonly uploads: Uploads;
  readonly clock: Clock;
  readonly ids: IdSource;
  readonly log: Logger;
  readonly auth: RegistryAuth;
  /** Signs and checks the tokens GetAuthorizationToken hands out (and layer download tickets). */
  readonly signer: TokenSigner;
  /** The inspector's index of the journal (built on first use). */
  readonly timeline: Timeline;
  /** Snapshot files of the live registry. */
  readonly snapshots: LiveSnapshots;
  /** ECR's EventBridge events of the journal (GET /_rewind/eventbridge; src/eventbridge/). */
  readonly eventBridge: EventBridgeEvents;
  /** Runs lifecycle policies and previews (absent in a read-only view). */
  readonly lifecycle?: LifecycleScheduler | undefined;
  /** The advisory list image scans match against (src/scanning/advisory-service.ts). */
  readonly advisories: AdvisoryInput;
  /** Fetches images a pull through cache rule covers from their upstream (absent in a read-only view). */
  readonly pullThrough?: PullThroughCache | undefined;
  /** Upstream registry credentials by secret ARN (in memory only). */
  readonly upstreamCredentials: UpstreamCredentials;
  /** Timeouts, body caps and connection limits (server-limits.ts). */
  readonly limits: ServerLimits;
  /** Aborted when the emulator stops: long-lived answers (event streams) end. */
  readonly stopping: AbortSignal;
  /** host[:port] clients push to: repository URIs and proxyEndpoint use it. */
  registryHost(): string;
}

/** Replaces the advisory list: validates `doc`, records it; bad input throws DomainFailure (InvalidParameter). */
export interface AdvisoryInput {
  put(doc: unknown): Promise<{ advisories: number; updatedAt: number; seq: number; rescans: number }>;
}

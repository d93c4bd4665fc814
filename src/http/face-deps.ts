/** What each HTTP face is given by the composition root (emulator.ts). */
import type { Config } from '../config.ts';
import type { BlobReads } from '../engine/blob-reads.ts';
import type { Engine } from '../engine/engine.ts';
import type { LiveSnapshots } from '../engine/snapshots.ts';
import type { Uploads } from '../engine/uploads.ts';
import type { Clock } from '../support/clock.ts';
import type { IdSource } from '../support/ids.ts';
import type { Logger } from '../support/logger.ts';
import type { RegistryAuth } from './registry-auth.ts';
import type { ServerLimits } from './server-limits.ts';
import type { TokenSigner } from './token-auth.ts';

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
  /** Snapshot files of the live registry. */
  readonly snapshots: LiveSnapshots;
  /** Timeouts, body caps and connection limits (server-limits.ts). */
  readonly limits: ServerLimits;
  /** Aborted when the emulator stops: long-lived answers (event streams) end. */
  readonly stopping: AbortSignal;
  /** host[:port] clients push to: repository URIs and proxyEndpoint use it. */
  registryHost(): string;
}

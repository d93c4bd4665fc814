/** What each HTTP face is given by the composition root (emulator.ts). */
import type { BlobStore } from '../blobs/blob-store.ts';
import type { UploadStaging } from '../blobs/upload-staging.ts';
import type { Config } from '../config.ts';
import type { Engine } from '../engine/engine.ts';
import type { Clock } from '../support/clock.ts';
import type { IdSource } from '../support/ids.ts';
import type { Logger } from '../support/logger.ts';
import type { LifecycleScheduler } from '../lifecycle/lifecycle-scheduler.ts';
import type { RegistryAuth } from './registry-auth.ts';

export interface FaceDeps {
  readonly config: Config;
  readonly engine: Engine;
  readonly blobs: BlobStore;
  readonly staging: UploadStaging;
  readonly clock: Clock;
  readonly ids: IdSource;
  readonly log: Logger;
  readonly auth: RegistryAuth;
  /** Runs lifecycle policies and previews (absent in a read-only view). */
  readonly lifecycle?: LifecycleScheduler | undefined;
  /** host[:port] clients push to: repository URIs and proxyEndpoint use it. */
  registryHost(): string;
}

/** What each HTTP face is given by the composition root (emulator.ts). */
import type { BlobStore } from '../blobs/blob-store.ts';
import type { UploadStaging } from '../blobs/upload-staging.ts';
import type { Config } from '../config.ts';
import type { Engine } from '../engine/engine.ts';
import type { Clock } from '../support/clock.ts';
import type { IdSource } from '../support/ids.ts';
import type { Logger } from '../support/logger.ts';
import type { Timeline } from '../replay/timeline.ts';
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
  /** The inspector's index of the journal (built on first use). */
  readonly timeline: Timeline;
  /** host[:port] clients push to: repository URIs and proxyEndpoint use it. */
  registryHost(): string;
}

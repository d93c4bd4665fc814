/** The schema version writers use for each event type; readers upcast older ones (upcasters.ts). */
import type { CoreEventMap, EventType } from './events.ts';
import { SCANNING_EVENT_VERSIONS } from './scanning/scanning-event-factories.ts';
import { SETTINGS_EVENT_VERSIONS } from './settings/settings-event-factories.ts';
import { SIGNING_EVENT_VERSIONS } from './signing/signing-event-factories.ts';
import { LIFECYCLE_EVENT_VERSIONS } from './lifecycle/lifecycle-event-factories.ts';
import { CLOCK_EVENT_VERSIONS } from './clock/clock.ts';
import { REPLICATION_EVENT_VERSIONS } from './replication/replication-event-factories.ts';
import { PULL_THROUGH_EVENT_VERSIONS } from './pull-through/pull-through-event-factories.ts';

const CORE_EVENT_VERSIONS: { [K in keyof CoreEventMap]: number } = {
  RepositoryCreated: 1,
  RepositoryDeleted: 1,
  UploadStarted: 1,
  ChunkAppended: 1,
  UploadCompleted: 1,
  UploadCancelled: 1,
  UploadExpired: 1,
  BlobMounted: 1,
  BlobDeleted: 1,
  ManifestPut: 1,
  TagPut: 1,
  TagDeleted: 1,
  ImageDeleted: 1,
  ImagePulled: 1,
  MarkSet: 1,
  Rewound: 1,
};

export const EVENT_VERSIONS: { readonly [K in EventType]: number } = {
  ...CORE_EVENT_VERSIONS,
  ...SETTINGS_EVENT_VERSIONS,
  ...SIGNING_EVENT_VERSIONS,
  ...LIFECYCLE_EVENT_VERSIONS,
  ...CLOCK_EVENT_VERSIONS,
  ...SCANNING_EVENT_VERSIONS,
  ...REPLICATION_EVENT_VERSIONS,
  ...PULL_THROUGH_EVENT_VERSIONS,
};

/** Every event type this build knows: journal readers refuse others, naming where they are. */
export const EVENT_TYPES: ReadonlySet<string> = new Set(Object.keys(EVENT_VERSIONS));

/**
 * The events of ecr-rewind: past-tense facts, one closed union. They are the
 * public, versioned format of the journal: a change of shape gets a new version
 * in EVENT_VERSIONS and an upcaster (upcasters.ts), never a silent edit.
 *
 * Each event is built by the one factory of its type (the `events` object), so
 * the keys of its data are always in the same order and the same event always
 * encodes to the same bytes.
 */
import type { ScanningEventMap } from './scanning/scanning-events.ts';
import type { SettingsEventMap } from './settings/settings-events.ts';
import type { SigningEventMap } from './signing/signing-events.ts';
import type { LifecycleEventMap } from './lifecycle/lifecycle-events.ts';
import type { ClockEventMap } from './clock/clock-events.ts';
import type { ReplicationEventMap } from './replication/replication-events.ts';
import type { PullThroughEventMap } from './pull-through/pull-through-events.ts';

/** Why a repository was created (RepositoryCreated): 'replication' and 'pull-through-cache' came with those features (same version). */
export type RepositoryCause = 'api' | 'push' | 'replication' | 'pull-through-cache';

/** Where a repository lives: ECR account and region, and its name. */
export interface RepoRef {
  account: string;
  region: string;
  repository: string;
}

export interface CoreEventMap {
  RepositoryCreated: RepoRef & {
    imageTagMutability: string;
    imageTagMutabilityExclusionFilters: { filterType: string; filter: string }[];
    scanOnPush: boolean;
    encryptionType: string;
    kmsKey: string | null;
    resourceTags: { Key: string; Value: string }[];
    /** 'api' (CreateRepository), 'push' (created on push by a template), or created by ECR for a replication or a pull through cache. */
    cause: RepositoryCause;
  };
  RepositoryDeleted: RepoRef;
  UploadStarted: RepoRef & { uploadId: string; via: 'oci' | 'ecr' };
  /** `length` bytes were staged for the upload at `offset`; `part` is ECR's part number (0 for /v2). */
  ChunkAppended: { uploadId: string; offset: number; length: number; part: number };
  /** The staged bytes were verified and moved into the blob store, and linked into the upload's repository. */
  UploadCompleted: { uploadId: string; digest: string; size: number };
  UploadCancelled: { uploadId: string };
  /**
   * An open upload was closed by the registry, its staged bytes dropped: `ttl` when it was older
   * than UPLOAD_TTL_MS on the registry's clock, `staged-bytes-missing` when the bytes the journal
   * vouches for were no longer staged (found at start-up or on access). Clients start again.
   */
  UploadExpired: { uploadId: string; reason: 'ttl' | 'staged-bytes-missing' };
  /** A blob already in the store was linked into a repository (cross-repository mount). */
  BlobMounted: RepoRef & { digest: string; size: number; from: string | null };
  BlobDeleted: RepoRef & { digest: string };
  ManifestPut: RepoRef & {
    digest: string;
    mediaType: string;
    bytes: Uint8Array;
    size: number;
    blobs: string[];
    manifests: string[];
    subject: string | null;
    artifactType: string | null;
    configMediaType: string | null;
  };
  /** A tag now points at `digest`; `previous` is the digest it pointed at, if it moved. */
  TagPut: RepoRef & { tag: string; digest: string; previous: string | null };
  TagDeleted: RepoRef & { tag: string; digest: string };
  /** The manifest and every tag pointing at it are gone from the repository. */
  ImageDeleted: RepoRef & { digest: string };
  /** Pull bookkeeping (lastRecordedPullTime), at most once per image per refresh interval. */
  ImagePulled: RepoRef & { digest: string };
  /** A bookmark of the sequence number `at` (the live state then). */
  MarkSet: { name: string; at: number };
  /** The live registry was brought back to the state it had after event `to`. */
  Rewound: { to: number; mark: string | null };
}

export type EventMap = CoreEventMap &
  SettingsEventMap &
  SigningEventMap &
  LifecycleEventMap &
  ClockEventMap &
  ScanningEventMap &
  ReplicationEventMap &
  PullThroughEventMap;
export type EventType = keyof EventMap;

export type DomainEvent = { [K in EventType]: { type: K; data: EventMap[K] } }[EventType];
export type EventOf<K extends EventType> = { type: K; data: EventMap[K] };

/** An event as stored: envelope + data. */
export type RecordedEvent = DomainEvent & { seq: number; v: number; time: number };

const ref = (r: RepoRef): RepoRef => ({ account: r.account, region: r.region, repository: r.repository });

// The factories spell the repository fields out instead of `{ ...ref(d), more }`: in Node 20,
// properties after an object spread take V8's slow path (about 1 µs each; 15 µs for ManifestPut).

export const coreEvents = {
  RepositoryCreated: (d: EventMap['RepositoryCreated']): EventOf<'RepositoryCreated'> => ({
    type: 'RepositoryCreated',
    data: {
      account: d.account,
      region: d.region,
      repository: d.repository,
      imageTagMutability: d.imageTagMutability,
      imageTagMutabilityExclusionFilters: d.imageTagMutabilityExclusionFilters.map((f) => ({
        filterType: f.filterType,
        filter: f.filter,
      })),
      scanOnPush: d.scanOnPush,
      encryptionType: d.encryptionType,
      kmsKey: d.kmsKey,
      resourceTags: d.resourceTags.map((t) => ({ Key: t.Key, Value: t.Value })),
      cause: d.cause,
    },
  }),
  RepositoryDeleted: (d: RepoRef): EventOf<'RepositoryDeleted'> => ({ type: 'RepositoryDeleted', data: ref(d) }),
  UploadStarted: (d: EventMap['UploadStarted']): EventOf<'UploadStarted'> => ({
    type: 'UploadStarted',
    data: { account: d.account, region: d.region, repository: d.repository, uploadId: d.uploadId, via: d.via },
  }),
  ChunkAppended: (d: EventMap['ChunkAppended']): EventOf<'ChunkAppended'> => ({
    type: 'ChunkAppended',
    data: { uploadId: d.uploadId, offset: d.offset, length: d.length, part: d.part },
  }),
  UploadCompleted: (d: EventMap['UploadCompleted']): EventOf<'UploadCompleted'> => ({
    type: 'UploadCompleted',
    data: { uploadId: d.uploadId, digest: d.digest, size: d.size },
  }),
  UploadCancelled: (d: EventMap['UploadCancelled']): EventOf<'UploadCancelled'> => ({
    type: 'UploadCancelled',
    data: { uploadId: d.uploadId },
  }),
  UploadExpired: (d: EventMap['UploadExpired']): EventOf<'UploadExpired'> => ({
    type: 'UploadExpired',
    data: { uploadId: d.uploadId, reason: d.reason },
  }),
  BlobMounted: (d: EventMap['BlobMounted']): EventOf<'BlobMounted'> => ({
    type: 'BlobMounted',
    data: { account: d.account, region: d.region, repository: d.repository, digest: d.digest, size: d.size, from: d.from },
  }),
  BlobDeleted: (d: EventMap['BlobDeleted']): EventOf<'BlobDeleted'> => ({
    type: 'BlobDeleted',
    data: { account: d.account, region: d.region, repository: d.repository, digest: d.digest },
  }),
  ManifestPut: (d: EventMap['ManifestPut']): EventOf<'ManifestPut'> => ({
    type: 'ManifestPut',
    data: {
      account: d.account,
      region: d.region,
      repository: d.repository,
      digest: d.digest,
      mediaType: d.mediaType,
      bytes: d.bytes,
      size: d.size,
      blobs: [...d.blobs],
      manifests: [...d.manifests],
      subject: d.subject,
      artifactType: d.artifactType,
      configMediaType: d.configMediaType,
    },
  }),
  TagPut: (d: EventMap['TagPut']): EventOf<'TagPut'> => ({
    type: 'TagPut',
    data: { account: d.account, region: d.region, repository: d.repository, tag: d.tag, digest: d.digest, previous: d.previous },
  }),
  TagDeleted: (d: EventMap['TagDeleted']): EventOf<'TagDeleted'> => ({
    type: 'TagDeleted',
    data: { account: d.account, region: d.region, repository: d.repository, tag: d.tag, digest: d.digest },
  }),
  ImageDeleted: (d: EventMap['ImageDeleted']): EventOf<'ImageDeleted'> => ({
    type: 'ImageDeleted',
    data: { account: d.account, region: d.region, repository: d.repository, digest: d.digest },
  }),
  ImagePulled: (d: EventMap['ImagePulled']): EventOf<'ImagePulled'> => ({
    type: 'ImagePulled',
    data: { account: d.account, region: d.region, repository: d.repository, digest: d.digest },
  }),
  MarkSet: (d: EventMap['MarkSet']): EventOf<'MarkSet'> => ({ type: 'MarkSet', data: { name: d.name, at: d.at } }),
  Rewound: (d: EventMap['Rewound']): EventOf<'Rewound'> => ({ type: 'Rewound', data: { to: d.to, mark: d.mark } }),
} as const;

/** The repository settings a RepositoryCreated carries (a repository's, a template's, a request's). */
export interface CreatedSettings {
  imageTagMutability: string;
  imageTagMutabilityExclusionFilters: { filterType: string; filter: string }[];
  scanOnPush: boolean;
  encryptionType: string;
  kmsKey?: string | undefined;
  resourceTags: { Key: string; Value: string }[];
}

/** RepositoryCreated for `ref` with these settings (decide, create-on-push and compaction build it alike). */
export const repositoryCreated = (ref: RepoRef, s: CreatedSettings, cause: RepositoryCause): EventOf<'RepositoryCreated'> =>
  coreEvents.RepositoryCreated({
    account: ref.account,
    region: ref.region,
    repository: ref.repository,
    imageTagMutability: s.imageTagMutability,
    imageTagMutabilityExclusionFilters: s.imageTagMutabilityExclusionFilters,
    scanOnPush: s.scanOnPush,
    encryptionType: s.encryptionType,
    kmsKey: s.kmsKey ?? null,
    resourceTags: s.resourceTags,
    cause,
  });

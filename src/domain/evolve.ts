/**
 * evolve(state, event) -> state. Synchronous and deterministic; for replay
 * speed it updates the state it is given in place and returns it (the state
 * belongs to its projection; marks keep clones).
 */
import type { RecordedEvent, RepoRef } from './events.ts';
import { repoKey } from './scope.ts';
import { evolveSettings } from './settings/settings-evolve.ts';
import type { RegistryState, Repository } from './state.ts';

const repoOf = (state: RegistryState, r: RepoRef): Repository | undefined => state.repos.get(repoKey(r, r.repository));

function unlinkReferrer(repo: Repository, subject: string | undefined, digest: string): void {
  if (subject === undefined) return;
  const list = repo.referrers.get(subject);
  if (!list) return;
  const rest = list.filter((d) => d !== digest);
  if (rest.length === 0) repo.referrers.delete(subject);
  else repo.referrers.set(subject, rest);
}

export function evolve(state: RegistryState, e: RecordedEvent): RegistryState {
  state.seq = e.seq;
  switch (e.type) {
    case 'RepositoryCreated': {
      const d = e.data;
      state.repos.set(repoKey(d, d.repository), {
        account: d.account,
        region: d.region,
        name: d.repository,
        createdAt: e.time,
        blobs: new Map(),
        images: new Map(),
        tags: new Map(),
        referrers: new Map(),
        settings: {
          imageTagMutability: d.imageTagMutability,
          imageTagMutabilityExclusionFilters: d.imageTagMutabilityExclusionFilters,
          scanOnPush: d.scanOnPush,
          encryptionType: d.encryptionType,
          ...(d.kmsKey === null ? {} : { kmsKey: d.kmsKey }),
          resourceTags: d.resourceTags,
        },
      });
      return state;
    }
    case 'RepositoryDeleted': {
      const key = repoKey(e.data, e.data.repository);
      state.repos.delete(key);
      for (const [id, u] of state.uploads) if (u.repo === key) state.uploads.delete(id);
      return state;
    }
    case 'UploadStarted':
      state.uploads.set(e.data.uploadId, {
        id: e.data.uploadId,
        repo: repoKey(e.data, e.data.repository),
        startedAt: e.time,
        offset: 0,
        via: e.data.via,
        lastPart: 0,
      });
      return state;
    case 'ChunkAppended': {
      const u = state.uploads.get(e.data.uploadId);
      if (u) {
        u.offset = e.data.offset + e.data.length;
        if (e.data.part > 0) {
          u.lastPart = e.data.part;
          u.lastPartLength = e.data.length;
        }
      }
      return state;
    }
    case 'UploadCompleted': {
      const u = state.uploads.get(e.data.uploadId);
      state.blobs.set(e.data.digest, e.data.size);
      if (u) {
        state.uploads.delete(u.id);
        state.repos.get(u.repo)?.blobs.set(e.data.digest, e.data.size);
      }
      return state;
    }
    case 'UploadCancelled':
      state.uploads.delete(e.data.uploadId);
      return state;
    case 'BlobMounted':
      repoOf(state, e.data)?.blobs.set(e.data.digest, e.data.size);
      return state;
    case 'BlobDeleted':
      repoOf(state, e.data)?.blobs.delete(e.data.digest);
      return state;
    case 'ManifestPut': {
      const d = e.data;
      const repo = repoOf(state, d);
      if (!repo) return state;
      repo.images.set(d.digest, {
        digest: d.digest,
        mediaType: d.mediaType,
        bytes: d.bytes,
        pushedAt: e.time,
        size: d.size,
        blobs: d.blobs,
        manifests: d.manifests,
        storageClass: 'STANDARD',
        // optional fields last: properties after a spread take V8's slow path
        ...(d.subject === null ? {} : { subject: d.subject }),
        ...(d.artifactType === null ? {} : { artifactType: d.artifactType }),
        ...(d.configMediaType === null ? {} : { configMediaType: d.configMediaType }),
      });
      if (d.subject !== null) {
        const list = repo.referrers.get(d.subject);
        if (list) list.push(d.digest);
        else repo.referrers.set(d.subject, [d.digest]);
      }
      return state;
    }
    case 'TagPut':
      repoOf(state, e.data)?.tags.set(e.data.tag, e.data.digest);
      return state;
    case 'TagDeleted':
      repoOf(state, e.data)?.tags.delete(e.data.tag);
      return state;
    case 'ImageDeleted': {
      const repo = repoOf(state, e.data);
      if (!repo) return state;
      const image = repo.images.get(e.data.digest);
      repo.images.delete(e.data.digest);
      for (const [tag, digest] of repo.tags) if (digest === e.data.digest) repo.tags.delete(tag);
      unlinkReferrer(repo, image?.subject, e.data.digest);
      return state;
    }
    case 'ImagePulled': {
      const image = repoOf(state, e.data)?.images.get(e.data.digest);
      if (image) image.lastPulledAt = e.time;
      return state;
    }
    case 'MarkSet':
    case 'Rewound':
      // Marks live in their own projection; a rewind is applied by the replayer,
      // which swaps in the state as it was after event `to`.
      return state;
    default:
      return evolveSettings(state, e);
  }
}

/** Folds repository, upload and blob events into the registry state (in place). */
import { MIN_ECR_LAYER_PART } from '../deciders/uploads.ts';
import type { EvolverTable } from '../decision.ts';
import { DigestSizes } from '../digest-sizes.ts';
import type { RecordedEvent } from '../events.ts';
import { newTags } from '../repository-tags.ts';
import { repoKey } from '../scope.ts';

type RepositoryEvent = Extract<
  RecordedEvent,
  {
    type:
      | 'RepositoryCreated'
      | 'RepositoryDeleted'
      | 'UploadStarted'
      | 'ChunkAppended'
      | 'UploadCompleted'
      | 'UploadCancelled'
      | 'UploadExpired'
      | 'BlobMounted'
      | 'BlobDeleted';
  }
>;

export const repositoryEvolvers: EvolverTable<RepositoryEvent> = {
  RepositoryCreated(state, e) {
    const d = e.data;
    const { tags, tagsByDigest } = newTags();
    state.repos.set(repoKey(d, d.repository), {
      account: d.account,
      region: d.region,
      name: d.repository,
      createdAt: e.time,
      blobs: new DigestSizes(),
      images: new Map(),
      tags,
      tagsByDigest,
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
  },

  RepositoryDeleted(state, e) {
    const key = repoKey(e.data, e.data.repository);
    state.repos.delete(key);
    for (const [id, u] of state.uploads) if (u.repo === key) state.uploads.delete(id);
  },

  UploadStarted(state, e) {
    state.uploads.set(e.data.uploadId, {
      id: e.data.uploadId,
      repo: repoKey(e.data, e.data.repository),
      startedAt: e.time,
      offset: 0,
      via: e.data.via,
      lastPart: 0,
    });
  },

  ChunkAppended(state, e) {
    const u = state.uploads.get(e.data.uploadId);
    if (!u) return;
    u.offset = e.data.offset + e.data.length;
    if (e.data.part > 0) {
      // a new ECR part proves the previous one was not the last: it had to be 5 MiB at least
      if (u.smallPart === undefined && u.lastPart > 0 && (u.lastPartLength ?? 0) < MIN_ECR_LAYER_PART)
        u.smallPart = { part: u.lastPart, length: u.lastPartLength ?? 0 };
      u.lastPart = e.data.part;
      u.lastPartLength = e.data.length;
    }
  },

  UploadCompleted(state, e) {
    const u = state.uploads.get(e.data.uploadId);
    state.blobs.set(e.data.digest, e.data.size);
    if (!u) return;
    state.uploads.delete(u.id);
    state.repos.get(u.repo)?.blobs.set(e.data.digest, e.data.size);
  },

  UploadCancelled(state, e) {
    state.uploads.delete(e.data.uploadId);
  },

  UploadExpired(state, e) {
    state.uploads.delete(e.data.uploadId);
  },

  BlobMounted(state, e) {
    state.repos.get(repoKey(e.data, e.data.repository))?.blobs.set(e.data.digest, e.data.size);
  },

  BlobDeleted(state, e) {
    state.repos.get(repoKey(e.data, e.data.repository))?.blobs.delete(e.data.digest);
  },
};

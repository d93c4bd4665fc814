/** Folds manifest, tag and pull events into the registry state (in place). */
import type { EvolverTable } from '../decision.ts';
import type { RecordedEvent, RepoRef } from '../events.ts';
import { deleteTag, deleteTagsOf, putTag } from '../repository-tags.ts';
import { repoKey } from '../scope.ts';
import type { RegistryState, Repository } from '../state.ts';

type ImageEvent = Extract<
  RecordedEvent,
  { type: 'ManifestPut' | 'TagPut' | 'TagDeleted' | 'ImageDeleted' | 'ImagePulled' | 'MarkSet' | 'Rewound' }
>;

const repoOf = (state: RegistryState, r: RepoRef): Repository | undefined => state.repos.get(repoKey(r, r.repository));

function unlinkReferrer(repo: Repository, subject: string | undefined, digest: string): void {
  if (subject === undefined) return;
  const list = repo.referrers.get(subject);
  if (!list) return;
  const rest = list.filter((d) => d !== digest);
  if (rest.length === 0) repo.referrers.delete(subject);
  else repo.referrers.set(subject, rest);
}

export const imageEvolvers: EvolverTable<ImageEvent> = {
  ManifestPut(state, e) {
    const d = e.data;
    const repo = repoOf(state, d);
    if (!repo) return;
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
  },

  TagPut(state, e) {
    const repo = repoOf(state, e.data);
    if (repo) putTag(repo, e.data.tag, e.data.digest);
  },

  TagDeleted(state, e) {
    const repo = repoOf(state, e.data);
    if (repo) deleteTag(repo, e.data.tag);
  },

  ImageDeleted(state, e) {
    const repo = repoOf(state, e.data);
    if (!repo) return;
    const image = repo.images.get(e.data.digest);
    repo.images.delete(e.data.digest);
    deleteTagsOf(repo, e.data.digest);
    unlinkReferrer(repo, image?.subject, e.data.digest);
  },

  ImagePulled(state, e) {
    const image = repoOf(state, e.data)?.images.get(e.data.digest);
    if (image) image.lastPulledAt = e.time;
  },

  // Marks live in their own projection, and a rewind swaps the whole state: both
  // are applied by the projections' fold (projections/fold.ts), not here.
  MarkSet() {},
  Rewound() {},
};

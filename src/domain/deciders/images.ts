/** Manifests and tags: pushing an image, deleting tags and images, recording pulls. */
import type { CoreCommand, DecideContext } from '../commands.ts';
import { findRepository, isError, no, ok, refOf, repositoryNotFound, type DeciderTable, type Decision } from '../decision.ts';
import { domainError } from '../errors.ts';
import { coreEvents as ev, type DomainEvent, type RepoRef } from '../events.ts';
import { isForeign, type ParsedManifest } from '../manifest.ts';
import { replicationOnPush } from '../replication/replication-rules.ts';
import { tagsOf } from '../repository-tags.ts';
import { pushTarget } from '../settings/create-on-push.ts';
import { settingsEvents } from '../settings/settings-event-factories.ts';
import { defaultRepoSettings } from '../settings/settings-state.ts';
import { signingOnPush } from '../signing/signing-rules.ts';
import type { RegistryState, Repository } from '../state.ts';
import { isTagImmutable } from '../tag-filter.ts';
import { scansOnPush } from '../scanning/scanning-decide.ts';

/** ECR's quota of tags on one image. */
export const MAX_TAGS_PER_IMAGE = 1000;

type ImageCommand = Extract<CoreCommand, { type: 'PutManifest' | 'DeleteTag' | 'DeleteImage' | 'RecordPull' }>;
type PutManifest = Extract<CoreCommand, { type: 'PutManifest' }>;

/** The blobs and child manifests a manifest references must be in the repository already. */
function missingReferences(c: PutManifest, repo: Repository | undefined): Decision | undefined {
  const m = c.manifest;
  const missingBlobs = m.blobs.filter((b) => !isForeign(b) && !repo?.blobs.has(b.digest)).map((b) => b.digest);
  if (missingBlobs.length > 0)
    return no(
      domainError(
        'LayersNotFound',
        `Layers with digests [${missingBlobs.join(', ')}] required for pushing image into repository with name '${c.repository}' in the registry with id '${c.scope.account}' do not exist`,
        { digests: missingBlobs },
      ),
    );
  // a descriptor's size is the size of what it names, as registries check
  for (const b of m.blobs) {
    const size = isForeign(b) ? undefined : repo?.blobs.get(b.digest);
    if (size !== undefined && size !== b.size)
      return no(
        domainError('ManifestInvalid', `the manifest says blob ${b.digest} is ${b.size} bytes; it is ${size} bytes`, {
          digest: b.digest,
        }),
      );
  }
  const missingChildren = m.manifests.filter((d) => !repo?.images.has(d.digest)).map((d) => d.digest);
  if (missingChildren.length > 0)
    return no(
      domainError(
        'ReferencedImagesNotFound',
        `Manifests with digests [${missingChildren.join(', ')}] referenced by the manifest list do not exist in repository '${c.repository}'`,
        { digests: missingChildren },
      ),
    );
  for (const d of m.manifests) {
    const size = repo?.images.get(d.digest)?.bytes.byteLength;
    if (size !== undefined && size !== d.size)
      return no(
        domainError('ManifestInvalid', `the index says manifest ${d.digest} is ${d.size} bytes; it is ${size} bytes`, { digest: d.digest }),
      );
  }
  return undefined;
}

function putManifest(state: RegistryState, c: PutManifest, ctx: DecideContext): Decision {
  const target = pushTarget(state, c.scope, c.repository, ctx);
  if (isError(target)) return no(target);
  const repo = target.repo;
  const missing = missingReferences(c, repo);
  if (missing) return missing;
  const m = c.manifest;
  const ref = refOf(c.scope, c.repository);
  const events: DomainEvent[] = [...target.created];
  const exists = repo?.images.has(c.digest) ?? false;
  const current = c.tag === null ? undefined : repo?.tags.get(c.tag);
  // "The image can be restored as an active image ... by re-pushing the image to the
  // repository" (ECR user guide, "Archiving an image").
  if (repo?.images.get(c.digest)?.storageClass === 'ARCHIVE') {
    events.push(settingsEvents.ImageStorageClassChanged({ digest: c.digest, storageClass: 'STANDARD', ...ref }));
    if (c.tag === null || current === c.digest) return ok(...events);
  }
  if (exists && (c.tag === null || current === c.digest)) {
    // ECR's PutImage refuses a manifest (and tag) that is already there; /v2 accepts it again.
    if (c.via === 'ecr')
      return no(
        domainError(
          'ImageAlreadyExists',
          c.tag === null
            ? `Image with digest '${c.digest}' already exists in the repository with name '${c.repository}' in registry with id '${c.scope.account}'`
            : `Image with digest '${c.digest}' and tag '${c.tag}' already exists in the repository with name '${c.repository}' in registry with id '${c.scope.account}'`,
        ),
      );
    return ok();
  }
  if (c.tag !== null && current !== undefined && current !== c.digest) {
    const settings = repo?.settings ?? defaultRepoSettings();
    if (isTagImmutable(settings.imageTagMutability, settings.imageTagMutabilityExclusionFilters, c.tag))
      return no(
        domainError(
          'ImageTagAlreadyExists',
          `The image tag '${c.tag}' already exists in the '${c.repository}' repository and cannot be overwritten because the tag is immutable.`,
        ),
      );
  }
  if (c.tag !== null && current !== c.digest && repo) {
    if (tagsOf(repo, c.digest).length >= MAX_TAGS_PER_IMAGE)
      return no(
        domainError(
          'ImageTagLimitExceeded',
          `Adding tag '${c.tag}' to an image in the repository with name '${c.repository}' in registry with id '${c.scope.account}' exceeds the maximum allowed number of tags per image which is '${MAX_TAGS_PER_IMAGE}'`,
        ),
      );
  }
  if (!exists) events.push(manifestPut(ref, c.digest, c.bytes, m));
  const tagged = c.tag !== null && current !== c.digest;
  if (tagged) events.push(ev.TagPut({ tag: c.tag!, digest: c.digest, previous: current ?? null, ...ref }));
  if (!exists) events.push(...signingOnPush(state, ref, c.digest, m));
  // a new image is scanned on push where the scanning configuration says so (after the tag:
  // a push's ManifestPut and TagPut stay next to each other, as the EventBridge mapping pairs them)
  if (!exists)
    events.push(
      ...scansOnPush(state, c.scope, c.repository, repo?.settings.scanOnPush ?? false, { digest: c.digest, mediaType: m.mediaType }),
    );
  if (!exists || tagged) events.push(...replicationOnPush(state, ref, c.digest, tagged ? [c.tag!] : []));
  return ok(...events);
}

/** ManifestPut of a parsed manifest (its size: the sum of its blobs, or an index's own bytes). */
export function manifestPut(ref: RepoRef, digest: string, bytes: Uint8Array, m: ParsedManifest): DomainEvent {
  const size = m.isIndex ? bytes.byteLength : m.blobs.reduce((sum, b) => sum + b.size, 0);
  return ev.ManifestPut({
    digest,
    mediaType: m.mediaType,
    bytes,
    size,
    blobs: m.blobs.map((b) => b.digest),
    manifests: m.manifests.map((d) => d.digest),
    subject: m.subject?.digest ?? null,
    artifactType: m.artifactType ?? m.config?.mediaType ?? null,
    configMediaType: m.config?.mediaType ?? null,
    ...ref,
  });
}

export const imageDeciders: DeciderTable<ImageCommand> = {
  PutManifest: putManifest,

  DeleteTag(state, c) {
    const repo = findRepository(state, c.scope, c.repository);
    if (!repo) return no(repositoryNotFound(c.scope, c.repository));
    const digest = repo.tags.get(c.tag);
    if (digest === undefined)
      return no(domainError('ImageNotFound', `Requested image not found: tag '${c.tag}' in repository '${c.repository}'`));
    const events: DomainEvent[] = [ev.TagDeleted({ tag: c.tag, digest, ...refOf(c.scope, c.repository) })];
    if (c.deleteImageIfUntagged) {
      if (tagsOf(repo, digest).length === 1) events.push(ev.ImageDeleted({ digest, ...refOf(c.scope, c.repository) }));
    }
    return ok(...events);
  },

  DeleteImage(state, c) {
    const repo = findRepository(state, c.scope, c.repository);
    if (!repo) return no(repositoryNotFound(c.scope, c.repository));
    if (!repo.images.has(c.digest))
      return no(domainError('ImageNotFound', `Requested image not found: ${c.digest} in repository '${c.repository}'`));
    return ok(ev.ImageDeleted({ digest: c.digest, ...refOf(c.scope, c.repository) }));
  },

  RecordPull(state, c) {
    const repo = findRepository(state, c.scope, c.repository);
    if (!repo?.images.has(c.digest)) return ok();
    return ok(ev.ImagePulled({ digest: c.digest, ...refOf(c.scope, c.repository) }));
  },
};

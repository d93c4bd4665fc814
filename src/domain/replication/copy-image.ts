/**
 * What a replication does in the destination registry, as events: the repository created as ECR
 * creates it (the REPLICATION template, else ECR's defaults: repository settings are not
 * replicated), the blobs linked (the store holds each blob once: a replica shares it), the
 * manifests put (an index's children first) and the tags put, where the destination's tag
 * immutability allows. A cross-account destination must grant the source account
 * `ecr:ReplicateImage` (and `ecr:CreateRepository` for a repository it does not have yet) in its
 * registry policy. Pure: the copy is decided on the state, and recorded in one frame with its
 * outcome, so a copy is either wholly in the journal or not at all.
 */
import { coreEvents as ev, type DomainEvent, type RepoRef } from '../events.ts';
import { registryGrants } from '../policies/registry-grants.ts';
import { repoKey, scopeKey, type RegistryScope } from '../scope.ts';
import { createdByTemplate } from '../settings/create-on-push.ts';
import { defaultRepoSettings } from '../settings/settings-state.ts';
import type { Image, RegistryState, Repository } from '../state.ts';
import { isTagImmutable } from '../tag-filter.ts';
import { REPLICATION_FAILURE_CODES } from './replication-state.ts';

export interface CopyOutcome {
  events: DomainEvent[];
  /** Why the copy (or one of its tags) failed; the events then hold what was copied nonetheless. */
  failure?: { code: string; reason: string };
}

const repositoryArn = (scope: RegistryScope, name: string): string => `arn:aws:ecr:${scope.region}:${scope.account}:repository/${name}`;

/** The manifests to put for `image`: an index's children (those in the source) first. */
function manifestsOf(source: Repository, image: Image): Image[] {
  const children = image.manifests.map((d) => source.images.get(d)).filter((c): c is Image => c !== undefined);
  return [...children, image];
}

function putManifest(ref: RepoRef, image: Image): DomainEvent {
  return ev.ManifestPut({
    digest: image.digest,
    mediaType: image.mediaType,
    bytes: image.bytes,
    size: image.size,
    blobs: [...image.blobs],
    manifests: [...image.manifests],
    subject: image.subject ?? null,
    artifactType: image.artifactType ?? null,
    configMediaType: image.configMediaType ?? null,
    ...ref,
  });
}

/** Copies image `digest` of `source` with `tags` into the registry `to` (the repository of the same name). */
export function copyImage(
  state: RegistryState,
  source: Repository,
  digest: string,
  tags: readonly string[],
  to: RegistryScope,
): CopyOutcome {
  const image = source.images.get(digest);
  if (!image)
    return {
      events: [],
      failure: { code: REPLICATION_FAILURE_CODES.ImageNotFound, reason: `image ${digest} is no longer in repository '${source.name}'` },
    };
  const target = state.repos.get(repoKey(to, source.name));
  const from = { account: source.account, region: source.region };
  if (to.account !== from.account) {
    const policy = state.registries.get(scopeKey(to))?.policyText;
    const grants = (action: string) => registryGrants(policy, { account: from.account, action, resource: repositoryArn(to, source.name) });
    if (!grants('ecr:ReplicateImage') || (!target && !grants('ecr:CreateRepository')))
      return {
        events: [],
        failure: {
          code: REPLICATION_FAILURE_CODES.AccessDenied,
          reason: `the registry policy of ${to.account} in ${to.region} does not allow account ${from.account} to ${target ? 'ecr:ReplicateImage' : 'ecr:ReplicateImage and ecr:CreateRepository'}`,
        },
      };
  }
  const ref: RepoRef = { account: to.account, region: to.region, repository: source.name };
  const events: DomainEvent[] = target ? [] : (createdByTemplate(state, to, source.name, 'REPLICATION', 'replication', true) ?? []);
  const linked = new Set(target?.blobs.keys() ?? []);
  for (const m of manifestsOf(source, image)) {
    if (target?.images.has(m.digest)) continue;
    for (const blob of m.blobs) {
      const size = source.blobs.get(blob);
      // foreign layers are not in the repository, and are not copied
      if (size === undefined || linked.has(blob)) continue;
      linked.add(blob);
      events.push(ev.BlobMounted({ digest: blob, size, from: null, ...ref }));
    }
    events.push(putManifest(ref, m));
  }
  const settings = target?.settings ?? defaultRepoSettings();
  let failure: CopyOutcome['failure'];
  for (const tag of tags) {
    const current = target?.tags.get(tag);
    if (current === digest) continue;
    if (current !== undefined && isTagImmutable(settings.imageTagMutability, settings.imageTagMutabilityExclusionFilters, tag)) {
      failure = {
        code: REPLICATION_FAILURE_CODES.ImageTagAlreadyExists,
        reason: `The image tag '${tag}' already exists in the '${source.name}' repository of ${to.account} in ${to.region} and cannot be overwritten because the tag is immutable.`,
      };
      continue;
    }
    events.push(ev.TagPut({ tag, digest, previous: current ?? null, ...ref }));
  }
  return failure ? { events, failure } : { events };
}

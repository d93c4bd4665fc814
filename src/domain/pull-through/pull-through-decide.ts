/** decide() for pull through cache rules and what a fetch from an upstream records. Pure, like ../decide.ts. */
import { findRepository, no, ok, refOf, regOf, type DeciderTable, type Decision } from '../decision.ts';
import { manifestPut } from '../deciders/images.ts';
import { domainError } from '../errors.ts';
import { coreEvents as ev, type DomainEvent } from '../events.ts';
import { isForeign } from '../manifest.ts';
import { isRepositoryName } from '../names.ts';
import { replicationOnPush } from '../replication/replication-rules.ts';
import type { RegistryScope } from '../scope.ts';
import { createdByTemplate } from '../settings/create-on-push.ts';
import { defaultRepoSettings } from '../settings/settings-state.ts';
import type { RegistryState } from '../state.ts';
import { isTagImmutable } from '../tag-filter.ts';
import type { PullThroughCommand, RuleInput } from './pull-through-commands.ts';
import { pullThroughEvents as pev } from './pull-through-event-factories.ts';
import { pullThroughRules, ROOT } from './pull-through-rules.ts';
import { ecrRegistryOf, NEEDS_SECRET, upstreamHost, upstreamKindOf } from './upstream-registries.ts';

/** Pull through cache rules per registry (ECR's service quota). */
export const MAX_PULL_THROUGH_RULES = 50;

const invalid = (member: string, what: string): Decision =>
  no(domainError('InvalidParameter', `Invalid parameter at '${member}' failed to satisfy constraint: '${what}'`));

const ruleNotFound = (scope: RegistryScope, prefix: string): Decision =>
  no(
    domainError(
      'PullThroughCacheRuleNotFound',
      `The pull through cache rule with prefix '${prefix}' does not exist in the registry with id '${scope.account}'`,
    ),
  );

function createRule(state: RegistryState, scope: RegistryScope, r: RuleInput): Decision {
  const kind = upstreamKindOf(r.upstreamRegistryUrl);
  if (!kind) return no(domainError('UnsupportedUpstreamRegistry', `The upstream registry '${r.upstreamRegistryUrl}' is not supported`));
  if (r.upstreamRegistry !== undefined && r.upstreamRegistry !== kind)
    return invalid('upstreamRegistry', `The upstream registry '${r.upstreamRegistry}' does not match the URL '${r.upstreamRegistryUrl}'`);
  if (NEEDS_SECRET.includes(kind) && r.credentialArn === undefined)
    return invalid('credentialArn', `A credential ARN is required for the upstream registry '${kind}'`);
  const ecr = kind === 'ecr' ? ecrRegistryOf(r.upstreamRegistryUrl) : undefined;
  if (ecr && ecr.account !== scope.account && r.customRoleArn === undefined)
    return invalid('customRoleArn', `A custom role ARN is required for an ECR upstream registry of another account (${ecr.account})`);
  if (r.ecrRepositoryPrefix === ROOT && kind !== 'ecr')
    return invalid('ecrRepositoryPrefix', 'The ROOT prefix is supported only for an ECR upstream registry');
  const upstreamPrefix = r.upstreamRepositoryPrefix ?? ROOT;
  if (upstreamPrefix !== ROOT && (r.ecrRepositoryPrefix === ROOT || kind !== 'ecr'))
    return invalid(
      'upstreamRepositoryPrefix',
      'An upstream repository prefix can be set only for an ECR upstream registry and a non-ROOT ECR repository prefix',
    );
  const rules = pullThroughRules(state, scope);
  if (rules[r.ecrRepositoryPrefix])
    return no(
      domainError(
        'PullThroughCacheRuleAlreadyExists',
        `A pull through cache rule with the prefix '${r.ecrRepositoryPrefix}' already exists in the registry with id '${scope.account}'`,
      ),
    );
  if (Object.keys(rules).length >= MAX_PULL_THROUGH_RULES)
    return no(
      domainError(
        'LimitExceeded',
        `The registry with id '${scope.account}' has ${MAX_PULL_THROUGH_RULES} pull through cache rules already`,
      ),
    );
  return ok(
    pev.PullThroughCacheRuleCreated({
      ecrRepositoryPrefix: r.ecrRepositoryPrefix,
      upstreamRegistryUrl: upstreamHost(r.upstreamRegistryUrl),
      upstreamRegistry: kind,
      credentialArn: r.credentialArn ?? null,
      customRoleArn: r.customRoleArn ?? null,
      upstreamRepositoryPrefix: upstreamPrefix,
      ...regOf(scope),
    }),
  );
}

type CacheImage = Extract<PullThroughCommand, { type: 'CacheUpstreamImage' }>;

function cacheImage(state: RegistryState, c: CacheImage): Decision {
  const rule = pullThroughRules(state, c.scope)[c.ecrRepositoryPrefix];
  if (!rule) return ruleNotFound(c.scope, c.ecrRepositoryPrefix);
  if (!isRepositoryName(c.repository)) return no(domainError('InvalidName', `invalid repository name '${c.repository}'`));
  const repo = findRepository(state, c.scope, c.repository);
  const ref = refOf(c.scope, c.repository);
  const events: DomainEvent[] = repo
    ? []
    : (createdByTemplate(state, c.scope, c.repository, 'PULL_THROUGH_CACHE', 'pull-through-cache', true) ?? []);
  const blobs = new Set(repo?.blobs.keys() ?? []);
  for (const b of c.blobs) {
    if (blobs.has(b.digest)) continue;
    if (b.uploadId !== null) {
      events.push(ev.UploadStarted({ uploadId: b.uploadId, via: 'oci', ...ref }));
      if (b.size > 0) events.push(ev.ChunkAppended({ uploadId: b.uploadId, offset: 0, length: b.size, part: 0 }));
      events.push(ev.UploadCompleted({ uploadId: b.uploadId, digest: b.digest, size: b.size }));
    } else {
      const size = state.blobs.get(b.digest);
      if (size === undefined) return no(domainError('BlobNotFound', `blob ${b.digest} is unknown to the registry`));
      events.push(ev.BlobMounted({ digest: b.digest, size, from: null, ...ref }));
    }
    blobs.add(b.digest);
  }
  const images = new Set(repo?.images.keys() ?? []);
  let fresh = false;
  for (const m of c.manifests) {
    if (images.has(m.digest)) continue;
    const missing = m.manifest.blobs.filter((b) => !isForeign(b) && !blobs.has(b.digest)).map((b) => b.digest);
    if (missing.length > 0) return no(domainError('LayersNotFound', `Layers with digests [${missing.join(', ')}] were not fetched`));
    const children = m.manifest.manifests.filter((d) => !images.has(d.digest)).map((d) => d.digest);
    if (children.length > 0)
      return no(domainError('ReferencedImagesNotFound', `Manifests with digests [${children.join(', ')}] were not fetched`));
    events.push(manifestPut(ref, m.digest, m.bytes, m.manifest));
    images.add(m.digest);
    fresh = true;
  }
  const top = c.manifests.at(-1)?.digest;
  if (top === undefined) return no(domainError('ManifestInvalid', 'a cached image needs a manifest'));
  const current = c.tag === null ? undefined : repo?.tags.get(c.tag);
  const tagged = c.tag !== null && current !== top;
  if (tagged && current !== undefined) {
    const s = repo?.settings ?? defaultRepoSettings();
    if (isTagImmutable(s.imageTagMutability, s.imageTagMutabilityExclusionFilters, c.tag!))
      return no(
        domainError(
          'ImageTagAlreadyExists',
          `The image tag '${c.tag}' already exists in the '${c.repository}' repository and cannot be overwritten because the tag is immutable.`,
        ),
      );
  }
  if (tagged) events.push(ev.TagPut({ tag: c.tag!, digest: top, previous: current ?? null, ...ref }));
  events.push(
    pev.UpstreamImageCached({
      digest: top,
      tag: c.tag,
      ecrRepositoryPrefix: rule.ecrRepositoryPrefix,
      upstreamRegistryUrl: rule.upstreamRegistryUrl,
      upstreamRepository: c.upstreamRepository,
      ...ref,
    }),
  );
  // the pull that fetched it is recorded with it (lifecycle rules read lastRecordedPullTime): the next pull writes nothing
  if (c.pulled === true) events.push(ev.ImagePulled({ digest: top, ...ref }));
  if (fresh || tagged) events.push(...replicationOnPush(state, ref, top, tagged ? [c.tag!] : []));
  return ok(...events);
}

export const pullThroughDeciders: DeciderTable<PullThroughCommand> = {
  CreatePullThroughCacheRule: (state, c) => createRule(state, c.scope, c.rule),

  UpdatePullThroughCacheRule: (state, c) => {
    const rule = pullThroughRules(state, c.scope)[c.ecrRepositoryPrefix];
    if (!rule) return ruleNotFound(c.scope, c.ecrRepositoryPrefix);
    const kind = upstreamKindOf(rule.upstreamRegistryUrl);
    const credentialArn = c.credentialArn ?? rule.credentialArn;
    const customRoleArn = c.customRoleArn ?? rule.customRoleArn;
    if (kind && NEEDS_SECRET.includes(kind) && credentialArn === undefined)
      return invalid('credentialArn', `A credential ARN is required for the upstream registry '${kind}'`);
    return ok(
      pev.PullThroughCacheRuleUpdated({
        ecrRepositoryPrefix: rule.ecrRepositoryPrefix,
        credentialArn: credentialArn ?? null,
        customRoleArn: customRoleArn ?? null,
        ...regOf(c.scope),
      }),
    );
  },

  DeletePullThroughCacheRule: (state, c) => {
    if (!pullThroughRules(state, c.scope)[c.ecrRepositoryPrefix]) return ruleNotFound(c.scope, c.ecrRepositoryPrefix);
    return ok(pev.PullThroughCacheRuleDeleted({ ecrRepositoryPrefix: c.ecrRepositoryPrefix, ...regOf(c.scope) }));
  },

  CacheUpstreamImage: cacheImage,

  RecordUpstreamTagCheck: (state, c) => {
    const repo = findRepository(state, c.scope, c.repository);
    if (!repo?.settings.pullThrough || repo.tags.get(c.tag) !== c.digest) return ok();
    return ok(pev.UpstreamTagChecked({ tag: c.tag, digest: c.digest, ...refOf(c.scope, c.repository) }));
  },
};

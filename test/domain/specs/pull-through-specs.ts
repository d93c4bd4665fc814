/** Pull through cache rules and what a fetch from an upstream records (src/domain/pull-through/pull-through-decide.ts). */
import { coreEvents as core, type DomainEvent } from '../../../src/domain/events.ts';
import type { FetchedBlob, RuleInput } from '../../../src/domain/pull-through/pull-through-commands.ts';
import { MAX_PULL_THROUGH_RULES, type pullThroughDeciders } from '../../../src/domain/pull-through/pull-through-decide.ts';
import { pullThroughEvents as ev } from '../../../src/domain/pull-through/pull-through-event-factories.ts';
import { replicationEvents } from '../../../src/domain/replication/replication-event-factories.ts';
import { settingsEvents } from '../../../src/domain/settings/settings-event-factories.ts';
import { accepted, given, then, when, type SpecsFor } from '../given-when-then.ts';
import {
  at,
  config,
  created,
  digestOf,
  image,
  index,
  inRepo,
  layer,
  manifestPut,
  type Manifest,
  scope,
  template,
  templateCreated,
  withBlobs,
  withImage,
} from './decider-fixtures.ts';

const reg = { account: scope.account, region: scope.region };
const secret = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:ecr-pullthroughcache/docker-hub';
const role = 'arn:aws:iam::000000000000:role/pull-through';
const ownEcr = '000000000000.dkr.ecr.us-west-2.amazonaws.com';
const otherEcr = '123456789012.dkr.ecr.us-east-1.amazonaws.com';

const create = (rule: RuleInput) => ({ type: 'CreatePullThroughCacheRule', scope, rule }) as const;
/** The PullThroughCacheRuleCreated of a rule for ECR Public under prefix `team` (unless told otherwise). */
const ruleCreated = (more: Partial<Parameters<typeof ev.PullThroughCacheRuleCreated>[0]> = {}) =>
  ev.PullThroughCacheRuleCreated({
    ...reg,
    ecrRepositoryPrefix: 'team',
    upstreamRegistryUrl: 'public.ecr.aws',
    upstreamRegistry: 'ecr-public',
    credentialArn: null,
    customRoleArn: null,
    upstreamRepositoryPrefix: 'ROOT',
    ...more,
  });
const dockerHub = ruleCreated({ upstreamRegistryUrl: 'registry-1.docker.io', upstreamRegistry: 'docker-hub', credentialArn: secret });
const update = (credentialArn: string | undefined, customRoleArn: string | undefined) =>
  ({ type: 'UpdatePullThroughCacheRule', scope, ecrRepositoryPrefix: 'team', credentialArn, customRoleArn }) as const;

const a = image();
const b = image([config]);
/** The blobs of `a` as the cache stages them: config (6 bytes, upload u2) and layer (5 bytes, upload u1). */
const staged: FetchedBlob[] = [
  { digest: config, size: 6, uploadId: 'u2' },
  { digest: layer, size: 5, uploadId: 'u1' },
];
/** What the cache records of `manifests` (the pulled one last) fetched from app at ECR Public into team/app. */
const cache = (manifests: Manifest[], tag: string | null, blobs: FetchedBlob[] = staged) =>
  ({
    type: 'CacheUpstreamImage',
    ...inRepo,
    ecrRepositoryPrefix: 'team',
    upstreamRepository: 'app',
    blobs,
    manifests: manifests.map((m) => ({ digest: m.digest, bytes: m.bytes, manifest: m.manifest })),
    tag,
  }) as const;
const cached = (m: Manifest, tag: string | null) =>
  ev.UpstreamImageCached({
    ...at,
    digest: m.digest,
    tag,
    ecrRepositoryPrefix: 'team',
    upstreamRegistryUrl: 'public.ecr.aws',
    upstreamRepository: 'app',
  });
/** The upload events of `staged`. */
const uploaded = [
  core.UploadStarted({ ...at, uploadId: 'u2', via: 'oci' }),
  core.ChunkAppended({ uploadId: 'u2', offset: 0, length: 6, part: 0 }),
  core.UploadCompleted({ uploadId: 'u2', digest: config, size: 6 }),
  core.UploadStarted({ ...at, uploadId: 'u1', via: 'oci' }),
  core.ChunkAppended({ uploadId: 'u1', offset: 0, length: 5, part: 0 }),
  core.UploadCompleted({ uploadId: 'u1', digest: layer, size: 5 }),
];
const tagPut = (m: Manifest, tag: string, previous: string | null = null) => core.TagPut({ ...at, tag, digest: m.digest, previous });
/** team/app cached from app at ECR Public: `a` under v1. */
const withCache = (): DomainEvent[] => {
  const before = [ruleCreated()];
  return [...before, ...accepted(when(given(before), cache([a], 'v1')))];
};
const check = (tag: string, digest: string) => ({ type: 'RecordUpstreamTagCheck', ...inRepo, tag, digest }) as const;

export const pullThroughSpecs: SpecsFor<typeof pullThroughDeciders> = {
  CreatePullThroughCacheRule: {
    'a rule is PullThroughCacheRuleCreated: the URL without scheme or slash, its kind, ROOT as upstream repository prefix': (t) =>
      then(t, when(given([]), create({ ecrRepositoryPrefix: 'team', upstreamRegistryUrl: 'https://public.ecr.aws/' })), [ruleCreated()]),
    'an upstream that needs a Secrets Manager secret takes its credentialArn; without one it is InvalidParameter': (t) => {
      then(
        t,
        when(given([]), create({ ecrRepositoryPrefix: 'team', upstreamRegistryUrl: 'registry-1.docker.io', credentialArn: secret })),
        [dockerHub],
      );
      then(t, when(given([]), create({ ecrRepositoryPrefix: 'team', upstreamRegistryUrl: 'registry-1.docker.io' })), 'InvalidParameter');
    },
    'an ECR upstream takes ROOT, or a prefix with an upstream repository prefix; of another account it needs a customRoleArn': (t) => {
      then(t, when(given([]), create({ ecrRepositoryPrefix: 'ROOT', upstreamRegistryUrl: ownEcr })), [
        ruleCreated({ ecrRepositoryPrefix: 'ROOT', upstreamRegistryUrl: ownEcr, upstreamRegistry: 'ecr' }),
      ]);
      then(
        t,
        when(
          given([]),
          create({ ecrRepositoryPrefix: 'team', upstreamRegistryUrl: otherEcr, customRoleArn: role, upstreamRepositoryPrefix: 'mirror' }),
        ),
        [ruleCreated({ upstreamRegistryUrl: otherEcr, upstreamRegistry: 'ecr', customRoleArn: role, upstreamRepositoryPrefix: 'mirror' })],
      );
      then(t, when(given([]), create({ ecrRepositoryPrefix: 'team', upstreamRegistryUrl: otherEcr })), 'InvalidParameter');
    },
    'ROOT, or an upstream repository prefix, for another upstream than ECR (or with ROOT) is InvalidParameter': (t) => {
      then(t, when(given([]), create({ ecrRepositoryPrefix: 'ROOT', upstreamRegistryUrl: 'public.ecr.aws' })), 'InvalidParameter');
      then(
        t,
        when(given([]), create({ ecrRepositoryPrefix: 'team', upstreamRegistryUrl: 'public.ecr.aws', upstreamRepositoryPrefix: 'mirror' })),
        'InvalidParameter',
      );
      then(
        t,
        when(given([]), create({ ecrRepositoryPrefix: 'ROOT', upstreamRegistryUrl: ownEcr, upstreamRepositoryPrefix: 'mirror' })),
        'InvalidParameter',
      );
    },
    'an upstream ECR does not support is UnsupportedUpstreamRegistry; an upstreamRegistry the URL does not name InvalidParameter': (t) => {
      then(t, when(given([]), create({ ecrRepositoryPrefix: 'team', upstreamRegistryUrl: 'example.com' })), 'UnsupportedUpstreamRegistry');
      then(
        t,
        when(given([]), create({ ecrRepositoryPrefix: 'team', upstreamRegistryUrl: 'public.ecr.aws', upstreamRegistry: 'quay' })),
        'InvalidParameter',
      );
    },
    'a prefix taken is PullThroughCacheRuleAlreadyExists; a rule past 50 LimitExceeded': (t) => {
      then(
        t,
        when(given([ruleCreated()]), create({ ecrRepositoryPrefix: 'team', upstreamRegistryUrl: 'quay.io' })),
        'PullThroughCacheRuleAlreadyExists',
      );
      const full = Array.from({ length: MAX_PULL_THROUGH_RULES }, (_, i) => ruleCreated({ ecrRepositoryPrefix: `p${i}` }));
      then(t, when(given(full), create({ ecrRepositoryPrefix: 'team', upstreamRegistryUrl: 'public.ecr.aws' })), 'LimitExceeded');
    },
  },

  UpdatePullThroughCacheRule: {
    "the ARNs given replace the rule's, the others stay: PullThroughCacheRuleUpdated": (t) => {
      const other = `${secret}-2`;
      then(t, when(given([dockerHub]), update(other, undefined)), [
        ev.PullThroughCacheRuleUpdated({ ...reg, ecrRepositoryPrefix: 'team', credentialArn: other, customRoleArn: null }),
      ]);
      then(t, when(given([dockerHub]), update(undefined, role)), [
        ev.PullThroughCacheRuleUpdated({ ...reg, ecrRepositoryPrefix: 'team', credentialArn: secret, customRoleArn: role }),
      ]);
    },
    'an unknown prefix is PullThroughCacheRuleNotFound': (t) =>
      then(t, when(given([]), update(secret, undefined)), 'PullThroughCacheRuleNotFound'),
    'a rule of an upstream that needs a secret, recorded without one, still needs one: InvalidParameter': (t) => {
      const withoutSecret = ruleCreated({ upstreamRegistryUrl: 'registry-1.docker.io', upstreamRegistry: 'docker-hub' });
      then(t, when(given([withoutSecret]), update(undefined, role)), 'InvalidParameter');
    },
  },

  DeletePullThroughCacheRule: {
    'a rule is PullThroughCacheRuleDeleted': (t) =>
      then(t, when(given([ruleCreated()]), { type: 'DeletePullThroughCacheRule', scope, ecrRepositoryPrefix: 'team' }), [
        ev.PullThroughCacheRuleDeleted({ ...reg, ecrRepositoryPrefix: 'team' }),
      ]),
    'an unknown prefix (or one deleted) is PullThroughCacheRuleNotFound': (t) => {
      const deleted = [ruleCreated(), ev.PullThroughCacheRuleDeleted({ ...reg, ecrRepositoryPrefix: 'team' })];
      then(t, when(given([]), { type: 'DeletePullThroughCacheRule', scope, ecrRepositoryPrefix: 'team' }), 'PullThroughCacheRuleNotFound');
      then(
        t,
        when(given(deleted), { type: 'DeletePullThroughCacheRule', scope, ecrRepositoryPrefix: 'team' }),
        'PullThroughCacheRuleNotFound',
      );
    },
  },

  CacheUpstreamImage: {
    'into a new repository: created with the defaults, the staged blobs uploaded, the manifest and tag put, then UpstreamImageCached': (
      t,
    ) =>
      then(t, when(given([ruleCreated()]), cache([a], 'v1')), [
        core.RepositoryCreated({ ...created().data, cause: 'pull-through-cache' }),
        ...uploaded,
        manifestPut(a, 11),
        tagPut(a, 'v1'),
        cached(a, 'v1'),
      ]),
    'blobs the repository has are skipped, blobs the store holds are mounted, an empty blob has no chunk; by digest, no tag is put': (
      t,
    ) => {
      const extra = digestOf('extra');
      const empty = digestOf('');
      const elsewhere = [
        created('misc'),
        core.UploadStarted({ ...at, repository: 'misc', uploadId: 'u3', via: 'oci' }),
        core.UploadCompleted({ uploadId: 'u3', digest: extra, size: 7 }),
      ];
      const m = image([layer, extra, empty]);
      const blobs: FetchedBlob[] = [
        { digest: config, size: 6, uploadId: null },
        { digest: layer, size: 5, uploadId: 'u1' },
        { digest: extra, size: 7, uploadId: null },
        { digest: empty, size: 0, uploadId: 'u4' },
      ];
      then(t, when(given([ruleCreated(), ...withBlobs, ...elsewhere]), cache([m], null, blobs)), [
        core.BlobMounted({ ...at, digest: extra, size: 7, from: null }),
        core.UploadStarted({ ...at, uploadId: 'u4', via: 'oci' }),
        core.UploadCompleted({ uploadId: 'u4', digest: empty, size: 0 }),
        manifestPut(m, 21),
        cached(m, null),
      ]);
    },
    'pulled by a client as it was fetched: the frame records that pull (ImagePulled) after UpstreamImageCached': (t) =>
      then(t, when(given([ruleCreated(), ...withBlobs]), { ...cache([a], 'v1', []), pulled: true }), [
        manifestPut(a, 11),
        tagPut(a, 'v1'),
        cached(a, 'v1'),
        core.ImagePulled({ ...at, digest: a.digest }),
      ]),
    'an index: its children first, the index last, and its tag': (t) => {
      const multi = index([a, b]);
      then(t, when(given([ruleCreated(), ...withBlobs]), cache([a, b, multi], 'multi', [])), [
        manifestPut(a, 11),
        manifestPut(b, 12),
        manifestPut(multi, multi.bytes.byteLength),
        tagPut(multi, 'multi'),
        cached(multi, 'multi'),
      ]);
    },
    'an image cached already under its tag is UpstreamImageCached alone; a tag moved upstream names where it was': (t) => {
      then(t, when(given(withCache()), cache([a], 'v1')), [cached(a, 'v1')]);
      then(t, when(given(withCache()), cache([b], 'v1', [])), [manifestPut(b, 12), tagPut(b, 'v1', a.digest), cached(b, 'v1')]);
    },
    'a repository its replication rules cover: ImageReplicationStarted last, with the tag': (t) => {
      const west = { region: 'us-west-2', registryId: scope.account };
      const rules = replicationEvents.ReplicationConfigurationPut({ ...reg, rules: [{ destinations: [west] }] });
      then(t, when(given([ruleCreated(), rules]), cache([a], 'v1')), [
        core.RepositoryCreated({ ...created().data, cause: 'pull-through-cache' }),
        ...uploaded,
        manifestPut(a, 11),
        tagPut(a, 'v1'),
        cached(a, 'v1'),
        replicationEvents.ImageReplicationStarted({ ...at, digest: a.digest, tags: ['v1'], destinations: [{ ...west, rule: 0 }] }),
      ]);
    },
    'a new repository takes the settings of the PULL_THROUGH_CACHE template that applies': (t) => {
      const policyText = JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: '*', Action: 'ecr:BatchGetImage' }],
      });
      const cacheTemplate = template('team', {
        appliedFor: ['PULL_THROUGH_CACHE'],
        imageTagMutability: 'IMMUTABLE',
        repositoryPolicy: policyText,
      });
      then(t, when(given([ruleCreated(), templateCreated(cacheTemplate)]), cache([a], 'v1')), [
        core.RepositoryCreated({ ...created().data, imageTagMutability: 'IMMUTABLE', cause: 'pull-through-cache' }),
        settingsEvents.RepositoryPolicySet({ ...at, policyText }),
        ...uploaded,
        manifestPut(a, 11),
        tagPut(a, 'v1'),
        cached(a, 'v1'),
      ]);
    },
    'an immutable tag at another image is ImageTagAlreadyExists': (t) => {
      const immutable = core.RepositoryCreated({ ...created().data, imageTagMutability: 'IMMUTABLE' });
      then(t, when(given([ruleCreated(), immutable, ...withImage(['v1']).slice(1)]), cache([b], 'v1', [])), 'ImageTagAlreadyExists');
    },
    'an unknown rule is PullThroughCacheRuleNotFound; a repository name ECR refuses InvalidName': (t) => {
      then(t, when(given([]), cache([a], 'v1')), 'PullThroughCacheRuleNotFound');
      then(t, when(given([ruleCreated()]), { ...cache([a], 'v1'), repository: 'team/App' }), 'InvalidName');
    },
    'what was not fetched: a blob the store lacks is BlobNotFound, a layer LayersNotFound, a child ReferencedImagesNotFound; no manifest is ManifestInvalid':
      (t) => {
        const rule = [ruleCreated()];
        then(t, when(given(rule), cache([a], 'v1', [{ digest: config, size: 6, uploadId: null }])), 'BlobNotFound');
        then(t, when(given(rule), cache([a], 'v1', staged.slice(0, 1))), 'LayersNotFound');
        then(t, when(given(rule), cache([index([a])], 'v1', [])), 'ReferencedImagesNotFound');
        then(t, when(given(rule), cache([], 'v1', [])), 'ManifestInvalid');
      },
  },

  RecordUpstreamTagCheck: {
    'a cached tag still at its digest upstream is UpstreamTagChecked': (t) =>
      then(t, when(given(withCache()), check('v1', a.digest)), [ev.UpstreamTagChecked({ ...at, tag: 'v1', digest: a.digest })]),
    'a tag at another digest, an unknown tag, a repository that is not a cache, or none, changes nothing': (t) => {
      then(t, when(given(withCache()), check('v1', b.digest)), []);
      then(t, when(given(withCache()), check('v2', a.digest)), []);
      then(t, when(given(withImage(['v1'])), check('v1', a.digest)), []);
      then(t, when(given([]), check('v1', a.digest)), []);
    },
  },
};

/** Replication: the configuration, image copies and backfills (src/domain/replication/replication-decide.ts). */
import { coreEvents as core, type DomainEvent } from '../../../src/domain/events.ts';
import type { replicationDeciders } from '../../../src/domain/replication/replication-decide.ts';
import { replicationEvents as ev } from '../../../src/domain/replication/replication-event-factories.ts';
import type { BackfillItem, ReplicationDestination } from '../../../src/domain/replication/replication-state.ts';
import type { RegistryScope } from '../../../src/domain/scope.ts';
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
  withImage,
} from './decider-fixtures.ts';

const reg = { account: scope.account, region: scope.region };
/** The destinations: this account in us-west-2, and another account in this region. */
const west: ReplicationDestination = { region: 'us-west-2', registryId: scope.account };
const partner: ReplicationDestination = { region: scope.region, registryId: '123456789012' };
const registryOf = (d: ReplicationDestination): RegistryScope => ({ account: d.registryId, region: d.region });
const inDestination = (d: ReplicationDestination) => ({ ...registryOf(d), repository: 'team/app' });
const configured = (...destinations: ReplicationDestination[]) => ev.ReplicationConfigurationPut({ ...reg, rules: [{ destinations }] });

const a = image();
const b = image([config]);
/** The ImageReplicationStarted a push of `m` with `tags` to team/app causes under `configured(...destinations)`. */
const replicationStarted = (m: Manifest, tags: string[], ...destinations: ReplicationDestination[]) =>
  ev.ImageReplicationStarted({ ...at, digest: m.digest, tags, destinations: destinations.map((d) => ({ ...d, rule: 0 })) });
/** team/app with `a` tagged v1, IN_PROGRESS to `west`. */
const pending = [configured(west), ...withImage(['v1']), replicationStarted(a, ['v1'], west)];
const replicate = (destination: ReplicationDestination = west, m: Manifest = a) =>
  ({ type: 'ReplicateImage', ...inRepo, digest: m.digest, destination }) as const;
const outcome = (d: ReplicationDestination, m: Manifest = a) => ({
  ...at,
  digest: m.digest,
  destinationRegion: d.region,
  destinationRegistryId: d.registryId,
  rule: 0,
});

/** The events that copy `a` (config 6 bytes, layer 5) with `tags` into a destination without team/app. */
const copiedAnew = (d: ReplicationDestination, tags: string[]): DomainEvent[] => [
  core.RepositoryCreated({ ...created('team/app', registryOf(d)).data, cause: 'replication' }),
  core.BlobMounted({ ...inDestination(d), digest: config, size: 6, from: null }),
  core.BlobMounted({ ...inDestination(d), digest: layer, size: 5, from: null }),
  manifestPut(a, 11, 'team/app', registryOf(d)),
  ...tags.map((tag) => core.TagPut({ ...inDestination(d), tag, digest: a.digest, previous: null })),
];

/** A registry policy of the partner account that lets this one replicate into it. */
const grantsReplication = settingsEvents.RegistryPolicyPut({
  ...registryOf(partner),
  policyText: JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${scope.account}:root` },
        Action: ['ecr:ReplicateImage', 'ecr:CreateRepository'],
        Resource: [`arn:aws:ecr:${partner.region}:${partner.registryId}:repository/*`],
      },
    ],
  }),
});

const started = (id = 'b1', to: ReplicationDestination = west) =>
  ev.ReplicationBackfillStarted({ ...reg, backfillId: id, destinationRegion: to.region, destinationRegistryId: to.registryId });
const prepared = (items: BackfillItem[], id = 'b1') => ev.ReplicationBackfillPrepared({ ...reg, backfillId: id, items });
const ended = (status: 'COMPLETE' | 'FAILED' | 'STOPPED', failureCode: string | null = null, id = 'b1') =>
  ev.ReplicationBackfillEnded({ ...reg, backfillId: id, status, failureCode });
const stopRequested = (id = 'b1') => ev.ReplicationBackfillStopRequested({ ...reg, backfillId: id });
const itemReplicated = (index: number, item: BackfillItem, failureCode: string | null = null) =>
  ev.ReplicationBackfillItemReplicated({
    ...reg,
    repository: item.repository,
    backfillId: 'b1',
    index,
    digest: item.digest,
    tag: item.tag,
    status: failureCode === null ? 'COMPLETE' : 'FAILED',
    failureCode,
  });
const item = (m: Manifest, tag: string | null): BackfillItem => ({ repository: 'team/app', digest: m.digest, tag });
/** team/app with `a` tagged v1 and v2, and `b` untagged; a backfill to `west` started. */
const toBackfill = [configured(west), ...withImage(['v1', 'v2']), manifestPut(b, 12), started()];
const itemsOfToBackfill = [item(a, 'v1'), item(a, 'v2'), item(b, null)];
/** `toBackfill`, prepared: IN_PROGRESS with its three items. */
const inProgress = [...toBackfill, prepared(itemsOfToBackfill)];
const prepare = (backfillId = 'b1') => ({ type: 'PrepareReplicationBackfill', scope, backfillId }) as const;
const stop = (backfillId = 'b1') => ({ type: 'StopReplicationBackfill', scope, backfillId }) as const;
const finish = (backfillId = 'b1') => ({ type: 'FinishReplicationBackfill', scope, backfillId }) as const;
const replicateItem = (i: number) => ({ type: 'ReplicateBackfillItem', scope, backfillId: 'b1', index: i }) as const;

/** Eleven regions to replicate to (one more than may be backfilled at once). */
const ELEVEN = [
  'us-west-1',
  'us-west-2',
  'us-east-2',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'eu-central-1',
  'eu-north-1',
  'ap-south-1',
  'ap-northeast-1',
  'ap-southeast-1',
].map((region): ReplicationDestination => ({ region, registryId: scope.account }));

export const replicationSpecs: SpecsFor<typeof replicationDeciders> = {
  PutReplicationConfiguration: {
    'rules with destinations elsewhere are ReplicationConfigurationPut, as given; no rules clears the configuration': (t) => {
      const rules = [
        { destinations: [west, partner], repositoryFilters: [{ filter: 'team', filterType: 'PREFIX_MATCH' }] },
        { destinations: [west] },
      ];
      then(t, when(given([]), { type: 'PutReplicationConfiguration', scope, rules }), [ev.ReplicationConfigurationPut({ ...reg, rules })]);
      then(t, when(given([configured(west)]), { type: 'PutReplicationConfiguration', scope, rules: [] }), [
        ev.ReplicationConfigurationPut({ ...reg, rules: [] }),
      ]);
    },
    'a rule without destinations, or a destination that is the source registry, is InvalidParameter': (t) => {
      then(t, when(given([]), { type: 'PutReplicationConfiguration', scope, rules: [{ destinations: [] }] }), 'InvalidParameter');
      const self = { region: scope.region, registryId: scope.account };
      then(t, when(given([]), { type: 'PutReplicationConfiguration', scope, rules: [{ destinations: [west, self] }] }), 'InvalidParameter');
    },
    'more than 25 unique destinations across the rules is InvalidParameter; one named by two rules counts once': (t) => {
      const many = Array.from({ length: 25 }, (_, i) => ({ region: 'us-west-2', registryId: String(100000000000 + i) }));
      const rules = [{ destinations: many }, { destinations: [many[0]!] }];
      then(t, when(given([]), { type: 'PutReplicationConfiguration', scope, rules }), [ev.ReplicationConfigurationPut({ ...reg, rules })]);
      then(
        t,
        when(given([]), { type: 'PutReplicationConfiguration', scope, rules: [...rules, { destinations: [partner] }] }),
        'InvalidParameter',
      );
    },
  },

  ReplicateImage: {
    'an image IN_PROGRESS is copied (the repository created with the defaults, its blobs, manifest and tags), then ImageReplicated': (t) =>
      then(t, when(given(pending), replicate()), [...copiedAnew(west, ['v1']), ev.ImageReplicated({ ...outcome(west), tags: ['v1'] })]),
    "an index is copied with its children first (their blobs, then their manifests), then the index's own tag": (t) => {
      const multi = index([a]);
      const history = [
        configured(west),
        ...withImage([]),
        manifestPut(multi, multi.bytes.byteLength),
        core.TagPut({ ...at, tag: 'multi', digest: multi.digest, previous: null }),
        replicationStarted(multi, ['multi'], west),
      ];
      then(t, when(given(history), replicate(west, multi)), [
        ...copiedAnew(west, []),
        manifestPut(multi, multi.bytes.byteLength, 'team/app', registryOf(west)),
        core.TagPut({ ...inDestination(west), tag: 'multi', digest: multi.digest, previous: null }),
        ev.ImageReplicated({ ...outcome(west, multi), tags: ['multi'] }),
      ]);
    },
    'a destination repository is created by its REPLICATION template when one applies': (t) => {
      const replicated = template('team', {
        appliedFor: ['REPLICATION'],
        imageTagMutability: 'IMMUTABLE',
        resourceTags: [{ Key: 'k', Value: 'v' }],
      });
      const history = [settingsEvents.RepositoryCreationTemplateCreated({ ...registryOf(west), template: replicated }), ...pending];
      const [, ...rest] = copiedAnew(west, ['v1']);
      then(t, when(given(history), replicate()), [
        core.RepositoryCreated({
          ...created('team/app', registryOf(west)).data,
          imageTagMutability: 'IMMUTABLE',
          resourceTags: [{ Key: 'k', Value: 'v' }],
          cause: 'replication',
        }),
        ...rest,
        ev.ImageReplicated({ ...outcome(west), tags: ['v1'] }),
      ]);
    },
    'into a destination repository that has the image already, only the tags it lacks are put': (t) => {
      const there = [
        ...pending,
        core.RepositoryCreated({ ...created('team/app', registryOf(west)).data, cause: 'replication' }),
        core.BlobMounted({ ...inDestination(west), digest: config, size: 6, from: null }),
        core.BlobMounted({ ...inDestination(west), digest: layer, size: 5, from: null }),
        manifestPut(a, 11, 'team/app', registryOf(west)),
        core.TagPut({ ...inDestination(west), tag: 'v0', digest: a.digest, previous: null }),
      ];
      then(t, when(given(there), replicate()), [
        core.TagPut({ ...inDestination(west), tag: 'v1', digest: a.digest, previous: null }),
        ev.ImageReplicated({ ...outcome(west), tags: ['v1'] }),
      ]);
    },
    'an immutable tag of the destination at another image: the image is copied without it, and ImageReplicationFailed (ImageTagAlreadyExists)':
      (t) => {
        const there = [
          ...pending,
          core.RepositoryCreated({ ...created('team/app', registryOf(west)).data, imageTagMutability: 'IMMUTABLE' }),
          core.BlobMounted({ ...inDestination(west), digest: config, size: 6, from: null }),
          manifestPut(b, 12, 'team/app', registryOf(west)),
          core.TagPut({ ...inDestination(west), tag: 'v1', digest: b.digest, previous: null }),
        ];
        then(t, when(given(there), replicate()), [
          core.BlobMounted({ ...inDestination(west), digest: layer, size: 5, from: null }),
          manifestPut(a, 11, 'team/app', registryOf(west)),
          ev.ImageReplicationFailed({
            ...outcome(west),
            tags: ['v1'],
            failureCode: 'ImageTagAlreadyExists',
            failureReason:
              "The image tag 'v1' already exists in the 'team/app' repository of 000000000000 in us-west-2 and cannot be overwritten because the tag is immutable.",
          }),
        ]);
      },
    'to another account, only when its registry policy lets this one replicate (and create the repository): else ImageReplicationFailed (AccessDenied)':
      (t) => {
        const toPartner = [configured(partner), ...withImage(['v1']), replicationStarted(a, ['v1'], partner)];
        then(t, when(given(toPartner), replicate(partner)), [
          ev.ImageReplicationFailed({
            ...outcome(partner),
            tags: ['v1'],
            failureCode: 'AccessDenied',
            failureReason:
              'the registry policy of 123456789012 in us-east-1 does not allow account 000000000000 to ecr:ReplicateImage and ecr:CreateRepository',
          }),
        ]);
        then(t, when(given([grantsReplication, ...toPartner]), replicate(partner)), [
          ...copiedAnew(partner, ['v1']),
          ev.ImageReplicated({ ...outcome(partner), tags: ['v1'] }),
        ]);
      },
    'a copy made already (a worker resumed after a restart), an image or repository gone, or a destination not in progress changes nothing':
      (t) => {
        then(t, when(given([...pending, ...accepted(when(given(pending), replicate()))]), replicate()), []);
        then(t, when(given([...pending, core.ImageDeleted({ ...at, digest: a.digest })]), replicate()), []);
        then(t, when(given([...pending, core.RepositoryDeleted(at)]), replicate()), []);
        then(t, when(given(pending), replicate(partner)), []);
      },
  },

  StartReplicationBackfill: {
    'to a destination of the configuration is ReplicationBackfillStarted': (t) =>
      then(t, when(given([configured(west, partner)]), { type: 'StartReplicationBackfill', scope, backfillId: 'b1', destination: west }), [
        started('b1', west),
      ]),
    'a destination the configuration does not name is InvalidParameter': (t) =>
      then(
        t,
        when(given([configured(west)]), { type: 'StartReplicationBackfill', scope, backfillId: 'b1', destination: partner }),
        'InvalidParameter',
      ),
    'one backfill at a time per destination region (ReplicationBackfillInProgress); one ended does not count': (t) => {
      const start = { type: 'StartReplicationBackfill', scope, backfillId: 'b2', destination: west } as const;
      then(t, when(given([configured(west), started('b1')]), start), 'ReplicationBackfillInProgress');
      then(t, when(given([...inProgress, stopRequested('b1')]), start), 'ReplicationBackfillInProgress');
      then(t, when(given([configured(west), started('b1'), ended('STOPPED')]), start), [started('b2', west)]);
    },
    'an eleventh backfill in progress is LimitExceeded': (t) => {
      const ten = ELEVEN.slice(0, 10).map((d, i) => started(`b${i}`, d));
      then(
        t,
        when(given([configured(...ELEVEN), ...ten]), {
          type: 'StartReplicationBackfill',
          scope,
          backfillId: 'b10',
          destination: ELEVEN[10]!,
        }),
        'LimitExceeded',
      );
    },
  },

  PrepareReplicationBackfill: {
    "each image of the repositories the destination's rules cover, once per tag (untagged: once), is ReplicationBackfillPrepared": (t) => {
      const rules = [{ destinations: [west], repositoryFilters: [{ filter: 'team', filterType: 'PREFIX_MATCH' }] }];
      const history = [ev.ReplicationConfigurationPut({ ...reg, rules }), ...toBackfill.slice(1), created('misc')];
      then(t, when(given(history), prepare()), [prepared(itemsOfToBackfill)]);
    },
    "an index's untagged children are not items of their own (the index copies them)": (t) => {
      const multi = index([a]);
      const history = [configured(west), ...withImage([]), manifestPut(multi, multi.bytes.byteLength), started()];
      const tagged = [...history, core.TagPut({ ...at, tag: 'multi', digest: multi.digest, previous: null })];
      then(t, when(given(tagged), prepare()), [prepared([item(multi, 'multi')])]);
    },
    'nothing to replicate is ReplicationBackfillPrepared with no items, and ReplicationBackfillEnded COMPLETE': (t) =>
      then(t, when(given([configured(west), created(), started()]), prepare()), [prepared([]), ended('COMPLETE')]),
    'a backfill prepared or stopped already changes nothing; an unknown one is ReplicationBackfillNotFound': (t) => {
      then(t, when(given(inProgress), prepare()), []);
      then(t, when(given([...toBackfill, ended('STOPPED')]), prepare()), []);
      then(t, when(given(toBackfill), prepare('b2')), 'ReplicationBackfillNotFound');
    },
  },

  ReplicateBackfillItem: {
    'the next item is copied (with its tag), then ReplicationBackfillItemReplicated COMPLETE': (t) => {
      then(t, when(given(inProgress), replicateItem(0)), [...copiedAnew(west, ['v1']), itemReplicated(0, item(a, 'v1'))]);
      const first = [...inProgress, ...accepted(when(given(inProgress), replicateItem(0)))];
      then(t, when(given(first), replicateItem(1)), [
        core.TagPut({ ...inDestination(west), tag: 'v2', digest: a.digest, previous: null }),
        itemReplicated(1, item(a, 'v2')),
      ]);
    },
    'the last item ends the backfill: ReplicationBackfillEnded COMPLETE': (t) => {
      const single = [...toBackfill, prepared([item(a, 'v1')])];
      then(t, when(given(single), replicateItem(0)), [...copiedAnew(west, ['v1']), itemReplicated(0, item(a, 'v1')), ended('COMPLETE')]);
    },
    'an image deleted since is FAILED (ImageNotFound); half the items failed or more ends the backfill FAILED (FailureThresholdExceeded)': (
      t,
    ) => {
      const two = [...toBackfill, prepared([item(a, 'v1'), item(b, null)]), core.ImageDeleted({ ...at, digest: b.digest })];
      const first = [...two, ...accepted(when(given(two), replicateItem(0)))];
      then(t, when(given(first), replicateItem(1)), [
        itemReplicated(1, item(b, null), 'ImageNotFound'),
        ended('FAILED', 'FailureThresholdExceeded'),
      ]);
    },
    'after 100 replications, half of them failed stops the backfill early; a repository gone is ImageNotFound': (t) => {
      const gone = Array.from({ length: 101 }, (_, i): BackfillItem => ({ repository: 'gone', digest: digestOf(`gone ${i}`), tag: null }));
      const failed = (n: number) => gone.slice(0, n).map((it, i) => itemReplicated(i, it, 'ImageNotFound'));
      const history = [configured(west), started(), prepared(gone)];
      then(t, when(given([...history, ...failed(98)]), replicateItem(98)), [itemReplicated(98, gone[98]!, 'ImageNotFound')]);
      then(t, when(given([...history, ...failed(99)]), replicateItem(99)), [
        itemReplicated(99, gone[99]!, 'ImageNotFound'),
        ended('FAILED', 'FailureThresholdExceeded'),
      ]);
    },
    'an item not next, or a backfill not IN_PROGRESS, changes nothing; an unknown backfill is ReplicationBackfillNotFound': (t) => {
      then(t, when(given(inProgress), replicateItem(1)), []);
      then(t, when(given([...inProgress, itemReplicated(0, item(a, 'v1'))]), replicateItem(0)), []);
      then(t, when(given(inProgress), replicateItem(3)), []);
      then(t, when(given(toBackfill), replicateItem(0)), []);
      then(t, when(given([...inProgress, stopRequested()]), replicateItem(0)), []);
      then(t, when(given([configured(west)]), replicateItem(0)), 'ReplicationBackfillNotFound');
    },
  },

  StopReplicationBackfill: {
    'a PREPARING backfill is ReplicationBackfillEnded STOPPED at once': (t) => then(t, when(given(toBackfill), stop()), [ended('STOPPED')]),
    'an IN_PROGRESS backfill is ReplicationBackfillStopRequested (the item under way finishes first)': (t) =>
      then(t, when(given(inProgress), stop()), [stopRequested()]),
    'a backfill stopping or ended is ReplicationBackfillInvalidStatus; an unknown one ReplicationBackfillNotFound': (t) => {
      then(t, when(given([...inProgress, stopRequested()]), stop()), 'ReplicationBackfillInvalidStatus');
      then(t, when(given([...toBackfill, ended('STOPPED')]), stop()), 'ReplicationBackfillInvalidStatus');
      then(t, when(given([configured(west), started(), prepared([]), ended('COMPLETE')]), stop()), 'ReplicationBackfillInvalidStatus');
      then(t, when(given(toBackfill), stop('b2')), 'ReplicationBackfillNotFound');
    },
  },

  FinishReplicationBackfill: {
    'a STOPPING backfill is ReplicationBackfillEnded STOPPED': (t) =>
      then(t, when(given([...inProgress, stopRequested()]), finish()), [ended('STOPPED')]),
    'a backfill not STOPPING changes nothing; an unknown one is ReplicationBackfillNotFound': (t) => {
      then(t, when(given(toBackfill), finish()), []);
      then(t, when(given(inProgress), finish()), []);
      then(t, when(given([...inProgress, stopRequested(), ended('STOPPED')]), finish()), []);
      then(t, when(given(toBackfill), finish('b2')), 'ReplicationBackfillNotFound');
    },
  },
};

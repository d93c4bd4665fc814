/** One factory per replication event type (fixed key order, see ../events.ts). */
import type { EventOf } from '../events.ts';
import type { ReplicationEventMap } from './replication-events.ts';
import type { ReplicationRule } from './replication-state.ts';

type D<K extends keyof ReplicationEventMap> = ReplicationEventMap[K];

/** A rule with its keys in a fixed order (the filters only when given). */
export const ruleOf = (r: ReplicationRule): ReplicationRule => ({
  destinations: r.destinations.map((d) => ({ region: d.region, registryId: d.registryId })),
  ...(r.repositoryFilters === undefined
    ? {}
    : { repositoryFilters: r.repositoryFilters.map((f) => ({ filter: f.filter, filterType: f.filterType })) }),
});

export const replicationEvents = {
  ReplicationConfigurationPut: (d: D<'ReplicationConfigurationPut'>): EventOf<'ReplicationConfigurationPut'> => ({
    type: 'ReplicationConfigurationPut',
    data: { account: d.account, region: d.region, rules: d.rules.map(ruleOf) },
  }),
  ImageReplicationStarted: (d: D<'ImageReplicationStarted'>): EventOf<'ImageReplicationStarted'> => ({
    type: 'ImageReplicationStarted',
    data: {
      account: d.account,
      region: d.region,
      repository: d.repository,
      digest: d.digest,
      tags: [...d.tags],
      destinations: d.destinations.map((x) => ({ region: x.region, registryId: x.registryId, rule: x.rule })),
    },
  }),
  ImageReplicated: (d: D<'ImageReplicated'>): EventOf<'ImageReplicated'> => ({
    type: 'ImageReplicated',
    data: {
      account: d.account,
      region: d.region,
      repository: d.repository,
      digest: d.digest,
      destinationRegion: d.destinationRegion,
      destinationRegistryId: d.destinationRegistryId,
      rule: d.rule,
      tags: [...d.tags],
    },
  }),
  ImageReplicationFailed: (d: D<'ImageReplicationFailed'>): EventOf<'ImageReplicationFailed'> => ({
    type: 'ImageReplicationFailed',
    data: {
      account: d.account,
      region: d.region,
      repository: d.repository,
      digest: d.digest,
      destinationRegion: d.destinationRegion,
      destinationRegistryId: d.destinationRegistryId,
      rule: d.rule,
      tags: [...d.tags],
      failureCode: d.failureCode,
      failureReason: d.failureReason,
    },
  }),
  ReplicationBackfillStarted: (d: D<'ReplicationBackfillStarted'>): EventOf<'ReplicationBackfillStarted'> => ({
    type: 'ReplicationBackfillStarted',
    data: {
      account: d.account,
      region: d.region,
      destinationRegion: d.destinationRegion,
      destinationRegistryId: d.destinationRegistryId,
      backfillId: d.backfillId,
    },
  }),
  ReplicationBackfillPrepared: (d: D<'ReplicationBackfillPrepared'>): EventOf<'ReplicationBackfillPrepared'> => ({
    type: 'ReplicationBackfillPrepared',
    data: {
      account: d.account,
      region: d.region,
      backfillId: d.backfillId,
      items: d.items.map((i) => ({ repository: i.repository, digest: i.digest, tag: i.tag })),
    },
  }),
  ReplicationBackfillItemReplicated: (d: D<'ReplicationBackfillItemReplicated'>): EventOf<'ReplicationBackfillItemReplicated'> => ({
    type: 'ReplicationBackfillItemReplicated',
    data: {
      account: d.account,
      region: d.region,
      repository: d.repository,
      backfillId: d.backfillId,
      index: d.index,
      digest: d.digest,
      tag: d.tag,
      status: d.status,
      failureCode: d.failureCode,
    },
  }),
  ReplicationBackfillStopRequested: (d: D<'ReplicationBackfillStopRequested'>): EventOf<'ReplicationBackfillStopRequested'> => ({
    type: 'ReplicationBackfillStopRequested',
    data: { account: d.account, region: d.region, backfillId: d.backfillId },
  }),
  ReplicationBackfillEnded: (d: D<'ReplicationBackfillEnded'>): EventOf<'ReplicationBackfillEnded'> => ({
    type: 'ReplicationBackfillEnded',
    data: { account: d.account, region: d.region, backfillId: d.backfillId, status: d.status, failureCode: d.failureCode },
  }),
} as const;

/** Schema version of each replication event type (bump with an upcaster, see ../upcasters.ts). */
export const REPLICATION_EVENT_VERSIONS: { [K in keyof ReplicationEventMap]: number } = {
  ReplicationConfigurationPut: 1,
  ImageReplicationStarted: 1,
  ImageReplicated: 1,
  ImageReplicationFailed: 1,
  ReplicationBackfillStarted: 1,
  ReplicationBackfillPrepared: 1,
  ReplicationBackfillItemReplicated: 1,
  ReplicationBackfillStopRequested: 1,
  ReplicationBackfillEnded: 1,
};

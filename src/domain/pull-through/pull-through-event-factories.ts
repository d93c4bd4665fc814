/** One factory per pull through cache event type (fixed key order, see ../events.ts). */
import type { EventOf } from '../events.ts';
import type { PullThroughEventMap } from './pull-through-events.ts';

type D<K extends keyof PullThroughEventMap> = PullThroughEventMap[K];

export const pullThroughEvents = {
  PullThroughCacheRuleCreated: (d: D<'PullThroughCacheRuleCreated'>): EventOf<'PullThroughCacheRuleCreated'> => ({
    type: 'PullThroughCacheRuleCreated',
    data: {
      account: d.account,
      region: d.region,
      ecrRepositoryPrefix: d.ecrRepositoryPrefix,
      upstreamRegistryUrl: d.upstreamRegistryUrl,
      upstreamRegistry: d.upstreamRegistry,
      credentialArn: d.credentialArn,
      customRoleArn: d.customRoleArn,
      upstreamRepositoryPrefix: d.upstreamRepositoryPrefix,
    },
  }),
  PullThroughCacheRuleUpdated: (d: D<'PullThroughCacheRuleUpdated'>): EventOf<'PullThroughCacheRuleUpdated'> => ({
    type: 'PullThroughCacheRuleUpdated',
    data: {
      account: d.account,
      region: d.region,
      ecrRepositoryPrefix: d.ecrRepositoryPrefix,
      credentialArn: d.credentialArn,
      customRoleArn: d.customRoleArn,
    },
  }),
  PullThroughCacheRuleDeleted: (d: D<'PullThroughCacheRuleDeleted'>): EventOf<'PullThroughCacheRuleDeleted'> => ({
    type: 'PullThroughCacheRuleDeleted',
    data: { account: d.account, region: d.region, ecrRepositoryPrefix: d.ecrRepositoryPrefix },
  }),
  UpstreamImageCached: (d: D<'UpstreamImageCached'>): EventOf<'UpstreamImageCached'> => ({
    type: 'UpstreamImageCached',
    data: {
      account: d.account,
      region: d.region,
      repository: d.repository,
      digest: d.digest,
      tag: d.tag,
      ecrRepositoryPrefix: d.ecrRepositoryPrefix,
      upstreamRegistryUrl: d.upstreamRegistryUrl,
      upstreamRepository: d.upstreamRepository,
    },
  }),
  UpstreamTagChecked: (d: D<'UpstreamTagChecked'>): EventOf<'UpstreamTagChecked'> => ({
    type: 'UpstreamTagChecked',
    data: { account: d.account, region: d.region, repository: d.repository, tag: d.tag, digest: d.digest },
  }),
} as const;

/** Schema version of each pull through cache event type (bump with an upcaster, see ../upcasters.ts). */
export const PULL_THROUGH_EVENT_VERSIONS: { [K in keyof PullThroughEventMap]: number } = {
  PullThroughCacheRuleCreated: 1,
  PullThroughCacheRuleUpdated: 1,
  PullThroughCacheRuleDeleted: 1,
  UpstreamImageCached: 1,
  UpstreamTagChecked: 1,
};

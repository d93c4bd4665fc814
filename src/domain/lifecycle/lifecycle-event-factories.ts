/** One factory per lifecycle event type (fixed key order, see ../events.ts), and their schema versions. */
import type { EventOf } from '../events.ts';
import type { LifecycleEventMap } from './lifecycle-events.ts';

type D<K extends keyof LifecycleEventMap> = LifecycleEventMap[K];

export const lifecycleEvents = {
  LifecyclePolicyPut: (d: D<'LifecyclePolicyPut'>): EventOf<'LifecyclePolicyPut'> => ({
    type: 'LifecyclePolicyPut',
    data: { account: d.account, region: d.region, repository: d.repository, policyText: d.policyText },
  }),
  LifecyclePolicyDeleted: (d: D<'LifecyclePolicyDeleted'>): EventOf<'LifecyclePolicyDeleted'> => ({
    type: 'LifecyclePolicyDeleted',
    data: { account: d.account, region: d.region, repository: d.repository },
  }),
  LifecyclePolicyEvaluated: (d: D<'LifecyclePolicyEvaluated'>): EventOf<'LifecyclePolicyEvaluated'> => ({
    type: 'LifecyclePolicyEvaluated',
    data: {
      account: d.account,
      region: d.region,
      repository: d.repository,
      evaluatedAt: d.evaluatedAt,
      trigger: d.trigger,
      expired: d.expired,
      transitioned: d.transitioned,
    },
  }),
  ImageExpired: (d: D<'ImageExpired'>): EventOf<'ImageExpired'> => ({
    type: 'ImageExpired',
    data: {
      account: d.account,
      region: d.region,
      repository: d.repository,
      digest: d.digest,
      tags: [...d.tags],
      rulePriority: d.rulePriority,
      evaluatedAt: d.evaluatedAt,
    },
  }),
  ImageTransitioned: (d: D<'ImageTransitioned'>): EventOf<'ImageTransitioned'> => ({
    type: 'ImageTransitioned',
    data: {
      account: d.account,
      region: d.region,
      repository: d.repository,
      digest: d.digest,
      storageClass: d.storageClass,
      rulePriority: d.rulePriority,
      evaluatedAt: d.evaluatedAt,
    },
  }),
  LifecyclePolicyPreviewStarted: (d: D<'LifecyclePolicyPreviewStarted'>): EventOf<'LifecyclePolicyPreviewStarted'> => ({
    type: 'LifecyclePolicyPreviewStarted',
    data: { account: d.account, region: d.region, repository: d.repository, policyText: d.policyText },
  }),
  LifecyclePolicyPreviewCompleted: (d: D<'LifecyclePolicyPreviewCompleted'>): EventOf<'LifecyclePolicyPreviewCompleted'> => ({
    type: 'LifecyclePolicyPreviewCompleted',
    data: {
      account: d.account,
      region: d.region,
      repository: d.repository,
      evaluatedAt: d.evaluatedAt,
      results: d.results.map((r) => ({ digest: r.digest, action: r.action, rulePriority: r.rulePriority })),
    },
  }),
} as const;

/** Schema version of each lifecycle event type (bump with an upcaster, see ../upcasters.ts). */
export const LIFECYCLE_EVENT_VERSIONS: { readonly [K in keyof LifecycleEventMap]: number } = {
  LifecyclePolicyPut: 1,
  LifecyclePolicyDeleted: 1,
  LifecyclePolicyEvaluated: 1,
  ImageExpired: 1,
  ImageTransitioned: 1,
  LifecyclePolicyPreviewStarted: 1,
  LifecyclePolicyPreviewCompleted: 1,
};

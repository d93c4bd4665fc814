/** Folds the pull through cache events into the registry state (in place, like ../evolve.ts). */
import type { EvolverTable } from '../decision.ts';
import type { RecordedEvent } from '../events.ts';
import { repoKey, scopeKey } from '../scope.ts';
import type { RegistrySettings, RegistryState } from '../state.ts';
import type { PullThroughEventMap } from './pull-through-events.ts';

export type PullThroughRecordedEvent = Extract<RecordedEvent, { type: keyof PullThroughEventMap }>;

function registryOf(state: RegistryState, d: { account: string; region: string }): RegistrySettings {
  const key = scopeKey(d);
  let reg = state.registries.get(key);
  if (!reg) state.registries.set(key, (reg = {}));
  return reg;
}

export const pullThroughEvolvers: EvolverTable<PullThroughRecordedEvent> = {
  PullThroughCacheRuleCreated: (state, e) => {
    const reg = registryOf(state, e.data);
    const d = e.data;
    reg.pullThroughRules = {
      ...reg.pullThroughRules,
      [d.ecrRepositoryPrefix]: {
        ecrRepositoryPrefix: d.ecrRepositoryPrefix,
        upstreamRegistryUrl: d.upstreamRegistryUrl,
        upstreamRegistry: d.upstreamRegistry,
        ...(d.credentialArn === null ? {} : { credentialArn: d.credentialArn }),
        ...(d.customRoleArn === null ? {} : { customRoleArn: d.customRoleArn }),
        upstreamRepositoryPrefix: d.upstreamRepositoryPrefix,
        createdAt: e.time,
        updatedAt: e.time,
      },
    };
  },
  PullThroughCacheRuleUpdated: (state, e) => {
    const reg = registryOf(state, e.data);
    const rule = reg.pullThroughRules?.[e.data.ecrRepositoryPrefix];
    if (!rule) return;
    const { credentialArn: _c, customRoleArn: _r, ...rest } = rule;
    reg.pullThroughRules = {
      ...reg.pullThroughRules,
      [e.data.ecrRepositoryPrefix]: {
        ...rest,
        ...(e.data.credentialArn === null ? {} : { credentialArn: e.data.credentialArn }),
        ...(e.data.customRoleArn === null ? {} : { customRoleArn: e.data.customRoleArn }),
        updatedAt: e.time,
      },
    };
  },
  PullThroughCacheRuleDeleted: (state, e) => {
    const reg = registryOf(state, e.data);
    if (!reg.pullThroughRules) return;
    const { [e.data.ecrRepositoryPrefix]: _gone, ...rest } = reg.pullThroughRules;
    reg.pullThroughRules = rest;
  },
  UpstreamImageCached: (state, e) => {
    const repo = state.repos.get(repoKey(e.data, e.data.repository));
    if (!repo) return;
    const prev = repo.settings.pullThrough;
    // settings' fields are replaced, never changed in place (time travel shares them)
    repo.settings.pullThrough = {
      ecrRepositoryPrefix: e.data.ecrRepositoryPrefix,
      upstreamRegistryUrl: e.data.upstreamRegistryUrl,
      upstreamRepository: e.data.upstreamRepository,
      tagsCheckedAt: e.data.tag === null ? { ...prev?.tagsCheckedAt } : { ...prev?.tagsCheckedAt, [e.data.tag]: e.time },
    };
  },
  UpstreamTagChecked: (state, e) => {
    const repo = state.repos.get(repoKey(e.data, e.data.repository));
    const prev = repo?.settings.pullThrough;
    if (repo && prev) repo.settings.pullThrough = { ...prev, tagsCheckedAt: { ...prev.tagsCheckedAt, [e.data.tag]: e.time } };
  },
};

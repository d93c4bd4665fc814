/** Folds the ECR-only events into the registry state (in place, like ../evolve.ts). */
import type { RecordedEvent } from '../events.ts';
import { repoKey, scopeKey } from '../scope.ts';
import type { RegistryState } from '../state.ts';
import type { SettingsEventMap } from './settings-events.ts';
import { defaultRegistrySettings, type RegistrySettings } from './settings-state.ts';

export type SettingsRecordedEvent = Extract<RecordedEvent, { type: keyof SettingsEventMap }>;

function registryOf(state: RegistryState, d: { account: string; region: string }): RegistrySettings {
  const key = scopeKey(d);
  let reg = state.registries.get(key);
  if (!reg) {
    reg = defaultRegistrySettings();
    state.registries.set(key, reg);
  }
  return reg;
}

export function evolveSettings(state: RegistryState, e: SettingsRecordedEvent): RegistryState {
  const repoOf = (d: { account: string; region: string; repository: string }) => state.repos.get(repoKey(d, d.repository));
  switch (e.type) {
    case 'RepositoryTagged': {
      const repo = repoOf(e.data);
      if (!repo) return state;
      const added = new Map(e.data.tags.map((t) => [t.Key, t.Value]));
      const kept = repo.settings.resourceTags.filter((t) => !added.has(t.Key));
      repo.settings.resourceTags = [...kept, ...e.data.tags.map((t) => ({ Key: t.Key, Value: t.Value }))];
      return state;
    }
    case 'RepositoryUntagged': {
      const repo = repoOf(e.data);
      if (repo) repo.settings.resourceTags = repo.settings.resourceTags.filter((t) => !e.data.tagKeys.includes(t.Key));
      return state;
    }
    case 'ImageTagMutabilityPut': {
      const repo = repoOf(e.data);
      if (repo) {
        repo.settings.imageTagMutability = e.data.imageTagMutability;
        repo.settings.imageTagMutabilityExclusionFilters = e.data.imageTagMutabilityExclusionFilters;
      }
      return state;
    }
    case 'ImageScanningConfigurationPut': {
      const repo = repoOf(e.data);
      if (repo) repo.settings.scanOnPush = e.data.scanOnPush;
      return state;
    }
    case 'RepositoryPolicySet': {
      const repo = repoOf(e.data);
      if (repo) repo.settings.policyText = e.data.policyText;
      return state;
    }
    case 'RepositoryPolicyDeleted': {
      const repo = repoOf(e.data);
      if (repo) delete repo.settings.policyText;
      return state;
    }
    case 'RegistryPolicyPut':
      registryOf(state, e.data).policyText = e.data.policyText;
      return state;
    case 'RegistryPolicyDeleted':
      delete registryOf(state, e.data).policyText;
      return state;
    case 'AccountSettingPut': {
      const reg = registryOf(state, e.data);
      reg.accountSettings = { ...reg.accountSettings, [e.data.name]: e.data.value };
      return state;
    }
    case 'RegistryScanningConfigurationPut':
      registryOf(state, e.data).scanning = { scanType: e.data.scanType, rules: e.data.rules };
      return state;
    case 'SigningConfigurationPut':
      registryOf(state, e.data).signing = { rules: e.data.rules };
      return state;
    case 'SigningConfigurationDeleted':
      delete registryOf(state, e.data).signing;
      return state;
    case 'PullTimeUpdateExclusionRegistered': {
      const reg = registryOf(state, e.data);
      reg.pullTimeUpdateExclusions = [...(reg.pullTimeUpdateExclusions ?? []), e.data.principalArn];
      return state;
    }
    case 'PullTimeUpdateExclusionDeregistered': {
      const reg = registryOf(state, e.data);
      reg.pullTimeUpdateExclusions = (reg.pullTimeUpdateExclusions ?? []).filter((p) => p !== e.data.principalArn);
      return state;
    }
    case 'RepositoryCreationTemplateCreated': {
      const reg = registryOf(state, e.data);
      reg.templates = { ...reg.templates, [e.data.template.prefix]: { ...e.data.template, createdAt: e.time, updatedAt: e.time } };
      return state;
    }
    case 'RepositoryCreationTemplateUpdated': {
      const reg = registryOf(state, e.data);
      const createdAt = reg.templates?.[e.data.template.prefix]?.createdAt ?? e.time;
      reg.templates = { ...reg.templates, [e.data.template.prefix]: { ...e.data.template, createdAt, updatedAt: e.time } };
      return state;
    }
    case 'RepositoryCreationTemplateDeleted': {
      const reg = registryOf(state, e.data);
      const { [e.data.prefix]: _gone, ...rest } = reg.templates ?? {};
      reg.templates = rest;
      return state;
    }
    case 'ImageStorageClassChanged': {
      const image = repoOf(e.data)?.images.get(e.data.digest);
      if (image) {
        image.storageClass = e.data.storageClass;
        image.storageClassChangedAt = e.time;
      }
      return state;
    }
    default: {
      const never: never = e;
      throw new Error(`unknown event type ${String((never as { type: string }).type)}`);
    }
  }
}

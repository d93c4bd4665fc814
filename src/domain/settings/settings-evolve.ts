/** Folds the ECR-only events into the registry state (in place, like ../evolve.ts). */
import type { EvolverTable } from '../decision.ts';
import type { RecordedEvent } from '../events.ts';
import { repoKey, scopeKey } from '../scope.ts';
import type { RegistryState, Repository } from '../state.ts';
import type { SettingsEventMap } from './settings-events.ts';
import { defaultRegistrySettings, type RegistrySettings } from './settings-state.ts';

export type SettingsRecordedEvent = Extract<RecordedEvent, { type: keyof SettingsEventMap }>;

/** A registry's settings, created (empty) on first write. */
function registryOf(state: RegistryState, d: { account: string; region: string }): RegistrySettings {
  const key = scopeKey(d);
  let reg = state.registries.get(key);
  if (!reg) {
    reg = defaultRegistrySettings();
    state.registries.set(key, reg);
  }
  return reg;
}

const repoOf = (state: RegistryState, d: { account: string; region: string; repository: string }): Repository | undefined =>
  state.repos.get(repoKey(d, d.repository));

export const settingsEvolvers: EvolverTable<SettingsRecordedEvent> = {
  RepositoryTagged(state, e) {
    const repo = repoOf(state, e.data);
    if (!repo) return;
    const added = new Map(e.data.tags.map((t) => [t.Key, t.Value]));
    const kept = repo.settings.resourceTags.filter((t) => !added.has(t.Key));
    repo.settings.resourceTags = [...kept, ...e.data.tags.map((t) => ({ Key: t.Key, Value: t.Value }))];
  },

  RepositoryUntagged(state, e) {
    const repo = repoOf(state, e.data);
    if (repo) repo.settings.resourceTags = repo.settings.resourceTags.filter((t) => !e.data.tagKeys.includes(t.Key));
  },

  ImageTagMutabilityPut(state, e) {
    const repo = repoOf(state, e.data);
    if (!repo) return;
    repo.settings.imageTagMutability = e.data.imageTagMutability;
    repo.settings.imageTagMutabilityExclusionFilters = e.data.imageTagMutabilityExclusionFilters;
  },

  ImageScanningConfigurationPut(state, e) {
    const repo = repoOf(state, e.data);
    if (repo) repo.settings.scanOnPush = e.data.scanOnPush;
  },

  RepositoryPolicySet(state, e) {
    const repo = repoOf(state, e.data);
    if (repo) repo.settings.policyText = e.data.policyText;
  },

  RepositoryPolicyDeleted(state, e) {
    const repo = repoOf(state, e.data);
    if (repo) delete repo.settings.policyText;
  },

  RegistryPolicyPut(state, e) {
    registryOf(state, e.data).policyText = e.data.policyText;
  },

  RegistryPolicyDeleted(state, e) {
    delete registryOf(state, e.data).policyText;
  },

  AccountSettingPut(state, e) {
    const reg = registryOf(state, e.data);
    reg.accountSettings = { ...reg.accountSettings, [e.data.name]: e.data.value };
  },

  RegistryScanningConfigurationPut(state, e) {
    registryOf(state, e.data).scanning = { scanType: e.data.scanType, rules: e.data.rules };
  },

  SigningConfigurationPut(state, e) {
    registryOf(state, e.data).signing = { rules: e.data.rules };
  },

  SigningConfigurationDeleted(state, e) {
    delete registryOf(state, e.data).signing;
  },

  PullTimeUpdateExclusionRegistered(state, e) {
    const reg = registryOf(state, e.data);
    reg.pullTimeUpdateExclusions = [...(reg.pullTimeUpdateExclusions ?? []), e.data.principalArn];
  },

  PullTimeUpdateExclusionDeregistered(state, e) {
    const reg = registryOf(state, e.data);
    reg.pullTimeUpdateExclusions = (reg.pullTimeUpdateExclusions ?? []).filter((p) => p !== e.data.principalArn);
  },

  RepositoryCreationTemplateCreated(state, e) {
    const reg = registryOf(state, e.data);
    reg.templates = { ...reg.templates, [e.data.template.prefix]: { ...e.data.template, createdAt: e.time, updatedAt: e.time } };
  },

  RepositoryCreationTemplateUpdated(state, e) {
    const reg = registryOf(state, e.data);
    const createdAt = reg.templates?.[e.data.template.prefix]?.createdAt ?? e.time;
    reg.templates = { ...reg.templates, [e.data.template.prefix]: { ...e.data.template, createdAt, updatedAt: e.time } };
  },

  RepositoryCreationTemplateDeleted(state, e) {
    const reg = registryOf(state, e.data);
    const { [e.data.prefix]: _gone, ...rest } = reg.templates ?? {};
    reg.templates = rest;
  },

  ImageStorageClassChanged(state, e) {
    const image = repoOf(state, e.data)?.images.get(e.data.digest);
    if (!image) return;
    image.storageClass = e.data.storageClass;
    image.storageClassChangedAt = e.time;
  },
};

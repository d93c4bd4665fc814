/** One factory per ECR-only event type (fixed key order, see ../events.ts). */
import type { EventOf } from '../events.ts';
import type { SettingsEventMap } from './settings-events.ts';
import type { CreationTemplate, RepositoryFilter, ResourceTag, ScanningRule, SigningRule, TagMutabilityFilter } from './settings-state.ts';

type D<K extends keyof SettingsEventMap> = SettingsEventMap[K];

const reg = (d: { account: string; region: string }) => ({ account: d.account, region: d.region });
const repo = (d: { account: string; region: string; repository: string }) => ({
  account: d.account,
  region: d.region,
  repository: d.repository,
});
const tags = (ts: ResourceTag[]): ResourceTag[] => ts.map((t) => ({ Key: t.Key, Value: t.Value }));
const filters = (fs: TagMutabilityFilter[]): TagMutabilityFilter[] => fs.map((f) => ({ filterType: f.filterType, filter: f.filter }));
const repoFilters = (fs: RepositoryFilter[]): RepositoryFilter[] => fs.map((f) => ({ filter: f.filter, filterType: f.filterType }));
const scanRules = (rs: ScanningRule[]): ScanningRule[] =>
  rs.map((r) => ({ scanFrequency: r.scanFrequency, repositoryFilters: repoFilters(r.repositoryFilters) }));
const signRules = (rs: SigningRule[]): SigningRule[] =>
  rs.map((r) => ({
    signingProfileArn: r.signingProfileArn,
    ...(r.repositoryFilters ? { repositoryFilters: repoFilters(r.repositoryFilters) } : {}),
  }));

/** Optional fields are written only when present, always in this order. */
export const templateData = (t: CreationTemplate): CreationTemplate => ({
  prefix: t.prefix,
  ...(t.description !== undefined ? { description: t.description } : {}),
  encryptionType: t.encryptionType,
  ...(t.kmsKey !== undefined ? { kmsKey: t.kmsKey } : {}),
  resourceTags: tags(t.resourceTags),
  imageTagMutability: t.imageTagMutability,
  imageTagMutabilityExclusionFilters: filters(t.imageTagMutabilityExclusionFilters),
  ...(t.repositoryPolicy !== undefined ? { repositoryPolicy: t.repositoryPolicy } : {}),
  ...(t.lifecyclePolicy !== undefined ? { lifecyclePolicy: t.lifecyclePolicy } : {}),
  appliedFor: [...t.appliedFor],
  ...(t.customRoleArn !== undefined ? { customRoleArn: t.customRoleArn } : {}),
});

export const settingsEvents = {
  RepositoryTagged: (d: D<'RepositoryTagged'>): EventOf<'RepositoryTagged'> => ({
    type: 'RepositoryTagged',
    data: { account: d.account, region: d.region, repository: d.repository, tags: tags(d.tags) },
  }),
  RepositoryUntagged: (d: D<'RepositoryUntagged'>): EventOf<'RepositoryUntagged'> => ({
    type: 'RepositoryUntagged',
    data: { account: d.account, region: d.region, repository: d.repository, tagKeys: [...d.tagKeys] },
  }),
  ImageTagMutabilityPut: (d: D<'ImageTagMutabilityPut'>): EventOf<'ImageTagMutabilityPut'> => ({
    type: 'ImageTagMutabilityPut',
    data: {
      account: d.account,
      region: d.region,
      repository: d.repository,
      imageTagMutability: d.imageTagMutability,
      imageTagMutabilityExclusionFilters: filters(d.imageTagMutabilityExclusionFilters),
    },
  }),
  ImageScanningConfigurationPut: (d: D<'ImageScanningConfigurationPut'>): EventOf<'ImageScanningConfigurationPut'> => ({
    type: 'ImageScanningConfigurationPut',
    data: { account: d.account, region: d.region, repository: d.repository, scanOnPush: d.scanOnPush },
  }),
  RepositoryPolicySet: (d: D<'RepositoryPolicySet'>): EventOf<'RepositoryPolicySet'> => ({
    type: 'RepositoryPolicySet',
    data: { account: d.account, region: d.region, repository: d.repository, policyText: d.policyText },
  }),
  RepositoryPolicyDeleted: (d: D<'RepositoryPolicyDeleted'>): EventOf<'RepositoryPolicyDeleted'> => ({
    type: 'RepositoryPolicyDeleted',
    data: repo(d),
  }),
  RegistryPolicyPut: (d: D<'RegistryPolicyPut'>): EventOf<'RegistryPolicyPut'> => ({
    type: 'RegistryPolicyPut',
    data: { account: d.account, region: d.region, policyText: d.policyText },
  }),
  RegistryPolicyDeleted: (d: D<'RegistryPolicyDeleted'>): EventOf<'RegistryPolicyDeleted'> => ({
    type: 'RegistryPolicyDeleted',
    data: reg(d),
  }),
  AccountSettingPut: (d: D<'AccountSettingPut'>): EventOf<'AccountSettingPut'> => ({
    type: 'AccountSettingPut',
    data: { account: d.account, region: d.region, name: d.name, value: d.value },
  }),
  RegistryScanningConfigurationPut: (d: D<'RegistryScanningConfigurationPut'>): EventOf<'RegistryScanningConfigurationPut'> => ({
    type: 'RegistryScanningConfigurationPut',
    data: { account: d.account, region: d.region, scanType: d.scanType, rules: scanRules(d.rules) },
  }),
  SigningConfigurationPut: (d: D<'SigningConfigurationPut'>): EventOf<'SigningConfigurationPut'> => ({
    type: 'SigningConfigurationPut',
    data: { account: d.account, region: d.region, rules: signRules(d.rules) },
  }),
  SigningConfigurationDeleted: (d: D<'SigningConfigurationDeleted'>): EventOf<'SigningConfigurationDeleted'> => ({
    type: 'SigningConfigurationDeleted',
    data: reg(d),
  }),
  PullTimeUpdateExclusionRegistered: (d: D<'PullTimeUpdateExclusionRegistered'>): EventOf<'PullTimeUpdateExclusionRegistered'> => ({
    type: 'PullTimeUpdateExclusionRegistered',
    data: { account: d.account, region: d.region, principalArn: d.principalArn },
  }),
  PullTimeUpdateExclusionDeregistered: (d: D<'PullTimeUpdateExclusionDeregistered'>): EventOf<'PullTimeUpdateExclusionDeregistered'> => ({
    type: 'PullTimeUpdateExclusionDeregistered',
    data: { account: d.account, region: d.region, principalArn: d.principalArn },
  }),
  RepositoryCreationTemplateCreated: (d: D<'RepositoryCreationTemplateCreated'>): EventOf<'RepositoryCreationTemplateCreated'> => ({
    type: 'RepositoryCreationTemplateCreated',
    data: { account: d.account, region: d.region, template: templateData(d.template) },
  }),
  RepositoryCreationTemplateUpdated: (d: D<'RepositoryCreationTemplateUpdated'>): EventOf<'RepositoryCreationTemplateUpdated'> => ({
    type: 'RepositoryCreationTemplateUpdated',
    data: { account: d.account, region: d.region, template: templateData(d.template) },
  }),
  RepositoryCreationTemplateDeleted: (d: D<'RepositoryCreationTemplateDeleted'>): EventOf<'RepositoryCreationTemplateDeleted'> => ({
    type: 'RepositoryCreationTemplateDeleted',
    data: { account: d.account, region: d.region, prefix: d.prefix },
  }),
  ImageStorageClassChanged: (d: D<'ImageStorageClassChanged'>): EventOf<'ImageStorageClassChanged'> => ({
    type: 'ImageStorageClassChanged',
    data: { account: d.account, region: d.region, repository: d.repository, digest: d.digest, storageClass: d.storageClass },
  }),
} as const;

/** Schema version of each ECR-only event type (bump with an upcaster, see ../upcasters.ts). */
export const SETTINGS_EVENT_VERSIONS: { [K in keyof SettingsEventMap]: number } = {
  RepositoryTagged: 1,
  RepositoryUntagged: 1,
  ImageTagMutabilityPut: 1,
  ImageScanningConfigurationPut: 1,
  RepositoryPolicySet: 1,
  RepositoryPolicyDeleted: 1,
  RegistryPolicyPut: 1,
  RegistryPolicyDeleted: 1,
  AccountSettingPut: 1,
  RegistryScanningConfigurationPut: 1,
  SigningConfigurationPut: 1,
  SigningConfigurationDeleted: 1,
  PullTimeUpdateExclusionRegistered: 1,
  PullTimeUpdateExclusionDeregistered: 1,
  RepositoryCreationTemplateCreated: 1,
  RepositoryCreationTemplateUpdated: 1,
  RepositoryCreationTemplateDeleted: 1,
  ImageStorageClassChanged: 1,
};

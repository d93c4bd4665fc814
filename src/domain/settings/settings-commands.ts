/** ECR-only commands (policies, resource tags, settings, templates, ...). */
import type { RegistryScope } from '../scope.ts';
import type { CreationTemplate, ResourceTag, ScanningRule, SigningRule, TagMutabilityFilter } from './settings-state.ts';

interface InRegistry {
  scope: RegistryScope;
}
interface InRepo extends InRegistry {
  repository: string;
}

export type SettingsCommand =
  | ({ type: 'TagRepository'; tags: ResourceTag[] } & InRepo)
  | ({ type: 'UntagRepository'; tagKeys: string[] } & InRepo)
  | ({ type: 'PutImageTagMutability'; imageTagMutability: string; imageTagMutabilityExclusionFilters: TagMutabilityFilter[] } & InRepo)
  | ({ type: 'PutImageScanningConfiguration'; scanOnPush: boolean } & InRepo)
  | ({ type: 'SetRepositoryPolicy'; policyText: string } & InRepo)
  | ({ type: 'DeleteRepositoryPolicy' } & InRepo)
  | ({ type: 'PutRegistryPolicy'; policyText: string } & InRegistry)
  | ({ type: 'DeleteRegistryPolicy' } & InRegistry)
  | ({ type: 'PutAccountSetting'; name: string; value: string } & InRegistry)
  | ({ type: 'PutRegistryScanningConfiguration'; scanType: string; rules: ScanningRule[] } & InRegistry)
  | ({ type: 'PutSigningConfiguration'; rules: SigningRule[] } & InRegistry)
  | ({ type: 'DeleteSigningConfiguration' } & InRegistry)
  | ({ type: 'RegisterPullTimeUpdateExclusion'; principalArn: string } & InRegistry)
  | ({ type: 'DeregisterPullTimeUpdateExclusion'; principalArn: string } & InRegistry)
  | ({ type: 'CreateRepositoryCreationTemplate'; template: CreationTemplate } & InRegistry)
  /** Fields present in `changes` replace the template's; the others stay. */
  | ({ type: 'UpdateRepositoryCreationTemplate'; prefix: string; changes: Partial<Omit<CreationTemplate, 'prefix'>> } & InRegistry)
  | ({ type: 'DeleteRepositoryCreationTemplate'; prefix: string } & InRegistry)
  | ({ type: 'UpdateImageStorageClass'; digest: string; storageClass: 'STANDARD' | 'ARCHIVE' } & InRepo);

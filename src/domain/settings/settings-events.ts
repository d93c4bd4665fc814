/**
 * ECR-only facts: policies, resource tags, registry settings, templates...
 * Part of the one closed union in ../events.ts.
 */
import type { CreationTemplate, RepositoryFilter, ResourceTag, ScanningRule, SigningRule, TagMutabilityFilter } from './settings-state.ts';

interface InRegistry {
  account: string;
  region: string;
}
interface InRepository extends InRegistry {
  repository: string;
}

export interface SettingsEventMap {
  /** Resource tags were added to a repository (an existing key takes the new value). */
  RepositoryTagged: InRepository & { tags: ResourceTag[] };
  RepositoryUntagged: InRepository & { tagKeys: string[] };
  ImageTagMutabilityPut: InRepository & { imageTagMutability: string; imageTagMutabilityExclusionFilters: TagMutabilityFilter[] };
  ImageScanningConfigurationPut: InRepository & { scanOnPush: boolean };
  RepositoryPolicySet: InRepository & { policyText: string };
  RepositoryPolicyDeleted: InRepository;
  RegistryPolicyPut: InRegistry & { policyText: string };
  RegistryPolicyDeleted: InRegistry;
  AccountSettingPut: InRegistry & { name: string; value: string };
  RegistryScanningConfigurationPut: InRegistry & { scanType: string; rules: ScanningRule[] };
  SigningConfigurationPut: InRegistry & { rules: SigningRule[] };
  SigningConfigurationDeleted: InRegistry;
  PullTimeUpdateExclusionRegistered: InRegistry & { principalArn: string };
  PullTimeUpdateExclusionDeregistered: InRegistry & { principalArn: string };
  RepositoryCreationTemplateCreated: InRegistry & { template: CreationTemplate };
  /** The template under `template.prefix` now reads as given (the face merges the update in). */
  RepositoryCreationTemplateUpdated: InRegistry & { template: CreationTemplate };
  RepositoryCreationTemplateDeleted: InRegistry & { prefix: string };
  /** UpdateImageStorageClass: the image moved to ARCHIVE or back to STANDARD. */
  ImageStorageClassChanged: InRepository & { digest: string; storageClass: 'STANDARD' | 'ARCHIVE' };
}

export type { RepositoryFilter };

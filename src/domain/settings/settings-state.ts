/**
 * ECR-only settings held in the registry state. Plain data only (no Map/Set):
 * they are cloned and snapshotted as they are.
 */
export interface ResourceTag {
  Key: string;
  Value: string;
}

export interface RepoSettings {
  imageTagMutability: string;
  imageTagMutabilityExclusionFilters: { filterType: string; filter: string }[];
  scanOnPush: boolean;
  encryptionType: string;
  kmsKey?: string;
  resourceTags: ResourceTag[];
  policyText?: string;
  lifecyclePolicyText?: string;
}

export interface RegistrySettings {
  policyText?: string;
}

export const defaultRepoSettings = (): RepoSettings => ({
  imageTagMutability: 'MUTABLE',
  imageTagMutabilityExclusionFilters: [],
  scanOnPush: false,
  encryptionType: 'AES256',
  resourceTags: [],
});

export const defaultRegistrySettings = (): RegistrySettings => ({});

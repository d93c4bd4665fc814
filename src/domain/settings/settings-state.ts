/**
 * ECR-only settings held in the registry state. Plain data only (no Map/Set):
 * they are cloned and snapshotted as they are. Every registry-level field is
 * optional so that an empty object is the default registry.
 */
import type { RepoLifecycle } from '../lifecycle/lifecycle-state.ts';
import type { CachedRepository, PullThroughCacheRule } from '../pull-through/pull-through-state.ts';
import type { ReplicationBackfill, ReplicationRule } from '../replication/replication-state.ts';

export interface ResourceTag {
  Key: string;
  Value: string;
}

export interface TagMutabilityFilter {
  filterType: string;
  filter: string;
}

export interface RepoSettings {
  imageTagMutability: string;
  imageTagMutabilityExclusionFilters: TagMutabilityFilter[];
  scanOnPush: boolean;
  encryptionType: string;
  kmsKey?: string;
  resourceTags: ResourceTag[];
  policyText?: string;
  lifecyclePolicyText?: string;
  /** Lifecycle bookkeeping: when the policy was put and last ran, the latest preview. */
  lifecycle?: RepoLifecycle;
  /** A repository a pull through cache rule created: what it mirrors (../pull-through/pull-through-state.ts). */
  pullThrough?: CachedRepository;
}

export interface RepositoryFilter {
  filter: string;
  filterType: string;
}

export interface ScanningRule {
  scanFrequency: string;
  repositoryFilters: RepositoryFilter[];
}

export interface SigningRule {
  signingProfileArn: string;
  repositoryFilters?: RepositoryFilter[];
}

/** A repository creation template (ECR's RepositoryCreationTemplate, minus the times kept beside it). */
export interface CreationTemplate {
  prefix: string;
  description?: string;
  encryptionType: string;
  kmsKey?: string;
  resourceTags: ResourceTag[];
  imageTagMutability: string;
  imageTagMutabilityExclusionFilters: TagMutabilityFilter[];
  repositoryPolicy?: string;
  lifecyclePolicy?: string;
  appliedFor: string[];
  customRoleArn?: string;
}

export interface StoredTemplate extends CreationTemplate {
  createdAt: number;
  updatedAt: number;
}

export interface RegistrySettings {
  policyText?: string;
  /** PutAccountSetting: name -> value (BASIC_SCAN_TYPE_VERSION, REGISTRY_POLICY_SCOPE, BLOB_MOUNTING, ...). */
  accountSettings?: Record<string, string>;
  scanning?: { scanType: string; rules: ScanningRule[] };
  signing?: { rules: SigningRule[] };
  /** Managed signing: the test certificates issued per signing profile (../signing/signing-state.ts). */
  signingCertificates?: Record<string, Uint8Array[]>;
  /** Principal ARNs whose pulls do not update lastRecordedPullTime. */
  pullTimeUpdateExclusions?: string[];
  /** Repository creation templates by prefix. */
  templates?: Record<string, StoredTemplate>;
  /** PutReplicationConfiguration (../replication/replication-state.ts). */
  replication?: { rules: ReplicationRule[] };
  /** Replication backfills by id. */
  replicationBackfills?: Record<string, ReplicationBackfill>;
  /** Pull through cache rules by ECR repository prefix. */
  pullThroughRules?: Record<string, PullThroughCacheRule>;
}

export const defaultRepoSettings = (): RepoSettings => ({
  imageTagMutability: 'MUTABLE',
  imageTagMutabilityExclusionFilters: [],
  scanOnPush: false,
  encryptionType: 'AES256',
  resourceTags: [],
});

export const defaultRegistrySettings = (): RegistrySettings => ({});

/** Account settings and their defaults as ECR reports them when never set. */
export const ACCOUNT_SETTING_DEFAULTS: Readonly<Record<string, string>> = {
  BASIC_SCAN_TYPE_VERSION: 'AWS_NATIVE',
  REGISTRY_POLICY_SCOPE: 'V2',
  BLOB_MOUNTING: 'ENABLED',
};

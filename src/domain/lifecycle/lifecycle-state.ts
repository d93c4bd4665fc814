/**
 * What the registry state keeps of lifecycle policies, per repository (in its settings,
 * beside `lifecyclePolicyText`). Plain data: it is cloned and snapshotted as it is.
 */

export interface LifecyclePreviewResult {
  digest: string;
  /** The image's tags, pushed time and storage class when the preview ran. */
  tags: string[];
  pushedAt: number;
  storageClass: 'STANDARD' | 'ARCHIVE';
  action: 'EXPIRE' | 'TRANSITION';
  rulePriority: number;
}

export interface LifecyclePreview {
  status: 'IN_PROGRESS' | 'COMPLETE';
  /** The policy previewed (the one given to StartLifecyclePolicyPreview, or the repository's). */
  policyText: string;
  startedAt: number;
  evaluatedAt?: number;
  /** The images the policy acts on, in the order it acts (COMPLETE only). */
  results?: LifecyclePreviewResult[];
}

export interface RepoLifecycle {
  /** When the current policy was put: the first scheduled evaluation comes one interval later. */
  policyPutAt?: number;
  /** The evaluation time of the last run of the policy (GetLifecyclePolicy's lastEvaluatedAt). */
  lastEvaluatedAt?: number;
  preview?: LifecyclePreview;
}

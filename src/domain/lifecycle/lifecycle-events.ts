/**
 * Lifecycle policy facts: a policy put or deleted, a run of it and what it did to each
 * image, previews started and completed. Part of the one closed union in ../events.ts.
 *
 * A run is journaled with its outcome: the images it expired or archived are named one
 * event each (with the rule priority and the evaluation time), so a replay reproduces the
 * run without evaluating the policy again, and `log` shows why an image went away.
 */

interface InRepository {
  account: string;
  region: string;
  repository: string;
}

export interface LifecyclePreviewAction {
  digest: string;
  action: 'EXPIRE' | 'TRANSITION';
  rulePriority: number;
}

export interface LifecycleEventMap {
  /** PutLifecyclePolicy (or a repository creation template applied on push): the validated text. */
  LifecyclePolicyPut: InRepository & { policyText: string };
  LifecyclePolicyDeleted: InRepository;
  /**
   * The repository's policy ran as of `evaluatedAt` (on its schedule or on request); the
   * ImageExpired and ImageTransitioned events of the same commit follow it.
   */
  LifecyclePolicyEvaluated: InRepository & {
    evaluatedAt: number;
    trigger: 'schedule' | 'request';
    expired: number;
    transitioned: number;
  };
  /** A lifecycle rule expired the image: it is gone, with the tags it had. */
  ImageExpired: InRepository & { digest: string; tags: string[]; rulePriority: number; evaluatedAt: number };
  /** A lifecycle rule moved the image to the archive storage class. */
  ImageTransitioned: InRepository & { digest: string; storageClass: 'ARCHIVE'; rulePriority: number; evaluatedAt: number };
  /** StartLifecyclePolicyPreview: a preview of `policyText` is IN_PROGRESS. */
  LifecyclePolicyPreviewStarted: InRepository & { policyText: string };
  /** The preview ran as of `evaluatedAt` and found these actions (it changed nothing). */
  LifecyclePolicyPreviewCompleted: InRepository & { evaluatedAt: number; results: LifecyclePreviewAction[] };
}

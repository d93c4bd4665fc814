/** What the ECR face, the admin face and the lifecycle scheduler ask of lifecycle policies. */
import type { RegistryScope } from '../scope.ts';

interface InRepo {
  scope: RegistryScope;
  repository: string;
}

export type LifecycleCommand =
  | ({ type: 'PutLifecyclePolicy'; policyText: string } & InRepo)
  | ({ type: 'DeleteLifecyclePolicy' } & InRepo)
  /** `policyText` null: preview the repository's own policy. */
  | ({ type: 'StartLifecyclePolicyPreview'; policyText: string | null } & InRepo)
  /** Runs the preview in progress (the scheduler sends it off the request path). */
  | ({ type: 'CompleteLifecyclePolicyPreview' } & InRepo)
  /**
   * Runs the repository's policy as of `at` (a scheduled evaluation time the clock has
   * passed), or as of now when null.
   */
  | ({ type: 'EvaluateLifecyclePolicy'; at: number | null; trigger: 'schedule' | 'request' } & InRepo);

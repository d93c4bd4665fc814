/**
 * A lifecycle policy as the domain reads it, once validated (lifecycle-validation.ts).
 *
 * The policy text is ECR's JSON document (AWS ECR user guide, "Lifecycle policy
 * properties" and "Lifecycle policy template"):
 *
 *   { "rules": [ { "rulePriority": 1, "description": "...",
 *                  "selection": { "tagStatus": "tagged"|"untagged"|"any",
 *                                 "tagPatternList": [...], "tagPrefixList": [...],
 *                                 "storageClass": "standard"|"archive",
 *                                 "countType": "imageCountMoreThan"|"sinceImagePushed"
 *                                              |"sinceImagePulled"|"sinceImageTransitioned",
 *                                 "countUnit": "days", "countNumber": 14 },
 *                  "action": { "type": "expire"|"transition", "targetStorageClass": "archive" } } ] }
 *
 * Rules are kept sorted by rulePriority, lowest (applied first) to highest.
 */

export type TagStatus = 'tagged' | 'untagged' | 'any';
export type CountType = 'imageCountMoreThan' | 'sinceImagePushed' | 'sinceImagePulled' | 'sinceImageTransitioned';
/** The storage class a rule selects from (`selection.storageClass`, `standard` when absent). */
export type RuleStorageClass = 'standard' | 'archive';

export interface LifecycleRule {
  readonly rulePriority: number;
  readonly description?: string;
  readonly tagStatus: TagStatus;
  /** `tagPrefixList` (tagged rules): every prefix must start one of the image's tags. */
  readonly tagPrefixList?: readonly string[];
  /** `tagPatternList` (tagged rules): every pattern (with `*` wildcards) must match one of the image's tags. */
  readonly tagPatternList?: readonly string[];
  readonly storageClass: RuleStorageClass;
  readonly countType: CountType;
  readonly countNumber: number;
  readonly action: 'expire' | 'transition';
}

export interface LifecyclePolicy {
  /** Sorted by rulePriority, ascending. */
  readonly rules: readonly LifecycleRule[];
}

export const DAY_MS = 24 * 60 * 60 * 1000;

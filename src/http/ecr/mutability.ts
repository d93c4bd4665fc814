/** ECR's rule tying imageTagMutability to its exclusion filters. */
import { invalidParameter } from './ecr-errors.ts';

/** *_WITH_EXCLUSION needs 1 to 5 filters; plain MUTABLE / IMMUTABLE takes none. */
export function checkMutability(mutability: string, filters: readonly unknown[] | undefined): void {
  const n = filters?.length ?? 0;
  if (mutability.endsWith('_WITH_EXCLUSION')) {
    if (n < 1 || n > 5)
      throw invalidParameter(
        `Invalid parameter at 'imageTagMutabilityExclusionFilters' failed to satisfy constraint: '${mutability} requires between 1 and 5 exclusion filters'`,
      );
  } else if (n > 0) {
    throw invalidParameter(
      `Invalid parameter at 'imageTagMutabilityExclusionFilters' failed to satisfy constraint: 'exclusion filters can only be used with MUTABLE_WITH_EXCLUSION or IMMUTABLE_WITH_EXCLUSION'`,
    );
  }
}

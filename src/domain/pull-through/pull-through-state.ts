/**
 * Pull through cache as the registry state holds it, plain data: the rules (in the registry's
 * settings, by ECR repository prefix), and on each repository a rule created, what it caches
 * (the rule, the upstream repository, and when each tag was last checked upstream).
 */
export interface PullThroughCacheRule {
  ecrRepositoryPrefix: string;
  upstreamRegistryUrl: string;
  upstreamRegistry: string;
  credentialArn?: string;
  customRoleArn?: string;
  upstreamRepositoryPrefix: string;
  createdAt: number;
  updatedAt: number;
}

export interface CachedRepository {
  ecrRepositoryPrefix: string;
  upstreamRegistryUrl: string;
  upstreamRepository: string;
  /** tag -> when (emulator time) the upstream was last asked for it. */
  tagsCheckedAt: Record<string, number>;
}

/** ECR checks a cached tag upstream at most once every 24 hours. */
export const TAG_RECHECK_MS = 24 * 60 * 60 * 1000;

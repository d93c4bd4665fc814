/**
 * Which rule caches a repository, and the upstream repository it mirrors. An ECR repository
 * prefix `p` covers the repositories under `p/` (the `/` is always assumed); ROOT covers every
 * repository no other rule covers. The upstream repository is the rest of the name, under the
 * rule's upstream repository prefix unless that is ROOT (ECR user guide, "Customizing repository
 * prefixes for ECR to ECR pull through cache").
 */
import { scopeKey, type RegistryScope } from '../scope.ts';
import type { RegistryState } from '../state.ts';
import type { PullThroughCacheRule } from './pull-through-state.ts';

export const ROOT = 'ROOT';

export const pullThroughRules = (state: RegistryState, scope: RegistryScope): Readonly<Record<string, PullThroughCacheRule>> =>
  state.registries.get(scopeKey(scope))?.pullThroughRules ?? {};

/** The rule that covers `repository` and the upstream repository name, or undefined. */
export function ruleFor(
  state: RegistryState,
  scope: RegistryScope,
  repository: string,
): { rule: PullThroughCacheRule; upstreamRepository: string } | undefined {
  let best: PullThroughCacheRule | undefined;
  let root: PullThroughCacheRule | undefined;
  for (const rule of Object.values(pullThroughRules(state, scope))) {
    if (rule.ecrRepositoryPrefix === ROOT) root = rule;
    else if (
      repository.startsWith(`${rule.ecrRepositoryPrefix}/`) &&
      rule.ecrRepositoryPrefix.length > (best?.ecrRepositoryPrefix.length ?? 0)
    )
      best = rule;
  }
  const rule = best ?? root;
  if (!rule) return undefined;
  const rest = rule.ecrRepositoryPrefix === ROOT ? repository : repository.slice(rule.ecrRepositoryPrefix.length + 1);
  if (rest === '') return undefined;
  const upstreamRepository = rule.upstreamRepositoryPrefix === ROOT ? rest : `${rule.upstreamRepositoryPrefix}/${rest}`;
  return { rule, upstreamRepository };
}

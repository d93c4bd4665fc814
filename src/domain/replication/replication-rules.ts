/**
 * Which destinations a push replicates to: every destination of every rule of the registry's
 * replication configuration whose repository filters match the repository (PREFIX_MATCH: the
 * name starts with the filter; a rule without filters matches every repository), each once.
 */
import type { DomainEvent, RepoRef } from '../events.ts';
import { scopeKey, type RegistryScope } from '../scope.ts';
import type { RegistryState } from '../state.ts';
import { replicationEvents } from './replication-event-factories.ts';
import { sameDestination, type ReplicationDestination, type ReplicationRule } from './replication-state.ts';

export const ruleMatches = (rule: ReplicationRule, repository: string): boolean =>
  (rule.repositoryFilters ?? []).length === 0 || (rule.repositoryFilters ?? []).some((f) => repository.startsWith(f.filter));

export const replicationRules = (state: RegistryState, scope: RegistryScope): readonly ReplicationRule[] =>
  state.registries.get(scopeKey(scope))?.replication?.rules ?? [];

/** The destinations of `repository`, each with the index of the first rule that names it. */
export function destinationsFor(rules: readonly ReplicationRule[], repository: string): (ReplicationDestination & { rule: number })[] {
  const out: (ReplicationDestination & { rule: number })[] = [];
  rules.forEach((rule, index) => {
    if (!ruleMatches(rule, repository)) return;
    for (const d of rule.destinations) if (!out.some((o) => sameDestination(o, d))) out.push({ ...d, rule: index });
  });
  return out;
}

/**
 * What a push adds for replication: ImageReplicationStarted when rules match its repository
 * (`tags`: the tag the push put, if any). A copy made by a replication is not replicated further.
 */
export function replicationOnPush(state: RegistryState, ref: RepoRef, digest: string, tags: string[]): DomainEvent[] {
  const destinations = destinationsFor(replicationRules(state, ref), ref.repository);
  if (destinations.length === 0) return [];
  return [
    replicationEvents.ImageReplicationStarted({
      account: ref.account,
      region: ref.region,
      repository: ref.repository,
      digest,
      tags,
      destinations,
    }),
  ];
}

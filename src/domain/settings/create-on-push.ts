/**
 * Repository creation templates with CREATE_ON_PUSH: a push to a missing
 * repository creates it with the settings of the best-matching template.
 *
 * A template's prefix `p` matches the repositories under `p/` (ECR's
 * namespace rule); the prefix ROOT matches every repository. The longest
 * matching prefix wins, as in ECR.
 */
import type { DecideContext } from '../commands.ts';
import { findRepository, repositoryNotFound } from '../decision.ts';
import { domainError, type DomainError } from '../errors.ts';
import { repositoryCreated, type DomainEvent, type RepositoryCause } from '../events.ts';
import { isRepositoryName } from '../names.ts';
import { scopeKey, type RegistryScope } from '../scope.ts';
import type { RegistryState, Repository } from '../state.ts';
import { settingsEvents } from './settings-event-factories.ts';
import { lifecycleEvents } from '../lifecycle/lifecycle-event-factories.ts';
import { defaultRepoSettings, type StoredTemplate } from './settings-state.ts';

export const ROOT_PREFIX = 'ROOT';

export function templateMatches(prefix: string, name: string): boolean {
  if (prefix === ROOT_PREFIX) return true;
  const ns = prefix.endsWith('/') ? prefix : `${prefix}/`;
  return name.startsWith(ns);
}

/** The template that applies to `name` for `appliedFor`, if any. */
export function templateFor(state: RegistryState, scope: RegistryScope, name: string, appliedFor: string): StoredTemplate | undefined {
  const templates = state.registries.get(scopeKey(scope))?.templates;
  if (!templates) return undefined;
  let best: StoredTemplate | undefined;
  for (const t of Object.values(templates)) {
    if (!t.appliedFor.includes(appliedFor) || !templateMatches(t.prefix, name)) continue;
    const rank = (p: string) => (p === ROOT_PREFIX ? 0 : p.length);
    if (!best || rank(t.prefix) > rank(best.prefix)) best = t;
  }
  return best;
}

/**
 * The events that create repository `name` on ECR's behalf (RepositoryCreated first) with the
 * settings of the template applied for `appliedFor` (CREATE_ON_PUSH, REPLICATION, PULL_THROUGH_CACHE),
 * or, when none applies, with ECR's defaults if `orDefaults`, else undefined.
 */
export function createdByTemplate(
  state: RegistryState,
  scope: RegistryScope,
  name: string,
  appliedFor: string,
  cause: RepositoryCause,
  orDefaults = false,
): DomainEvent[] | undefined {
  const t = templateFor(state, scope, name, appliedFor);
  const ref = { account: scope.account, region: scope.region, repository: name };
  if (!t) return orDefaults ? [repositoryCreated(ref, { ...defaultRepoSettings() }, cause)] : undefined;
  const events: DomainEvent[] = [repositoryCreated(ref, { ...t, scanOnPush: false }, cause)];
  if (t.repositoryPolicy !== undefined) events.push(settingsEvents.RepositoryPolicySet({ policyText: t.repositoryPolicy, ...ref }));
  if (t.lifecyclePolicy) events.push(lifecycleEvents.LifecyclePolicyPut({ policyText: t.lifecyclePolicy, ...ref }));
  return events;
}

/** The events a push to missing `name` causes (RepositoryCreated first), or undefined when no template applies. */
const createOnPush = (state: RegistryState, scope: RegistryScope, name: string): DomainEvent[] | undefined =>
  createdByTemplate(state, scope, name, 'CREATE_ON_PUSH', 'push');

/** Where a push writes: an existing repository, or one a template creates (its events come first). */
export interface PushTarget {
  repo: Repository | undefined;
  created: DomainEvent[];
}

/**
 * The repository a push writes to: existing, or created on push by a
 * repository creation template (then its RepositoryCreated comes first).
 */
export function pushTarget(state: RegistryState, scope: RegistryScope, name: string, _ctx: DecideContext): PushTarget | DomainError {
  const repo = findRepository(state, scope, name);
  if (repo) return { repo, created: [] };
  if (!isRepositoryName(name)) return domainError('InvalidName', `invalid repository name '${name}'`);
  const created = createOnPush(state, scope, name);
  if (!created) return repositoryNotFound(scope, name);
  return { repo: undefined, created };
}

/**
 * Which signing profiles sign a push: every rule of the registry's signing
 * configuration whose repository filters match the repository (a rule without
 * filters matches every repository). WILDCARD_MATCH filters allow `*` only.
 */
import type { RepoRef } from '../events.ts';
import type { DomainEvent } from '../events.ts';
import type { ParsedManifest } from '../manifest.ts';
import { scopeKey } from '../scope.ts';
import type { RegistryState } from '../state.ts';
import { matchesTagFilter } from '../tag-filter.ts';
import type { SigningRule } from '../settings/settings-state.ts';
import { signingEvents } from './signing-event-factories.ts';

/** The distinct signing profiles of the rules that match `repository`, in rule order. */
export function profilesFor(rules: readonly SigningRule[] | undefined, repository: string): string[] {
  const out: string[] = [];
  for (const rule of rules ?? []) {
    const filters = rule.repositoryFilters ?? [];
    if (filters.length > 0 && !filters.some((f) => matchesTagFilter(repository, f.filter))) continue;
    if (!out.includes(rule.signingProfileArn)) out.push(rule.signingProfileArn);
  }
  return out;
}

/**
 * What a push of a new manifest adds for managed signing: ImageSigningStarted when signing
 * rules match its repository. Referrers (manifests with a subject: signatures, SBOMs) are not signed.
 */
export function signingOnPush(state: RegistryState, ref: RepoRef, digest: string, manifest: ParsedManifest): DomainEvent[] {
  if (manifest.subject !== undefined) return [];
  const profiles = profilesFor(state.registries.get(scopeKey(ref))?.signing?.rules, ref.repository);
  if (profiles.length === 0) return [];
  return [signingEvents.ImageSigningStarted({ account: ref.account, region: ref.region, repository: ref.repository, digest, profiles })];
}

/**
 * Every AWS account and region is its own registry. A repository is named
 * within one scope; its key in the projections is `account:region:name`.
 */
export interface RegistryScope {
  readonly account: string;
  readonly region: string;
}

export type ScopeKey = string;
export type RepoKey = string;

export const scopeKey = (s: RegistryScope): ScopeKey => `${s.account}:${s.region}`;
export const repoKey = (s: RegistryScope, name: string): RepoKey => `${s.account}:${s.region}:${name}`;

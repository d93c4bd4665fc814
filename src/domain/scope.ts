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
/**
 * The same key string object for the same repository: a Map lookup with a
 * string whose hash V8 already cached is cheaper than building and hashing
 * `account:region:name` afresh for every event of a replay.
 */
const keys = new Map<string, Map<string, Map<string, RepoKey>>>();
/** Keys remembered at most (names come from requests too); past it the memo starts afresh. */
const MAX_KEYS = 100_000;
let remembered = 0;

/** The last key asked for: events in a row mostly name one repository (a push's uploads, manifest and tags). */
let lastAccount = '';
let lastRegion = '';
let lastName = '';
let lastKey: RepoKey = '';

export function repoKey(s: RegistryScope, name: string): RepoKey {
  if (name === lastName && s.account === lastAccount && s.region === lastRegion && lastKey !== '') return lastKey;
  lastKey = memoKey(s, name);
  lastAccount = s.account;
  lastRegion = s.region;
  lastName = name;
  return lastKey;
}

function memoKey(s: RegistryScope, name: string): RepoKey {
  if (remembered >= MAX_KEYS) {
    keys.clear();
    remembered = 0;
  }
  let byRegion = keys.get(s.account);
  if (!byRegion) keys.set(s.account, (byRegion = new Map()));
  let byName = byRegion.get(s.region);
  if (!byName) byRegion.set(s.region, (byName = new Map()));
  let key = byName.get(name);
  if (key === undefined) {
    byName.set(name, (key = `${s.account}:${s.region}:${name}`));
    remembered++;
  }
  return key;
}

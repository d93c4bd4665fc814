/** GET /v2/_catalog: the repositories of one registry scope, sorted, a page at a time. */
import type { RegistryScope } from '../domain/scope.ts';
import type { RegistryState } from '../domain/state.ts';
import { byCodeUnit, page, type Page, type PageRequest } from './oci-page.ts';

/** Page size when the client asks for none (distribution's default is 100; ECR's is 1000). */
export const CATALOG_DEFAULT_PAGE = 1000;

export function listRepositories(state: RegistryState, scope: RegistryScope, req: PageRequest): Page {
  const names: string[] = [];
  for (const repo of state.repos.values()) if (repo.account === scope.account && repo.region === scope.region) names.push(repo.name);
  names.sort(byCodeUnit);
  return page(names, { n: req.n ?? CATALOG_DEFAULT_PAGE, ...(req.last === undefined ? {} : { last: req.last }) });
}

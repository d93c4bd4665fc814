/** The one repository lookup of the read side: a request names a repository that must exist. */
import { findRepository, repositoryNotFound } from '../domain/decision.ts';
import { DomainFailure } from '../domain/errors.ts';
import type { RegistryScope } from '../domain/scope.ts';
import type { RegistryState, Repository } from '../domain/state.ts';

export { findRepository };

/** The repository `name` of a registry; throws the RepositoryNotFound domain error each face maps. */
export function getRepository(state: RegistryState, scope: RegistryScope, name: string): Repository {
  const repo = findRepository(state, scope, name);
  if (!repo) throw new DomainFailure(repositoryNotFound(scope, name));
  return repo;
}

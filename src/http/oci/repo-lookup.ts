/** The repository a /v2 request names, read from the live projection. */
import { findRepository, repositoryNotFound } from '../../domain/decide.ts';
import { DomainFailure } from '../../domain/errors.ts';
import type { RegistryState, Repository } from '../../domain/state.ts';
import type { OciContext } from './oci-context.ts';

export function requireRepo(state: RegistryState, ctx: OciContext): Repository {
  const name = ctx.params.name ?? '';
  const repo = findRepository(state, ctx.state.scope, name);
  if (!repo) throw new DomainFailure(repositoryNotFound(ctx.state.scope, name));
  return repo;
}

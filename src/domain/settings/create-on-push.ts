/**
 * Repository creation templates with CREATE_ON_PUSH: a push to a missing
 * repository creates it with the settings of the best-matching template.
 */
import type { DecideContext } from '../commands.ts';
import type { DomainEvent } from '../events.ts';
import type { RegistryScope } from '../scope.ts';
import type { RegistryState } from '../state.ts';

/** The RepositoryCreated event a push to `name` causes, or undefined when no template applies. */
export function createOnPush(
  state: RegistryState,
  scope: RegistryScope,
  name: string,
  ctx: DecideContext,
): DomainEvent | undefined {
  void state;
  void scope;
  void name;
  void ctx;
  return undefined;
}

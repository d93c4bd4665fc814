/**
 * What every decider shares: the Decision it returns, the handler types that the
 * command and event tables are made of, and the lookups most commands start with.
 */
import type { Command, DecideContext } from './commands.ts';
import { domainError, type DomainError } from './errors.ts';
import type { DomainEvent, RecordedEvent, RepoRef } from './events.ts';
import { repoKey, scopeKey, type RegistryScope } from './scope.ts';
import type { RegistrySettings } from './settings/settings-state.ts';
import type { RegistryState, Repository } from './state.ts';

export type Decision = { ok: true; events: DomainEvent[] } | { ok: false; error: DomainError };

export const ok = (...events: DomainEvent[]): Decision => ({ ok: true, events });
export const no = (error: DomainError): Decision => ({ ok: false, error });

/** decide() for one command type. Pure: it reads only its arguments. */
export type Decider<C extends Command> = (state: RegistryState, command: C, ctx: DecideContext) => Decision;
/** One decider per command type of the union `C`: the shape of every feature's command table. */
export type DeciderTable<C extends Command> = { readonly [K in C['type']]: Decider<Extract<C, { type: K }>> };

/** evolve() for one event type: folds the event into the state in place. */
export type Evolver<E extends RecordedEvent> = (state: RegistryState, event: E) => void;
/** One evolver per event type of the union `E`. */
export type EvolverTable<E extends RecordedEvent> = { readonly [K in E['type']]: Evolver<Extract<E, { type: K }>> };

/**
 * The repository fields of an event. Spread it last (`{ tag, digest, ...refOf(scope, name) }`):
 * in Node 20, properties written after an object spread take V8's slow path, about 1 µs each.
 */
export const refOf = (scope: RegistryScope, repository: string): RepoRef => ({
  account: scope.account,
  region: scope.region,
  repository,
});

/** The registry fields of a registry-level event. */
export const regOf = (scope: RegistryScope): { account: string; region: string } => ({ account: scope.account, region: scope.region });

export const repositoryNotFound = (scope: RegistryScope, name: string): DomainError =>
  domainError('RepositoryNotFound', `The repository with name '${name}' does not exist in the registry with id '${scope.account}'`);

/** The repository `name` of a registry, if it exists. */
export function findRepository(state: RegistryState, scope: RegistryScope, name: string): Repository | undefined {
  return state.repos.get(repoKey(scope, name));
}

/** The repository `name`, or the RepositoryNotFound error a command answers without it. */
export function requireRepository(state: RegistryState, scope: RegistryScope, name: string): Repository | DomainError {
  return findRepository(state, scope, name) ?? repositoryNotFound(scope, name);
}

/** Whether a lookup answered with an error instead of what was looked up. */
export const isError = <T extends object>(value: T | DomainError): value is DomainError => 'code' in value;

/** A registry's settings (the empty default when nothing was ever set). */
export const registrySettings = (state: RegistryState, scope: RegistryScope): RegistrySettings =>
  state.registries.get(scopeKey(scope)) ?? {};

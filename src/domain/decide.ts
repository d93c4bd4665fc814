/**
 * decide(state, command, ctx) -> events | DomainError. Pure and synchronous: it
 * reads only its arguments. Each command type has one decider; a feature brings
 * its commands as a table of its own (deciders/, settings/), joined here.
 */
import type { Command, DecideContext } from './commands.ts';
import type { DeciderTable, Decision } from './decision.ts';
import { historyDeciders } from './deciders/history.ts';
import { imageDeciders } from './deciders/images.ts';
import { repositoryDeciders } from './deciders/repositories.ts';
import { scanningDeciders } from './scanning/scanning-decide.ts';
import { uploadDeciders } from './deciders/uploads.ts';
import { settingsDeciders } from './settings/settings-decide.ts';
import { signingDeciders } from './signing/signing-decide.ts';
import { lifecycleDeciders } from './lifecycle/lifecycle-decide.ts';
import { clockDeciders } from './clock/clock.ts';
import { replicationDeciders } from './replication/replication-decide.ts';
import { pullThroughDeciders } from './pull-through/pull-through-decide.ts';
import type { RegistryState } from './state.ts';

export type { Decision } from './decision.ts';

/** The one decider of each command type (exported for the test that every command type has a specification). */
export const DECIDERS: DeciderTable<Command> = {
  ...repositoryDeciders,
  ...uploadDeciders,
  ...imageDeciders,
  ...historyDeciders,
  ...settingsDeciders,
  ...signingDeciders,
  ...lifecycleDeciders,
  ...clockDeciders,
  ...scanningDeciders,
  ...replicationDeciders,
  ...pullThroughDeciders,
};

export function decide(state: RegistryState, command: Command, ctx: DecideContext): Decision {
  const decider = DECIDERS[command.type] as (state: RegistryState, command: Command, ctx: DecideContext) => Decision;
  return decider(state, command, ctx);
}

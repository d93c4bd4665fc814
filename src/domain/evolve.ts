/**
 * evolve(state, event) -> state. Synchronous and deterministic; for replay
 * speed it updates the state it is given in place and returns it (the state
 * belongs to its projection). Each event type has one evolver; a feature brings
 * its events as a table of its own, joined here.
 *
 * Marks keep states that share with the live one (projections/shared-state.ts),
 * which copies what an event is about to change first. So an evolver changes
 * only the repository its event's data names (account, region, repository, or
 * its upload's), only images of it named by the event's `digest`, the blob table,
 * the registries' settings and the uploads; `scanning` it replaces, never changes.
 */
import type { EvolverTable } from './decision.ts';
import type { RecordedEvent } from './events.ts';
import { imageEvolvers } from './evolvers/images.ts';
import { repositoryEvolvers } from './evolvers/repositories.ts';
import { scanningEvolvers } from './scanning/scanning-evolve.ts';
import { settingsEvolvers } from './settings/settings-evolve.ts';
import { signingEvolvers } from './signing/signing-evolve.ts';
import { lifecycleEvolvers } from './lifecycle/lifecycle-evolve.ts';
import { clockEvolvers } from './clock/clock.ts';
import { replicationEvolvers } from './replication/replication-evolve.ts';
import { pullThroughEvolvers } from './pull-through/pull-through-evolve.ts';
import type { RegistryState } from './state.ts';

const EVOLVERS: EvolverTable<RecordedEvent> = {
  ...repositoryEvolvers,
  ...imageEvolvers,
  ...settingsEvolvers,
  ...signingEvolvers,
  ...lifecycleEvolvers,
  ...clockEvolvers,
  ...scanningEvolvers,
  ...replicationEvolvers,
  ...pullThroughEvolvers,
};

export function evolve(state: RegistryState, e: RecordedEvent): RegistryState {
  const evolver = EVOLVERS[e.type] as ((state: RegistryState, e: RecordedEvent) => void) | undefined;
  if (evolver === undefined) throw new Error(`event ${e.seq} has a type this build does not know: ${String(e.type)}`);
  state.seq = e.seq;
  evolver(state, e);
  return state;
}

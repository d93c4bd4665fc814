/** A decider specification: given events, when a command, then events or an error. */
import type { Command } from '../../src/domain/commands.ts';
import { decide, type Decision } from '../../src/domain/decide.ts';
import type { DomainEvent, RecordedEvent } from '../../src/domain/events.ts';
import { evolve } from '../../src/domain/evolve.ts';
import { emptyState, type RegistryState } from '../../src/domain/state.ts';

export const NOW = Date.parse('2026-01-01T00:00:00Z');

export function given(events: DomainEvent[]): RegistryState {
  const state = emptyState();
  for (const [i, e] of events.entries()) evolve(state, { ...e, seq: i + 1, v: 1, time: NOW + i } as RecordedEvent);
  return state;
}

export function when(state: RegistryState, command: Command): Decision {
  return decide(state, command, { now: NOW + 1000 });
}

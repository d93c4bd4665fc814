/**
 * A decider specification: given events, when a command, then events or an error.
 *
 *   then(t, when(given([created]), { type: 'DeleteRepository', ... }), [ev.RepositoryDeleted(at)]);
 *   then(t, when(given([]), { type: 'DeleteRepository', ... }), 'RepositoryNotFound');
 *
 * Specifications are grouped per command type in records shaped like the decider tables
 * (`SpecsFor<typeof repositoryDeciders>`), so deciders.test.ts can check that every
 * command type of the table has some, and that each one issues its command.
 */
import type { ExecutionContext } from 'ava';
import type { Command } from '../../src/domain/commands.ts';
import { decide, type Decision } from '../../src/domain/decide.ts';
import type { DomainErrorCode } from '../../src/domain/errors.ts';
import type { DomainEvent, RecordedEvent } from '../../src/domain/events.ts';
import { evolve } from '../../src/domain/evolve.ts';
import { emptyState, type RegistryState } from '../../src/domain/state.ts';

export const NOW = Date.parse('2026-01-01T00:00:00Z');
/** The `now` of every `when`: after every `given` event (their times are NOW + index). */
export const WHEN = NOW + 1000;

export function given(events: readonly DomainEvent[]): RegistryState {
  const state = emptyState();
  for (const [i, e] of events.entries()) evolve(state, { ...e, seq: i + 1, v: 1, time: NOW + i } as RecordedEvent);
  return state;
}

/** The command types `when` decided since the last `forgetCommands()` (deciders.test.ts checks each spec issues its own). */
const decided: Command['type'][] = [];
export const commandsDecided = (): readonly Command['type'][] => decided;
export const forgetCommands = (): void => {
  decided.length = 0;
};

export function when(state: RegistryState, command: Command): Decision {
  decided.push(command.type);
  return decide(state, command, { now: WHEN });
}

/** What a decision should be: these events (types and data, in order), or this error (code, and detail if given). */
export type Expected = readonly DomainEvent[] | DomainErrorCode | { code: DomainErrorCode; detail: Record<string, unknown> };

/** Asserts a decision in one call: the event types first (a readable diff), then every event's data; or the error. */
export function then(t: ExecutionContext, decision: Decision, expected: Expected): void {
  if (typeof expected === 'string' || !Array.isArray(expected)) {
    const want =
      typeof expected === 'string' ? { code: expected } : (expected as { code: DomainErrorCode; detail: Record<string, unknown> });
    if (decision.ok) {
      t.fail(`expected ${want.code}, got events [${decision.events.map((e) => e.type).join(', ')}]`);
      return;
    }
    t.is(decision.error.code, want.code, decision.error.message);
    if ('detail' in want) t.deepEqual(decision.error.detail, want.detail);
    return;
  }
  const events = expected as readonly DomainEvent[];
  if (!decision.ok) {
    t.fail(`expected [${events.map((e) => e.type).join(', ')}], got ${decision.error.code}: ${decision.error.message}`);
    return;
  }
  t.deepEqual(
    decision.events.map((e) => e.type),
    events.map((e) => e.type),
  );
  t.deepEqual(decision.events, [...events]);
}

/** The events of a decision that must succeed (to build the `given` of a later step). */
export function accepted(decision: Decision): DomainEvent[] {
  if (!decision.ok) throw new Error(`the command was refused: ${decision.error.code}: ${decision.error.message}`);
  return decision.events;
}

/** One specification: a title that reads as a sentence after the command type, and its check. */
export type Spec = (t: ExecutionContext) => void;

/** The specifications of a decider table: for each of its command types, specs by title. */
export type SpecsFor<Table> = { readonly [K in keyof Table]: Readonly<Record<string, Spec>> };

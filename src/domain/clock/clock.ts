/** decide, evolve and the factory of the clock's one event, as records keyed by type. */
import type { DeciderTable, EvolverTable } from '../decision.ts';
import { domainError } from '../errors.ts';
import type { EventOf, RecordedEvent } from '../events.ts';
import type { ClockCommand } from './clock-commands.ts';
import type { ClockEventMap } from './clock-events.ts';

export const clockEvents = {
  ClockAdvanced: (d: ClockEventMap['ClockAdvanced']): EventOf<'ClockAdvanced'> => ({
    type: 'ClockAdvanced',
    data: { byMs: d.byMs, offsetMs: d.offsetMs },
  }),
} as const;

export const CLOCK_EVENT_VERSIONS: { readonly [K in keyof ClockEventMap]: number } = { ClockAdvanced: 1 };

export const clockDeciders: DeciderTable<ClockCommand> = {
  AdvanceClock: (state, c) => {
    if (!Number.isSafeInteger(c.ms) || c.ms < 0)
      return { ok: false, error: domainError('InvalidParameter', 'the clock advances by a whole, non-negative number of milliseconds') };
    if (c.ms === 0) return { ok: true, events: [] };
    return { ok: true, events: [clockEvents.ClockAdvanced({ byMs: c.ms, offsetMs: (state.clockOffsetMs ?? 0) + c.ms })] };
  },
};

export const clockEvolvers: EvolverTable<Extract<RecordedEvent, { type: keyof ClockEventMap }>> = {
  ClockAdvanced: (state, e) => {
    state.clockOffsetMs = e.data.offsetMs;
  },
};

/** The emulator's journaled clock (src/domain/clock/clock.ts). */
import { clockEvents as ev, type clockDeciders } from '../../../src/domain/clock/clock.ts';
import { given, then, when, type SpecsFor } from '../given-when-then.ts';

export const clockSpecs: SpecsFor<typeof clockDeciders> = {
  AdvanceClock: {
    'a step forward is ClockAdvanced, with the offset it brings the clock to': (t) => {
      then(t, when(given([]), { type: 'AdvanceClock', ms: 1500 }), [ev.ClockAdvanced({ byMs: 1500, offsetMs: 1500 })]);
      then(t, when(given([ev.ClockAdvanced({ byMs: 1500, offsetMs: 1500 })]), { type: 'AdvanceClock', ms: 500 }), [
        ev.ClockAdvanced({ byMs: 500, offsetMs: 2000 }),
      ]);
    },
    'a step of zero changes nothing': (t) => then(t, when(given([]), { type: 'AdvanceClock', ms: 0 }), []),
    'a step back or a fraction of a millisecond is InvalidParameter': (t) => {
      then(t, when(given([]), { type: 'AdvanceClock', ms: -1 }), 'InvalidParameter');
      then(t, when(given([]), { type: 'AdvanceClock', ms: 0.5 }), 'InvalidParameter');
    },
  },
};

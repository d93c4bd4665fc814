/** Bookmarks (src/domain/deciders/history.ts). */
import type { historyDeciders } from '../../../src/domain/deciders/history.ts';
import { coreEvents as ev } from '../../../src/domain/events.ts';
import { given, then, when, type SpecsFor } from '../given-when-then.ts';
import { created } from './decider-fixtures.ts';

export const historySpecs: SpecsFor<typeof historyDeciders> = {
  SetMark: {
    'a mark is MarkSet with its name and the sequence number it bookmarks': (t) =>
      then(t, when(given([created()]), { type: 'SetMark', name: 'clean', at: 1 }), [ev.MarkSet({ name: 'clean', at: 1 })]),
    'a name already taken is set again (the newest mark of a name wins)': (t) =>
      then(t, when(given([created(), ev.MarkSet({ name: 'clean', at: 1 })]), { type: 'SetMark', name: 'clean', at: 2 }), [
        ev.MarkSet({ name: 'clean', at: 2 }),
      ]),
  },
};

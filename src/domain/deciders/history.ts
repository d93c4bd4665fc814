/** Commands about the history itself: bookmarks. */
import type { CoreCommand } from '../commands.ts';
import { ok, type DeciderTable } from '../decision.ts';
import { coreEvents as ev } from '../events.ts';

type HistoryCommand = Extract<CoreCommand, { type: 'SetMark' }>;

export const historyDeciders: DeciderTable<HistoryCommand> = {
  SetMark: (_state, c) => ok(ev.MarkSet({ name: c.name, at: c.at })),
};

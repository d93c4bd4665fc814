/** Commands about the history itself: bookmarks. */
import type { CoreCommand } from '../commands.ts';
import { no, ok, type DeciderTable } from '../decision.ts';
import { domainError } from '../errors.ts';
import { coreEvents as ev } from '../events.ts';
import { markNameProblem } from '../mark-names.ts';

type HistoryCommand = Extract<CoreCommand, { type: 'SetMark' }>;

export const historyDeciders: DeciderTable<HistoryCommand> = {
  SetMark: (_state, c) => {
    const problem = markNameProblem(c.name);
    if (problem !== undefined) return no(domainError('InvalidParameter', `${problem}: choose another mark name`));
    if (c.current !== undefined && !c.move)
      return no(
        domainError(
          'MarkAlreadyExists',
          `mark '${c.name}' exists (seq ${c.current}); ask to move it ("move": true, --move) or choose another name`,
        ),
      );
    return ok(ev.MarkSet({ name: c.name, at: c.at }));
  },
};

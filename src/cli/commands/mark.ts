/**
 * `ecr-rewind mark JOURNAL NAME [--at POS] [--move]`: bookmarks a position of a journal
 * folder that no server is writing (the journal's lock says so otherwise; a running
 * server takes POST /_rewind/marks). The mark is a MarkSet event, as a server records it.
 */
import { decide } from '../../domain/decide.ts';
import { DomainFailure } from '../../domain/errors.ts';
import { emptyState } from '../../domain/state.ts';
import { UPCASTERS } from '../../domain/upcasters.ts';
import { EVENT_VERSIONS } from '../../domain/versions.ts';
import { Journal } from '../../journal/index.ts';
import { openHistory } from '../../replay/journal-history.ts';
import { marksOf, resolvePosition } from '../../replay/positions.ts';
import type { ToolIO } from '../io.ts';

export async function markTool(dir: string, name: string, opts: { at?: string; move?: boolean }, io: ToolIO): Promise<number> {
  await openHistory(dir); // a missing folder is "not found", never created here
  const journal = await Journal.open(dir, { fsync: 'always', upcasters: UPCASTERS });
  try {
    const history = await openHistory(dir);
    const marks = marksOf(history);
    const pos = resolvePosition(opts.at ?? 'end', history, marks);
    const now = Date.now();
    // a mark's decision reads only the command, not the registry state
    const decision = decide(
      emptyState(),
      { type: 'SetMark', name, at: pos.seq, current: marks.get(name), move: opts.move === true },
      { now },
    );
    if (!decision.ok) throw new DomainFailure(decision.error);
    const [recorded] = await journal.append(
      decision.events.map((e) => ({ type: e.type, v: EVENT_VERSIONS[e.type], time: now, data: e.data })),
    );
    const previous = marks.get(name);
    io.out(
      `marked ${pos.label} (seq ${pos.seq}) as '${name}' in ${dir} (event ${recorded?.seq})${previous === undefined ? '' : `; it marked seq ${previous} before`}`,
    );
    return 0;
  } finally {
    await journal.close();
  }
}

/** `ecr-rewind compact JOURNAL NEW`. */
import { compactJournal } from '../../replay/compact.ts';
import { openHistory } from '../../replay/journal-history.ts';
import type { ToolIO } from '../io.ts';

export async function compactTool(dir: string, target: string, io: ToolIO): Promise<number> {
  const history = await openHistory(dir);
  const r = await compactJournal(history, target);
  io.out(
    `compacted ${dir} into ${target} (${r.method}): ${r.eventsBefore} -> ${r.eventsAfter} events, ${r.blobsBefore} -> ${r.blobsAfter} blobs; state hash ${r.stateHash}`,
  );
  return 0;
}

/** `ecr-rewind compact JOURNAL NEW`. */
import { compactJournal } from '../compact.ts';
import { openHistory } from '../journal-history.ts';
import type { ToolIO } from './tool-io.ts';

export async function compactTool(dir: string, target: string, io: ToolIO): Promise<number> {
  const history = await openHistory(dir);
  const r = await compactJournal(history, target);
  io.out(
    `compacted ${dir} into ${target} (${r.method}): ${r.eventsBefore} -> ${r.eventsAfter} events, ${r.blobsBefore} -> ${r.blobsAfter} blobs; state hash ${r.stateHash}`,
  );
  return 0;
}

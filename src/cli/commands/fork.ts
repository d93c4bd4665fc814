/** `ecr-rewind fork JOURNAL --at POS NEW`. */
import { forkJournal } from '../../replay/fork.ts';
import { openHistory } from '../../replay/journal-history.ts';
import { resolvePosition } from '../../replay/positions.ts';
import type { ToolIO } from '../io.ts';

export async function forkTool(dir: string, target: string, opts: { at?: string }, io: ToolIO): Promise<number> {
  const history = await openHistory(dir);
  const pos = resolvePosition(opts.at ?? 'end', history);
  const r = await forkJournal(history, pos.seq, target);
  io.out(
    `forked ${dir} at ${pos.label} (seq ${pos.seq}) into ${target}: ${r.events} events, blobs ${r.blobs.linked} linked, ${r.blobs.copied} copied`,
  );
  if (r.blobs.missing.length)
    io.note(`warning: ${r.blobs.missing.length} blobs were missing from the source: ${r.blobs.missing.join(', ')}`);
  if (r.uploadsWithoutBytes.length) io.note(`warning: staged bytes not found for open uploads ${r.uploadsWithoutBytes.join(', ')}`);
  return 0;
}

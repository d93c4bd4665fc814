/** `ecr-rewind verify JOURNAL`: exit 0 when sound, else 4 and one line per fault. */
import { openHistory } from '../../replay/journal-history.ts';
import { seqRangeText } from '../../replay/positions.ts';
import { verifyJournal } from '../../replay/verify.ts';
import { EXIT_CODES } from '../exit-codes.ts';
import type { ToolIO } from '../io.ts';

export async function verifyTool(dir: string, opts: { json?: boolean }, io: ToolIO): Promise<number> {
  const history = await openHistory(dir);
  const r = await verifyJournal(history, { progress: io.progress });
  if (opts.json) io.out(JSON.stringify(r, null, 2));
  else {
    io.out(
      `${dir}: ${r.firstSeq > 1 ? `history from the checkpoint at seq ${r.firstSeq - 1}, ` : ''}${r.lastSeq < r.firstSeq ? 'no events' : `${seqRangeText(r.firstSeq, r.lastSeq)} (${r.events} events)`}, ${r.blobs} blobs, ${r.checkpoints} checkpoints`,
    );
    for (const f of r.faults) io.out(`FAULT ${f.kind}: ${f.message} (${f.where})`);
    io.out(r.ok ? 'ok' : `${r.faults.length} fault(s)`);
  }
  return r.ok ? EXIT_CODES.ok : EXIT_CODES.corrupt;
}

/** `ecr-rewind repair JOURNAL`: cuts a damaged journal explicitly, saying how many events that drops. */
import { repairJournal } from '../../journal/index.ts';
import { EXIT_CODES } from '../exit-codes.ts';
import type { ToolIO } from '../io.ts';

export async function repairTool(dir: string, opts: { dryRun?: boolean }, io: ToolIO): Promise<number> {
  const r = await repairJournal(dir, { dryRun: opts.dryRun ?? false });
  if (!r.damaged) {
    io.out(`${dir}: nothing to repair (seq ${r.lastSeq} is the last event)`);
    return EXIT_CODES.ok;
  }
  const verb = r.dryRun ? 'would cut' : 'cut';
  if (r.cut) {
    const { readable, lastReadable, from } = r.dropped;
    const readableText =
      readable > 0
        ? `${readable} readable event(s) up to seq ${lastReadable} and the damaged frame`
        : 'the damaged frame (and any bytes after it)';
    io.out(`${dir}: ${verb} the journal at byte ${r.cut.offset} of ${r.cut.segment} (${r.cut.reason})`);
    io.out(`  drops the events from seq ${from} on: ${readableText}; keeps seq ${r.lastSeq} and before`);
  }
  if (r.checkpointsSetAside.length > 0)
    io.out(`  ${r.dryRun ? 'would set' : 'set'} aside checkpoints beyond the end: seq ${r.checkpointsSetAside.join(', ')}`);
  if (r.continuedAfterCheckpoint !== undefined)
    io.out(`  no segment was left: the journal continues after the checkpoint at seq ${r.continuedAfterCheckpoint}`);
  if (r.setAside.length > 0) io.out(`  bytes kept in segments/${r.setAside.join(', segments/')}`);
  if (r.dryRun) io.out('  nothing was changed (--dry-run)');
  return EXIT_CODES.ok;
}

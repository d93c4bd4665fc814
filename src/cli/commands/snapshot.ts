/** `ecr-rewind snapshot JOURNAL FILE [--at POS]` and `ecr-rewind restore FILE DIR`. */
import { openHistory } from '../../replay/journal-history.ts';
import { restoreSnapshotFile } from '../../snapshot-file/restore.ts';
import { checkSnapshotTarget, prepareSnapshotFile, writeSnapshotFile } from '../../snapshot-file/write.ts';
import { resolvePosition } from '../../replay/positions.ts';
import { replayTo } from '../../replay/time-travel.ts';
import { bytesText } from '../text-table.ts';
import type { ToolIO } from '../io.ts';

export async function snapshotTool(dir: string, file: string, opts: { at?: string }, io: ToolIO): Promise<number> {
  const history = await openHistory(dir);
  await checkSnapshotTarget(file); // before the replay, not after it
  const pos = resolvePosition(opts.at ?? 'end', history);
  const { state, marks } = await replayTo(history, pos.seq, { progress: io.progress });
  const pack = await prepareSnapshotFile({ state, marks }, dir);
  const started = performance.now();
  await writeSnapshotFile(file, pack, io.progress('snapshot', pack.size, 'bytes'));
  const s = (performance.now() - started) / 1000;
  io.out(
    `wrote ${file}: state at ${pos.label} (seq ${pos.seq}), ${pack.header.blobs.length} blobs, ${bytesText(pack.size)} in ${s.toFixed(2)} s; state hash ${pack.header.stateHash}`,
  );
  if (pack.dropped.length) io.note(`left out open uploads without staged bytes: ${pack.dropped.join(', ')}`);
  return 0;
}

export async function restoreTool(file: string, dir: string, io: ToolIO): Promise<number> {
  const { header } = await restoreSnapshotFile(file, dir, { progress: io.progress });
  io.out(`restored ${file} into ${dir}: seq ${header.seq}, ${header.blobs.length} blobs verified; state hash ${header.stateHash}`);
  return 0;
}

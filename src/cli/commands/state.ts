/** `ecr-rewind state JOURNAL --at POS`: the registry as it was, as a table or JSON. */
import { openHistory } from '../../replay/journal-history.ts';
import { resolvePosition } from '../../replay/positions.ts';
import { viewState, type ImageView } from '../../replay/state-view.ts';
import { stateAtSeq } from '../../replay/time-travel.ts';
import { bytesText, textTable } from '../text-table.ts';
import type { ToolIO } from '../io.ts';

/** `COMPLETE 2 CRITICAL, 1 MEDIUM`: the latest scan of an image (enhanced first), or '-'. */
function scanText(scans: ImageView['scans']): string {
  const s = scans?.enhanced ?? scans?.basic;
  if (!s) return '-';
  const counts = Object.entries(s.counts).map(([k, n]) => `${n} ${k}`);
  return counts.length > 0 ? `${s.status} ${counts.join(', ')}` : s.status;
}

export async function stateTool(dir: string, opts: { at?: string; json?: boolean }, io: ToolIO): Promise<number> {
  const history = await openHistory(dir);
  const pos = resolvePosition(opts.at ?? 'end', history);
  const view = viewState(await stateAtSeq(history, pos.seq, { progress: io.progress }));
  if (opts.json) {
    io.out(JSON.stringify({ at: pos.label, ...view }, null, 2));
    return 0;
  }
  io.out(`state at ${pos.label} (seq ${view.seq}), hash ${view.hash.slice(0, 16)}`);
  io.out(
    `${view.repositories.length} repositories, ${view.blobs.count} blobs (${bytesText(view.blobs.bytes)}), ${view.uploads.length} open uploads`,
  );
  const rows: string[][] = [];
  for (const r of view.repositories) {
    if (r.images.length === 0) rows.push([r.name, '-', '-', '-', r.settings.imageTagMutability, '-']);
    for (const i of r.images)
      rows.push([
        r.name,
        i.tags.join(',') || '<untagged>',
        i.digest.slice(0, 19),
        bytesText(i.size),
        i.mediaType.replace(/^application\//, ''),
        scanText(i.scans),
      ]);
  }
  if (view.advisories)
    io.out(`${view.advisories.count} advisories (${view.advisories.source ?? 'unknown source'}, ${view.advisories.updatedAt})`);
  io.out('');
  for (const line of textTable(['REPOSITORY', 'TAGS', 'DIGEST', 'SIZE', 'TYPE', 'SCAN'], rows)) io.out(line);
  return 0;
}

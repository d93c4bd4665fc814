/** `ecr-rewind diff JOURNAL A B`: what changed between two positions. */
import { openHistory } from '../../replay/journal-history.ts';
import { marksOf, resolvePosition } from '../../replay/positions.ts';
import { diffStates, type RepositoryChange } from '../../replay/state-diff.ts';
import { stateAtSeq } from '../../replay/time-travel.ts';
import type { ToolIO } from '../io.ts';

const short = (d: string): string => d.slice(0, 19);

export async function diffTool(dir: string, a: string, b: string, opts: { json?: boolean }, io: ToolIO): Promise<number> {
  const history = await openHistory(dir);
  const marks = marksOf(history);
  const pa = resolvePosition(a, history, marks);
  const pb = resolvePosition(b, history, marks);
  const d = diffStates(await stateAtSeq(history, pa.seq), await stateAtSeq(history, pb.seq));
  if (opts.json) {
    io.out(JSON.stringify(d, null, 2));
    return 0;
  }
  io.out(`diff ${pa.label} (seq ${pa.seq}) -> ${pb.label} (seq ${pb.seq})${d.same ? ': no change' : ''}`);
  const lines = (c: RepositoryChange): void => {
    for (const i of c.imagesAdded) io.out(`    + image ${short(i)}`);
    for (const i of c.imagesRemoved) io.out(`    - image ${short(i)}`);
    for (const t of c.tagsAdded) io.out(`    + tag ${t.tag} -> ${short(t.digest)}`);
    for (const t of c.tagsRemoved) io.out(`    - tag ${t.tag} (was ${short(t.digest)})`);
    for (const t of c.tagsMoved) io.out(`    ~ tag ${t.tag}: ${short(t.from)} -> ${short(t.to)}`);
    for (const s of c.settingsChanged) io.out(`    ~ ${s.setting}: ${JSON.stringify(s.from)} -> ${JSON.stringify(s.to)}`);
    if (c.blobsLinked || c.blobsUnlinked) io.out(`    blobs: +${c.blobsLinked} -${c.blobsUnlinked}`);
  };
  for (const c of d.contentOfCreated) {
    io.out(`+ repository ${c.repository}`);
    lines(c);
  }
  for (const c of d.contentOfDeleted) {
    io.out(`- repository ${c.repository}`);
    lines(c);
  }
  for (const c of d.repositoriesChanged) {
    io.out(`~ repository ${c.repository}`);
    lines(c);
  }
  if (d.blobsAdded) io.out(`blobs committed: ${d.blobsAdded}`);
  if (d.uploadsStarted.length || d.uploadsEnded.length)
    io.out(`uploads: ${d.uploadsStarted.length} opened, ${d.uploadsEnded.length} closed`);
  for (const s of d.registrySettingsChanged) io.out(`~ registry settings of ${s}`);
  return 0;
}

/**
 * Small files of a journal folder that travel with its state in a snapshot file
 * (SnapshotHeader.files): the signing keys of managed signing (signing/keys/*.json, see
 * src/signing/signing-keys.ts), which are not in the journal. They ride in the header
 * as base64, under its CRC; restore and a start from a snapshot write them back.
 * Only names this list allows are read or written.
 */
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileDurably } from '../support/durable-file.ts';
import { SnapshotFileError } from './errors.ts';

const CARRIED: readonly { dir: string; name: RegExp }[] = [{ dir: 'signing/keys', name: /^[0-9a-f]{32}\.json$/ }];

const allowed = (path: string): boolean => CARRIED.some((c) => path.startsWith(`${c.dir}/`) && c.name.test(path.slice(c.dir.length + 1)));

/** [relative path, base64 bytes] of the carried files of `root`, sorted. */
export async function collectCarriedFiles(root: string): Promise<[string, string][]> {
  const out: [string, string][] = [];
  for (const c of CARRIED) {
    const names = await readdir(join(root, c.dir)).catch(() => [] as string[]);
    for (const name of names.filter((n) => c.name.test(n)).sort())
      out.push([`${c.dir}/${name}`, (await readFile(join(root, c.dir, name))).toString('base64')]);
  }
  return out;
}

/** Writes a snapshot file's carried files into the journal folder `dir`. */
export async function writeCarriedFiles(dir: string, files: readonly [string, string][] | undefined, fsync: boolean): Promise<void> {
  for (const [path, b64] of files ?? []) {
    if (typeof path !== 'string' || typeof b64 !== 'string' || !allowed(path))
      throw new SnapshotFileError(`snapshot file carries a file it may not: '${String(path)}'`);
    const target = join(dir, path);
    await mkdir(join(target, '..'), { recursive: true });
    await writeFileDurably(target, [Buffer.from(b64, 'base64')], { fsync });
  }
}

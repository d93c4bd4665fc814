/** The target of fork, compact and restore: a folder that does not exist yet, or is empty. */
import { readdir } from 'node:fs/promises';
import { FolderNotEmptyError } from '../journal/index.ts';

export async function assertNewFolder(dir: string): Promise<void> {
  const existing = await readdir(dir).catch(() => undefined);
  if (existing && existing.length > 0) throw new FolderNotEmptyError(dir);
}

/**
 * The target of fork, compact, restore and a start from a snapshot file: a folder that does
 * not exist yet, or an empty one. Anything else is refused with a sentence (FolderNotEmptyError).
 */
import { readdir } from 'node:fs/promises';
import { FolderNotEmptyError } from './errors.ts';

/** Resolves true when `dir` exists and is empty, false when it does not exist; throws otherwise. */
export async function checkNewFolder(dir: string): Promise<boolean> {
  try {
    const names = await readdir(dir);
    if (names.length > 0) throw new FolderNotEmptyError(dir);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return false;
    if (code === 'ENOTDIR') throw new FolderNotEmptyError(dir, `${dir} is a file: a new journal needs a new (or empty) folder`);
    throw err;
  }
}

/** The target of fork, compact and restore: a folder that does not exist yet, or is empty. */
import { checkNewFolder } from '../journal/index.ts';

export async function assertNewFolder(dir: string): Promise<void> {
  await checkNewFolder(dir);
}

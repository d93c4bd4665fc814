import { openSync, readFileSync, realpathSync, unlinkSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { JournalLockedError } from './errors.ts';

/**
 * One writer per journal directory. The lock is the file `<dir>/LOCK`, created exclusively
 * (O_CREAT|O_EXCL) and holding the writer's pid in ASCII decimal followed by "\n".
 * A lock whose pid is no longer alive is stale and taken over; the same process opening the
 * directory twice is refused like any other second writer.
 */
export const LOCK_FILE = 'LOCK';

/** Directories this process holds, by real path: a pid check alone cannot tell "me" from a recycled pid. */
const heldHere = new Set<string>();

export interface DirLock {
  readonly path: string;
  release(): void;
}

export function acquireLock(dir: string): DirLock {
  const real = realpathSync(dir);
  const path = join(real, LOCK_FILE);
  if (heldHere.has(real)) throw new JournalLockedError(dir, process.pid);
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      // Not fsynced: after a crash the lock is stale whatever it holds (an empty or
      // unreadable LOCK is taken over like a dead pid's).
      try {
        writeSync(fd, `${process.pid}\n`);
      } finally {
        closeSync(fd);
      }
      heldHere.add(real);
      let released = false;
      return {
        path,
        release() {
          if (released) return;
          released = true;
          heldHere.delete(real);
          if (readHolder(path) === process.pid) unlinkSync(path);
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let holder = readHolder(path);
    if (holder === undefined) {
      // the holder may be between creating the file and writing its pid: give it a moment
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
      holder = readHolder(path);
    }
    if (holder !== undefined && holder !== process.pid && isAlive(holder)) throw new JournalLockedError(dir, holder);
    // stale (dead pid, our own pid left over from a previous life, or unreadable): take it over
    try {
      unlinkSync(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  throw new Error(`could not take the lock ${path}`);
}

function readHolder(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// Temporary directories for client state (data roots, configs, sockets).
//
// They live directly under os.tmpdir() with short names, because several of them
// hold unix sockets and a socket path is limited to 107 bytes.

import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export function makeTempDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), `${prefix}-`));
}

/** Removes a directory tree; retries because a daemon that just exited may still be unlinking files in it. */
export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
}

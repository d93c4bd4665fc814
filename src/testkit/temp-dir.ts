// Temporary directories for client state (data roots, configs, sockets, OCI layouts).
//
// They live directly under os.tmpdir() with short, lowercase names: several hold unix
// sockets (a socket path is limited to 107 bytes), and podman derives an image name from an
// `oci:` layout's path, which must then be lowercase (mkdtemp's suffix is mixed case).

import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export async function makeTempDir(prefix: string): Promise<string> {
  for (;;) {
    const dir = path.join(os.tmpdir(), `${prefix}-${randomBytes(5).toString('hex')}`);
    try {
      await mkdir(dir, { mode: 0o700 });
      return dir;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

/** Removes a directory tree; retries because a daemon that just exited may still be unlinking files in it. */
export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
}

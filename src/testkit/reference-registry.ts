// Debian's reference registry (CNCF distribution 2.8, `docker-registry`), started on loopback.
//
// It validates the client harness independently of ecr-rewind, and is the baseline the
// registry benchmark compares against. Configuration (distribution's config.yml format):
// filesystem storage in a temp dir, deletes enabled, upload purging off, the in-memory
// blob-descriptor cache Debian's default config also uses, no access log, and no auth unless
// `htpasswd` asks for HTTP Basic auth (an htpasswd file with one bcrypt entry, as distribution reads it).
// It listens on 127.0.0.1:0 and we read the chosen port from its "listening on" log line,
// so there is no window in which another process can take the port.

import { readFile, writeFile } from 'node:fs/promises';
import bcrypt from 'bcryptjs';
import path from 'node:path';
import { preferCommand } from './commands.ts';
import { startDaemon, waitUntilReady } from './daemon.ts';
import { makeTempDir, removeDir } from './temp-dir.ts';

export interface ReferenceRegistry {
  /** `127.0.0.1:PORT`, the registry part of image references. */
  readonly host: string;
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly pid: number;
  /** Where the registry keeps its blobs and repositories. */
  readonly storageDir: string;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export const referenceRegistryCommand = (): string => preferCommand('/usr/bin/docker-registry', 'docker-registry');

export async function startReferenceRegistry(
  options: {
    timeoutMs?: number;
    /** accept signed schema 1 manifests (verified with libtrust) */
    schema1?: boolean;
    /** require HTTP Basic auth with these credentials (distribution's htpasswd auth) */
    htpasswd?: { username: string; password: string };
  } = {},
): Promise<ReferenceRegistry> {
  const dir = await makeTempDir('refreg');
  const storageDir = path.join(dir, 'storage');
  const configFile = path.join(dir, 'config.yml');
  const logFile = path.join(dir, 'registry.log');
  const htpasswdFile = path.join(dir, 'htpasswd');
  if (options.htpasswd) await writeFile(htpasswdFile, `${options.htpasswd.username}:${bcrypt.hashSync(options.htpasswd.password, 10)}\n`);
  await writeFile(
    configFile,
    [
      'version: 0.1',
      'log:',
      '  level: info',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  cache:',
      '    blobdescriptor: inmemory',
      '  filesystem:',
      `    rootdirectory: ${storageDir}`,
      '  delete:',
      '    enabled: true',
      '  maintenance:',
      '    uploadpurging:',
      '      enabled: false',
      'http:',
      '  addr: 127.0.0.1:0',
      '  secret: ecr-rewind-test-harness',
      ...(options.schema1 ? ['compatibility:', '  schema1:', '    enabled: true'] : []),
      ...(options.htpasswd ? ['auth:', '  htpasswd:', '    realm: ecr-rewind-test', `    path: ${htpasswdFile}`] : []),
      '',
    ].join('\n'),
  );
  const daemon = startDaemon(referenceRegistryCommand(), ['serve', configFile], { logFile });
  let port = 0;
  try {
    await waitUntilReady(
      daemon,
      'docker-registry',
      async () => {
        const match = /listening on 127\.0\.0\.1:(\d+)/.exec(await readFile(logFile, 'utf8'));
        if (!match?.[1]) return false;
        port = Number(match[1]);
        const response = await fetch(`http://127.0.0.1:${port}/v2/`);
        return response.status === (options.htpasswd ? 401 : 200);
      },
      options.timeoutMs ?? 15_000,
    );
  } catch (error) {
    await daemon.stop(2_000);
    await removeDir(dir);
    throw error;
  }
  const stop = async (): Promise<void> => {
    await daemon.stop(5_000);
    await removeDir(dir);
  };
  return {
    host: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    pid: daemon.pid,
    storageDir,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

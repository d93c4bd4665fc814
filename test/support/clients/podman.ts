// podman, daemonless, with all of its state in a temp dir of its own.
//
//   <tmp>/root, <tmp>/runroot   image storage (--root, --runroot), vfs driver: no overlay mounts
//   <tmp>/tmp                   libpod's tmp dir (--tmpdir), otherwise shared /run/libpod
//   <tmp>/storage.conf          CONTAINERS_STORAGE_CONF: vfs and the two roots above
//   <tmp>/containers.conf       CONTAINERS_CONF: cgroupfs, no event log (no journald, no systemd)
//   <tmp>/registries.conf       CONTAINERS_REGISTRIES_CONF: no search registries, no mirrors
//   <tmp>/policy.json           signature policy accepting anything (--signature-policy)
//   <tmp>/auth.json             REGISTRY_AUTH_FILE: `podman login` credentials
//
// Pushes and pulls use `--tls-verify=false` (plain HTTP to 127.0.0.1). Builds are
// `FROM scratch` + COPY, which buildah (inside podman) commits without running a container.
// Not isolated: containers/image's blob-info cache (/var/lib/containers/cache as root) is
// shared by podman and skopeo; it is keyed by registry host:port, so test registries on fresh
// ports do not see each other's entries.

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { preferCommand, runClient } from '../../../src/testkit/commands.ts';
import type { ClientRunOptions, RunResult } from '../../../src/testkit/commands.ts';
import type { Credentials } from './skopeo.ts';
import { makeTempDir, removeDir } from '../../../src/testkit/temp-dir.ts';

export interface Podman {
  /** Runs podman with this harness's storage flags and config. */
  podman(args: readonly string[], options?: ClientRunOptions): Promise<RunResult>;
  /** `podman build` of `FROM scratch` + `COPY files/ /`; resolves with the image id. */
  buildFromScratch(tag: string, files: Record<string, string | Buffer>, options?: ClientRunOptions): Promise<string>;
  /** `podman push --tls-verify=false`; resolves with the pushed manifest's digest. */
  push(ref: string, options?: ClientRunOptions & { creds?: Credentials; format?: 'oci' | 'v2s2' }): Promise<string>;
  pull(ref: string, options?: ClientRunOptions & { creds?: Credentials }): Promise<RunResult>;
  readonly dir: string;
  dispose(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export const podmanCommand = (): string => preferCommand('/usr/bin/podman', 'podman');

export async function createPodman(): Promise<Podman> {
  const dir = await makeTempDir('podman');
  const root = path.join(dir, 'root');
  const runroot = path.join(dir, 'runroot');
  const tmp = path.join(dir, 'tmp');
  const policy = path.join(dir, 'policy.json');
  await Promise.all([root, runroot, tmp].map((d) => mkdir(d, { recursive: true })));
  await writeFile(path.join(dir, 'storage.conf'), `[storage]\ndriver = "vfs"\nrunroot = "${runroot}"\ngraphroot = "${root}"\n`);
  await writeFile(
    path.join(dir, 'containers.conf'),
    `[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "none"\ntmp_dir = "${tmp}"\nvolume_path = "${path.join(dir, 'volumes')}"\n`,
  );
  await writeFile(path.join(dir, 'registries.conf'), 'unqualified-search-registries = []\n');
  await writeFile(policy, JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }));
  await writeFile(path.join(dir, 'auth.json'), JSON.stringify({ auths: {} }));

  const command = podmanCommand();
  const env = {
    CONTAINERS_STORAGE_CONF: path.join(dir, 'storage.conf'),
    CONTAINERS_CONF: path.join(dir, 'containers.conf'),
    CONTAINERS_REGISTRIES_CONF: path.join(dir, 'registries.conf'),
    REGISTRY_AUTH_FILE: path.join(dir, 'auth.json'),
  };
  const podman = (args: readonly string[], options: ClientRunOptions = {}): Promise<RunResult> =>
    runClient(command, ['--root', root, '--runroot', runroot, '--storage-driver', 'vfs', '--tmpdir', tmp, ...args], {
      ...options,
      env: { ...env, ...options.env },
    });
  const credsArgs = (creds: Credentials | undefined): string[] => (creds ? ['--creds', `${creds.username}:${creds.password}`] : []);

  let contexts = 0;
  const dispose = (): Promise<void> => removeDir(dir);
  return {
    podman,
    async buildFromScratch(tag, files, options = {}) {
      const context = path.join(dir, `context-${++contexts}`);
      await mkdir(path.join(context, 'files'), { recursive: true });
      for (const [name, content] of Object.entries(files)) {
        await mkdir(path.dirname(path.join(context, 'files', name)), { recursive: true });
        await writeFile(path.join(context, 'files', name), content);
      }
      await writeFile(path.join(context, 'Containerfile'), 'FROM scratch\nCOPY files/ /\n');
      const result = await podman(
        ['build', '--quiet', '--signature-policy', policy, '--tag', tag, '--file', path.join(context, 'Containerfile'), context],
        options,
      );
      return result.stdout.trim().split('\n').pop() ?? '';
    },
    async push(ref, options = {}) {
      const { creds, format, ...runOptions } = options;
      const digestFile = path.join(dir, `push-${Date.now()}-${Math.random().toString(16).slice(2)}.digest`);
      await podman(
        [
          'push',
          '--quiet',
          '--tls-verify=false',
          '--signature-policy',
          policy,
          '--digestfile',
          digestFile,
          ...(format ? ['--format', format] : []),
          ...credsArgs(creds),
          ref,
        ],
        runOptions,
      );
      return (await readFile(digestFile, 'utf8')).trim();
    },
    pull(ref, options = {}) {
      const { creds, ...runOptions } = options;
      return podman(['pull', '--quiet', '--tls-verify=false', '--signature-policy', policy, ...credsArgs(creds), ref], runOptions);
    },
    dir,
    dispose,
    [Symbol.asyncDispose]: dispose,
  };
}

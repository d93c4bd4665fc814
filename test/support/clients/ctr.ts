// containerd's `ctr` against a private containerd started for the test.
//
//   <tmp>/config.toml          containerd config (version 2), below
//   <tmp>/containerd.sock      gRPC socket (ttrpc beside it); no debug or metrics listener
//   <tmp>/root, <tmp>/state    --root / --state equivalents (content store, metadata, snapshots)
//   <tmp>/opt                  the `opt` plugin's dir (otherwise /opt/containerd)
//   <tmp>/containerd.log       the daemon's output
//
// The CRI plugin is disabled (it wants CNI and is not needed to push or pull). Images are
// unpacked with the `native` snapshotter (plain copies, no mounts), so nothing is left mounted.
// Registries are spoken to over plain HTTP (`--plain-http`). Everything happens in one
// containerd namespace (`-n`), by default `harness`.

import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { preferCommand, runClient } from '../../../src/testkit/commands.ts';
import type { ClientRunOptions, RunResult } from '../../../src/testkit/commands.ts';
import { startDaemon, waitUntilReady } from '../../../src/testkit/daemon.ts';
import type { Credentials } from './skopeo.ts';
import { makeTempDir, removeDir } from '../../../src/testkit/temp-dir.ts';

export interface Containerd {
  /** Runs `ctr --address <socket> -n <namespace> ...args`. */
  ctr(args: readonly string[], options?: ClientRunOptions): Promise<RunResult>;
  /** `ctr images import --base-name <name>` of an OCI archive (see tarLayout); keeps the archive's digests. */
  importArchive(archive: string, baseName: string, options?: ClientRunOptions): Promise<RunResult>;
  push(ref: string, options?: ClientRunOptions & { creds?: Credentials }): Promise<RunResult>;
  pull(ref: string, options?: ClientRunOptions & { creds?: Credentials; allPlatforms?: boolean }): Promise<RunResult>;
  /** The digest of the image named ref in containerd's image store. */
  imageDigest(ref: string): Promise<string>;
  readonly address: string;
  readonly pid: number;
  readonly dir: string;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export const containerdCommand = (): string => preferCommand('/usr/bin/containerd', 'containerd');
export const ctrCommand = (): string => preferCommand('/usr/bin/ctr', 'ctr');

export async function startContainerd(options: { namespace?: string; startTimeoutMs?: number } = {}): Promise<Containerd> {
  const dir = await makeTempDir('ctrd');
  const address = path.join(dir, 'containerd.sock');
  const configFile = path.join(dir, 'config.toml');
  await writeFile(
    configFile,
    [
      'version = 2',
      `root = "${path.join(dir, 'root')}"`,
      `state = "${path.join(dir, 'state')}"`,
      'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
      '[grpc]',
      `  address = "${address}"`,
      '[ttrpc]',
      `  address = "${address}.ttrpc"`,
      '[debug]',
      '  address = ""',
      '[metrics]',
      '  address = ""',
      '[plugins."io.containerd.internal.v1.opt"]',
      `  path = "${path.join(dir, 'opt')}"`,
      '',
    ].join('\n'),
  );
  const daemon = startDaemon(containerdCommand(), ['--config', configFile], { logFile: path.join(dir, 'containerd.log') });
  const namespace = options.namespace ?? 'harness';
  const command = ctrCommand();
  const ctr = (args: readonly string[], runOptions: ClientRunOptions = {}): Promise<RunResult> =>
    runClient(command, ['--address', address, '-n', namespace, ...args], runOptions);

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await daemon.stop(10_000);
    await removeDir(dir);
  };
  try {
    await waitUntilReady(
      daemon,
      'containerd',
      async () => (await ctr(['version'], { allowFailure: true, timeoutMs: 5_000 })).code === 0,
      options.startTimeoutMs ?? 30_000,
    );
  } catch (error) {
    await stop();
    throw error;
  }

  const userArgs = (creds: Credentials | undefined): string[] => (creds ? ['--user', `${creds.username}:${creds.password}`] : []);
  return {
    ctr,
    importArchive: (archive, baseName, runOptions = {}) =>
      ctr(['images', 'import', '--all-platforms', '--no-unpack', '--base-name', baseName, archive], runOptions),
    push(ref, runOptions = {}) {
      const { creds, ...rest } = runOptions;
      return ctr(['images', 'push', '--plain-http', ...userArgs(creds), ref], rest);
    },
    pull(ref, runOptions = {}) {
      const { creds, allPlatforms, ...rest } = runOptions;
      return ctr(
        [
          'images',
          'pull',
          '--plain-http',
          '--snapshotter',
          'native',
          ...(allPlatforms ? ['--all-platforms'] : []),
          ...userArgs(creds),
          ref,
        ],
        rest,
      );
    },
    async imageDigest(ref) {
      // `ctr images ls` prints a table: REF TYPE DIGEST SIZE PLATFORMS LABELS.
      const listed = await ctr(['images', 'ls']);
      const row = listed.stdout.split('\n').find((line) => line.split(/\s+/)[0] === ref);
      const digest = row?.split(/\s+/)[2];
      if (!digest?.startsWith('sha256:')) throw new Error(`containerd has no image ${ref}:\n${listed.stdout}`);
      return digest;
    },
    address,
    pid: daemon.pid,
    dir,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

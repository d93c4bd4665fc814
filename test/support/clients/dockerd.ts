// A private dockerd per test, run as root, sharing nothing with a system docker.
//
// Everything the daemon writes goes under one temp dir:
//
//   <tmp>/docker.sock   the API socket (-H unix://...)
//   <tmp>/data          --data-root (images, vfs layers)
//   <tmp>/exec          --exec-root (dockerd's own containerd, its socket and pid file)
//   <tmp>/dockerd.pid   --pidfile
//   <tmp>/config        DOCKER_CONFIG of the client (config.json with `docker login` credentials)
//   <tmp>/dockerd.log   the daemon's output
//
// Flags and why: `--storage-driver=vfs` needs no overlay mounts (works in any container or VM);
// `--iptables=false --ip6tables=false --ip-masq=false --bridge=none` keep the daemon from touching
// the host's firewall and network (no container ever runs: builds are `FROM scratch` + COPY);
// `--insecure-registry` lets it speak plain HTTP (docker already treats 127.0.0.0/8 as insecure,
// the flag makes it explicit and allows other hosts). Dockerd starts and stops its own containerd
// under --exec-root. The client is /usr/bin/docker (the version matching Debian's dockerd) unless
// DOCKER_CLI names another; DOCKER_CLI_EXPERIMENTAL=enabled turns on `docker manifest` in 20.10.

import { request } from 'node:http';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { preferCommand, runClient } from '../../../src/testkit/commands.ts';
import type { ClientRunOptions, RunResult } from '../../../src/testkit/commands.ts';
import { isAlive, startDaemon, waitUntilReady } from '../../../src/testkit/daemon.ts';
import { makeTempDir, removeDir } from '../../../src/testkit/temp-dir.ts';

export interface DockerdOptions {
  /** `host:port` (or CIDR) entries dockerd may talk plain HTTP to. Default: 127.0.0.0/8. */
  insecureRegistries?: string[];
  /** How long to wait for the daemon to answer. Default 60 s. */
  startTimeoutMs?: number;
}

export interface Dockerd {
  /** Runs the docker client against this daemon, with this harness's DOCKER_CONFIG. */
  docker(args: readonly string[], options?: ClientRunOptions): Promise<RunResult>;
  /** The daemon's API socket path. */
  readonly host: string;
  readonly pid: number;
  /** DOCKER_CONFIG dir of the client. */
  readonly configDir: string;
  /** The env the client runs with (DOCKER_HOST, DOCKER_CONFIG, ...), for piping other tools into docker. */
  readonly clientEnv: Record<string, string>;
  readonly logFile: string;
  /**
   * `docker build` of `FROM scratch` + `COPY . /` with the given files, tagged `tag`;
   * resolves with the image id. No container runs, so this works without networking.
   */
  buildFromScratch(tag: string, files: Record<string, string | Buffer>, options?: ClientRunOptions): Promise<string>;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export const dockerCliCommand = (): string => process.env.DOCKER_CLI ?? preferCommand('/usr/bin/docker', 'docker');
export const dockerdCommand = (): string => preferCommand('/usr/sbin/dockerd', 'dockerd');

/** GET /_ping on the daemon's unix socket. */
function ping(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', method: 'GET', timeout: 2_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.end();
  });
}

export async function startDockerd(options: DockerdOptions = {}): Promise<Dockerd> {
  const dir = await makeTempDir('dockerd');
  const socket = path.join(dir, 'docker.sock');
  const dataRoot = path.join(dir, 'data');
  const execRoot = path.join(dir, 'exec');
  const configDir = path.join(dir, 'config');
  const logFile = path.join(dir, 'dockerd.log');
  await Promise.all([dataRoot, execRoot, configDir].map((d) => mkdir(d, { recursive: true })));
  const insecure = options.insecureRegistries ?? ['127.0.0.0/8'];
  const args = [
    '--data-root',
    dataRoot,
    '--exec-root',
    execRoot,
    '--pidfile',
    path.join(dir, 'dockerd.pid'),
    '-H',
    `unix://${socket}`,
    '--storage-driver=vfs',
    '--iptables=false',
    '--ip6tables=false',
    '--ip-masq=false',
    '--bridge=none',
    '--userland-proxy=false',
    ...insecure.flatMap((registry) => ['--insecure-registry', registry]),
  ];
  const daemon = startDaemon(dockerdCommand(), args, { logFile });
  const clientEnv: Record<string, string> = {
    DOCKER_HOST: `unix://${socket}`,
    DOCKER_CONFIG: configDir,
    DOCKER_CLI_EXPERIMENTAL: 'enabled',
    // The legacy builder handles `FROM scratch` + COPY without buildx or a BuildKit session.
    DOCKER_BUILDKIT: '0',
  };

  // dockerd normally stops the containerd it started; if dockerd had to be killed, that
  // containerd is an orphan, found by the pid file dockerd keeps for it.
  const stopOrphanContainerd = async (): Promise<void> => {
    const pidText = await readFile(path.join(execRoot, 'containerd', 'containerd.pid'), 'utf8').catch(() => '');
    const pid = Number(pidText.trim());
    if (pid > 0 && isAlive(pid)) {
      process.kill(pid, 'SIGTERM');
      for (let i = 0; i < 50 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
      if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    }
  };
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await daemon.stop(15_000);
    await stopOrphanContainerd();
    await removeDir(dir);
  };

  try {
    await waitUntilReady(daemon, 'dockerd', () => ping(socket), options.startTimeoutMs ?? 60_000);
  } catch (error) {
    await stop();
    throw error;
  }

  const command = dockerCliCommand();
  const docker = (dockerArgs: readonly string[], runOptions: ClientRunOptions = {}): Promise<RunResult> =>
    runClient(command, dockerArgs, { ...runOptions, env: { ...clientEnv, ...runOptions.env } });
  let contexts = 0;
  const buildFromScratch = async (
    tag: string,
    files: Record<string, string | Buffer>,
    runOptions: ClientRunOptions = {},
  ): Promise<string> => {
    const context = path.join(dir, `context-${++contexts}`);
    await mkdir(path.join(context, 'files'), { recursive: true });
    for (const [name, content] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(context, 'files', name)), { recursive: true });
      await writeFile(path.join(context, 'files', name), content);
    }
    await writeFile(path.join(context, 'Dockerfile'), 'FROM scratch\nCOPY files/ /\n');
    await docker(['build', '--quiet', '--tag', tag, context], runOptions);
    const inspected = await docker(['image', 'inspect', '--format', '{{.Id}}', tag]);
    return inspected.stdout.trim();
  };
  return {
    docker,
    buildFromScratch,
    host: socket,
    pid: daemon.pid,
    configDir,
    clientEnv,
    logFile,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/** The manifest digest from `docker push` output (`TAG: digest: sha256:... size: N`). */
export function pushedDigest(pushOutput: string): string {
  const match = /digest: (sha256:[0-9a-f]{64})/.exec(pushOutput);
  if (!match?.[1]) throw new Error(`no digest in docker push output:\n${pushOutput}`);
  return match[1];
}

/**
 * Builds and pushes `<repo>:amd64` and `<repo>:arm64` (FROM scratch), then pushes `<repo>:list`,
 * a manifest list of the two, with `docker manifest`; returns the images' and the list's digests.
 */
export async function pushManifestList(dockerd: Dockerd, repo: string): Promise<{ digests: string[]; listDigest: string }> {
  const { docker } = dockerd;
  const digests: string[] = [];
  for (const arch of ['amd64', 'arm64']) {
    await dockerd.buildFromScratch(`${repo}:${arch}`, { 'arch.txt': `${arch}\n` });
    digests.push(pushedDigest((await docker(['push', `${repo}:${arch}`])).stdout));
  }
  await docker(['manifest', 'create', '--insecure', `${repo}:list`, `${repo}:amd64`, `${repo}:arm64`]);
  await docker(['manifest', 'annotate', '--arch', 'arm64', '--os', 'linux', `${repo}:list`, `${repo}:arm64`]);
  const listDigest = (await docker(['manifest', 'push', '--insecure', '--purge', `${repo}:list`])).stdout.trim();
  return { digests, listDigest };
}

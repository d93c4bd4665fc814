// skopeo, isolated from the machine's container configuration.
//
// Each Skopeo has its own temp dir holding a signature policy that accepts anything
// (skopeo refuses to copy without one, and /etc/containers/policy.json may be absent or strict)
// and its own auth file, so logins never leak between tests or into ~/.
// Registry references are `docker://HOST/REPO:TAG`; plain HTTP is used for every registry
// (`--src-tls-verify=false`, `--dest-tls-verify=false`, `--tls-verify=false`), since tests
// only talk to 127.0.0.1.

import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { preferCommand, runClient } from '../../../src/testkit/commands.ts';
import type { ClientRunOptions, RunResult } from '../../../src/testkit/commands.ts';
import { makeTempDir, removeDir } from '../../../src/testkit/temp-dir.ts';

/** `user:password` for a registry that wants HTTP Basic credentials. */
export type Credentials = { username: string; password: string };

export interface CopyOptions extends ClientRunOptions {
  srcCreds?: Credentials;
  destCreds?: Credentials;
  /** Copy every image of an index (`--all`), not just the current platform's. */
  all?: boolean;
  /** Fail rather than change a digest (`--preserve-digests`). Default true. */
  preserveDigests?: boolean;
  /** Force the destination manifest format (`oci`, `v2s2`). */
  format?: 'oci' | 'v2s2';
}

export interface Skopeo {
  readonly command: string;
  /** Runs skopeo with the isolation flags (policy, auth file) and the given arguments. */
  skopeo(args: readonly string[], options?: ClientRunOptions): Promise<RunResult>;
  copy(src: string, dest: string, options?: CopyOptions): Promise<RunResult>;
  /** `skopeo inspect --raw`: the manifest's exact bytes. */
  inspectRaw(ref: string, options?: ClientRunOptions & { creds?: Credentials }): Promise<Buffer>;
  /** `skopeo inspect`: skopeo's summary (Digest, RepoTags, Layers, ...). */
  inspect(ref: string, options?: ClientRunOptions & { creds?: Credentials }): Promise<SkopeoInspect>;
  listTags(repoRef: string, options?: ClientRunOptions & { creds?: Credentials }): Promise<string[]>;
  delete(ref: string, options?: ClientRunOptions & { creds?: Credentials }): Promise<RunResult>;
  dispose(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface SkopeoInspect {
  Name: string;
  Digest: string;
  RepoTags: string[] | null;
  Layers: string[];
  Architecture: string;
  Os: string;
}

const credsArg = (flag: string, creds: Credentials | undefined): string[] => (creds ? [flag, `${creds.username}:${creds.password}`] : []);

const isRegistry = (ref: string): boolean => ref.startsWith('docker://');

export async function createSkopeo(): Promise<Skopeo> {
  const command = preferCommand('/usr/bin/skopeo', 'skopeo');
  const dir = await makeTempDir('skopeo');
  const policy = path.join(dir, 'policy.json');
  const authFile = path.join(dir, 'auth.json');
  await writeFile(policy, JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }));
  await writeFile(authFile, JSON.stringify({ auths: {} }));

  const skopeo = (args: readonly string[], options: ClientRunOptions = {}): Promise<RunResult> =>
    runClient(command, ['--policy', policy, ...args], {
      ...options,
      env: { REGISTRY_AUTH_FILE: authFile, ...options.env },
    });

  const registryFlags = (ref: string, creds: Credentials | undefined): string[] =>
    isRegistry(ref) ? ['--tls-verify=false', ...credsArg('--creds', creds)] : [];

  const dispose = (): Promise<void> => removeDir(dir);
  return {
    command,
    skopeo,
    copy(src, dest, options = {}) {
      const { srcCreds, destCreds, all, preserveDigests = true, format, ...runOptions } = options;
      return skopeo(
        [
          'copy',
          '--quiet',
          ...(isRegistry(src) ? ['--src-tls-verify=false', ...credsArg('--src-creds', srcCreds)] : []),
          ...(isRegistry(dest) ? ['--dest-tls-verify=false', ...credsArg('--dest-creds', destCreds)] : []),
          ...(all ? ['--all'] : []),
          ...(preserveDigests ? ['--preserve-digests'] : []),
          ...(format ? ['--format', format] : []),
          src,
          dest,
        ],
        runOptions,
      );
    },
    async inspectRaw(ref, options = {}) {
      const { creds, ...runOptions } = options;
      const result = await skopeo(['inspect', '--raw', ...registryFlags(ref, creds), ref], runOptions);
      return Buffer.from(result.stdout, 'utf8');
    },
    async inspect(ref, options = {}) {
      const { creds, ...runOptions } = options;
      const result = await skopeo(['inspect', ...registryFlags(ref, creds), ref], runOptions);
      return JSON.parse(result.stdout) as SkopeoInspect;
    },
    async listTags(repoRef, options = {}) {
      const { creds, ...runOptions } = options;
      const result = await skopeo(['list-tags', ...registryFlags(repoRef, creds), repoRef], runOptions);
      return (JSON.parse(result.stdout) as { Tags: string[] }).Tags;
    },
    delete(ref, options = {}) {
      const { creds, ...runOptions } = options;
      return skopeo(['delete', ...registryFlags(ref, creds), ref], runOptions);
    },
    dispose,
    [Symbol.asyncDispose]: dispose,
  };
}

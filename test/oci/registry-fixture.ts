// A running emulator with repositories for /v2 tests, and small helpers to talk
// to it with fetch: digests, blob pushes, image manifests.

import { createHash } from 'node:crypto';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator.ts';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar';
export const OCI_EMPTY = 'application/vnd.oci.empty.v1+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';

export const digestOf = (bytes: Uint8Array | string): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

export interface Registry extends AsyncDisposable {
  emu: Emulator;
  /** http://127.0.0.1:PORT */
  url: string;
  fetch(path: string, init?: RequestInit): Promise<Response>;
  createRepository(name: string, settings?: Record<string, unknown>): Promise<void>;
  /** Monolithic push (POST ?digest=); returns the digest. */
  pushBlob(repo: string, bytes: Uint8Array | string): Promise<string>;
  /** Pushes config + layers and a manifest under `reference`; returns the manifest's bytes and digest. */
  pushImage(
    repo: string,
    reference: string,
    opts?: {
      layers?: (Uint8Array | string)[];
      subject?: { digest: string; size: number; mediaType: string };
      artifactType?: string;
      annotations?: Record<string, string>;
    },
  ): Promise<{ bytes: Buffer; digest: string }>;
  putManifest(repo: string, reference: string, doc: unknown, mediaType?: string): Promise<Response>;
}

export async function startRegistry(options: EmulatorOptions = {}, repositories: string[] = ['test/app']): Promise<Registry> {
  const emu = await startEmulator({ port: 0, fsync: 'never', auth: 'none', logger: false, ...options });
  const url = emu.endpoint;
  const scope = { account: emu.config.account, region: emu.config.region };
  const headers: Record<string, string> =
    options.auth === 'any' || options.auth === undefined ? { authorization: `Basic ${Buffer.from('AWS:token').toString('base64')}` } : {};
  const f = (path: string, init: RequestInit = {}): Promise<Response> =>
    fetch(`${url}${path}`, { ...init, headers: { ...headers, ...(init.headers as Record<string, string> | undefined) } });
  const registry: Registry = {
    emu,
    url,
    fetch: f,
    async createRepository(name, settings = {}) {
      await emu.engine.execute({ type: 'CreateRepository', scope, repository: name, settings });
    },
    async pushBlob(repo, bytes) {
      const digest = digestOf(bytes);
      const res = await f(`/v2/${repo}/blobs/uploads/?digest=${digest}`, { method: 'POST', body: bytes });
      if (res.status !== 201) throw new Error(`blob push answered ${res.status}: ${await res.text()}`);
      return digest;
    },
    async putManifest(repo, reference, doc, mediaType = OCI_MANIFEST) {
      const body = typeof doc === 'string' || doc instanceof Uint8Array ? doc : JSON.stringify(doc);
      return f(`/v2/${repo}/manifests/${reference}`, { method: 'PUT', body, headers: { 'content-type': mediaType } });
    },
    async pushImage(repo, reference, opts = {}) {
      const config = opts.artifactType
        ? '{}'
        : JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } });
      const configDigest = await registry.pushBlob(repo, config);
      const layers = [];
      for (const layer of opts.layers ?? ['layer-a', 'layer-b']) {
        layers.push({ mediaType: OCI_LAYER, digest: await registry.pushBlob(repo, layer), size: Buffer.byteLength(layer) });
      }
      const doc = {
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        ...(opts.artifactType ? { artifactType: opts.artifactType } : {}),
        config: { mediaType: opts.artifactType ? OCI_EMPTY : OCI_CONFIG, digest: configDigest, size: Buffer.byteLength(config) },
        layers,
        ...(opts.subject ? { subject: opts.subject } : {}),
        ...(opts.annotations ? { annotations: opts.annotations } : {}),
      };
      const bytes = Buffer.from(JSON.stringify(doc));
      const res = await registry.putManifest(repo, reference, bytes);
      if (res.status !== 201) throw new Error(`manifest push answered ${res.status}: ${await res.text()}`);
      return { bytes, digest: digestOf(bytes) };
    },
    [Symbol.asyncDispose]: () => emu.stop(),
  };
  for (const name of repositories) await registry.createRepository(name);
  return registry;
}

/** The OCI error codes of a failed answer. */
export async function errorCodes(res: Response): Promise<string[]> {
  const body = (await res.json()) as { errors?: { code: string }[] };
  return (body.errors ?? []).map((e) => e.code);
}

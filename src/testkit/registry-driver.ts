/**
 * A small client of a running ecr-rewind, for the scenario recorder, the
 * rewind tests and the benchmarks: raw /v2 requests (pushes in docker's
 * chunked style or in one request), ECR JSON 1.1 calls with a syntactically
 * valid SigV4 header (the emulator reads the scope from it, not the signature),
 * and the admin API. It crafts small blobs itself: no registry client needed.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';

export const sha256 = (bytes: Uint8Array | string): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

export const MEDIA = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociEmpty: 'application/vnd.oci.empty.v1+json',
} as const;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    what: string,
  ) {
    super(`${what}: HTTP ${status} ${body.slice(0, 300)}`);
  }
}

/** A one-file tar (ustar, fixed mtime/owner), gzipped: a tiny but real image layer. */
export function tinyLayer(name: string, content: string): Buffer {
  const data = Buffer.from(content, 'utf8');
  const header = Buffer.alloc(512);
  header.write(name, 0, 100, 'utf8');
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
  header.write('00000000000\0', 136);
  header.write('        ', 148);
  header.write('0', 156);
  header.write('ustar\0', 257);
  header.write('00', 263);
  let sum = 0;
  for (const b of header) sum += b;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const pad = Buffer.alloc((512 - (data.length % 512)) % 512);
  return gzipSync(Buffer.concat([header, data, pad, Buffer.alloc(1024)]), { level: 9 });
}

export const jsonBytes = (value: unknown): Buffer => Buffer.from(JSON.stringify(value), 'utf8');

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { architecture: string; os: string };
  artifactType?: string;
}

export const descriptorOf = (mediaType: string, bytes: Uint8Array, extra: Partial<Descriptor> = {}): Descriptor => ({
  mediaType,
  digest: sha256(bytes),
  size: bytes.byteLength,
  ...extra,
});

export class RegistryDriver {
  readonly endpoint: string;
  readonly account: string;
  readonly region: string;
  #basic: string | undefined;

  constructor(endpoint: string, opts: { account?: string; region?: string; basic?: string } = {}) {
    this.endpoint = endpoint.replace(/\/$/, '');
    this.account = opts.account ?? '000000000000';
    this.region = opts.region ?? 'us-east-1';
    this.#basic = opts.basic;
  }

  /** Logs in to /v2 the ECR way: GetAuthorizationToken, then HTTP Basic AWS:<token>. */
  async login(): Promise<void> {
    const out = (await this.ecr('GetAuthorizationToken', {})) as { authorizationData: { authorizationToken: string }[] };
    this.#basic = `Basic ${out.authorizationData[0]!.authorizationToken}`;
  }

  async #fetch(path: string, init: RequestInit, what: string, ok: number[]): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.#basic && (path.startsWith('/v2') || path.startsWith('/_rewind'))) headers.set('Authorization', this.#basic);
    const res = await fetch(`${this.endpoint}${path}`, { ...init, headers });
    if (!ok.includes(res.status)) throw new HttpError(res.status, await res.text(), what);
    return res;
  }

  /** One ECR JSON 1.1 call; throws HttpError (its body holds the AWS __type) on failure. */
  async ecr(operation: string, input: unknown): Promise<unknown> {
    const res = await fetch(`${this.endpoint}/`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-amz-json-1.1',
        'X-Amz-Target': `AmazonEC2ContainerRegistry_V20150921.${operation}`,
        Authorization: `AWS4-HMAC-SHA256 Credential=${this.account}/20260101/${this.region}/ecr/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`,
      },
      body: JSON.stringify(input),
    });
    const text = await res.text();
    if (res.status !== 200) throw new HttpError(res.status, text, `ECR ${operation}`);
    return text === '' ? {} : JSON.parse(text);
  }

  createRepository(name: string, settings: Record<string, unknown> = {}): Promise<unknown> {
    return this.ecr('CreateRepository', { repositoryName: name, ...settings });
  }

  /** Pushes a blob: in one POST (`monolithic`), or docker's way: POST, one PATCH per chunk, PUT ?digest=. */
  async pushBlob(repo: string, bytes: Uint8Array, opts: { chunks?: number } = {}): Promise<string> {
    const digest = sha256(bytes);
    const chunks = opts.chunks ?? 0;
    if (chunks === 0) {
      await this.#fetch(
        `/v2/${repo}/blobs/uploads/?digest=${digest}`,
        { method: 'POST', body: bytes, headers: { 'Content-Type': 'application/octet-stream' } },
        `push ${digest}`,
        [201],
      );
      return digest;
    }
    let res = await this.#fetch(`/v2/${repo}/blobs/uploads/`, { method: 'POST' }, 'start upload', [202]);
    // a Location may be absolute (distribution answers with one): keep its path and query
    const relative = (l: string): string => (/^https?:\/\//.test(l) ? l.replace(/^https?:\/\/[^/]+/, '') : l);
    let location = relative(res.headers.get('location')!);
    const step = Math.ceil(bytes.byteLength / chunks);
    for (let off = 0; off < bytes.byteLength; off += step) {
      const part = bytes.subarray(off, Math.min(bytes.byteLength, off + step));
      res = await this.#fetch(
        location,
        {
          method: 'PATCH',
          body: part,
          headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `${off}-${off + part.byteLength - 1}` },
        },
        'upload chunk',
        [202],
      );
      location = relative(res.headers.get('location')!);
    }
    const sep = location.includes('?') ? '&' : '?';
    await this.#fetch(`${location}${sep}digest=${digest}`, { method: 'PUT' }, 'finish upload', [201]);
    return digest;
  }

  async putManifest(repo: string, reference: string, bytes: Uint8Array, mediaType: string): Promise<string> {
    const res = await this.#fetch(
      `/v2/${repo}/manifests/${reference}`,
      { method: 'PUT', body: bytes, headers: { 'Content-Type': mediaType } },
      `put manifest ${repo}:${reference}`,
      [201],
    );
    return res.headers.get('docker-content-digest') ?? sha256(bytes);
  }

  /** The manifest's digest and bytes, or undefined on 404. */
  async getManifest(repo: string, reference: string): Promise<{ digest: string; mediaType: string; bytes: Buffer } | undefined> {
    const res = await this.#fetch(
      `/v2/${repo}/manifests/${reference}`,
      {
        headers: {
          Accept: [
            MEDIA.ociIndex,
            MEDIA.ociManifest,
            MEDIA.dockerManifest,
            'application/vnd.docker.distribution.manifest.list.v2+json',
          ].join(', '),
        },
      },
      `get manifest ${repo}:${reference}`,
      [200, 404],
    );
    if (res.status === 404) {
      await res.arrayBuffer();
      return undefined;
    }
    return {
      digest: res.headers.get('docker-content-digest') ?? '',
      mediaType: res.headers.get('content-type') ?? '',
      bytes: Buffer.from(await res.arrayBuffer()),
    };
  }

  async deleteManifest(repo: string, reference: string): Promise<void> {
    await this.#fetch(`/v2/${repo}/manifests/${reference}`, { method: 'DELETE' }, `delete ${repo}@${reference}`, [202]);
  }

  async tags(repo: string): Promise<string[]> {
    const res = await this.#fetch(`/v2/${repo}/tags/list`, {}, `tags ${repo}`, [200, 404]);
    if (res.status === 404) {
      await res.arrayBuffer();
      return [];
    }
    return ((await res.json()) as { tags: string[] | null }).tags ?? [];
  }

  async admin(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<unknown> {
    const res = await this.#fetch(
      `/_rewind${path}`,
      { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }) },
      `admin ${method} ${path}`,
      [200, 201],
    );
    return res.json();
  }

  /**
   * Pushes a one-layer image (config + layer + manifest) and tags it; the layer holds one
   * file, `hello.txt` unless `file` names another path.
   * `docker` selects docker's media types and chunked layer uploads.
   */
  async pushImage(
    repo: string,
    tag: string,
    content: string,
    opts: { docker?: boolean; platform?: { architecture: string; os: string }; tagless?: boolean; file?: string } = {},
  ): Promise<{ digest: string; bytes: Buffer; descriptor: Descriptor }> {
    const platform = opts.platform ?? { architecture: 'amd64', os: 'linux' };
    const layer = tinyLayer(opts.file ?? 'hello.txt', content);
    const config = jsonBytes({
      architecture: platform.architecture,
      os: platform.os,
      config: { Cmd: ['/hello'] },
      rootfs: { type: 'layers', diff_ids: [sha256(Buffer.from(content))] },
    });
    const docker = opts.docker ?? false;
    await this.pushBlob(repo, layer, docker ? { chunks: 2 } : {});
    await this.pushBlob(repo, config);
    const manifestType = docker ? MEDIA.dockerManifest : MEDIA.ociManifest;
    const manifest = jsonBytes({
      schemaVersion: 2,
      mediaType: manifestType,
      config: descriptorOf(docker ? MEDIA.dockerConfig : MEDIA.ociConfig, config),
      layers: [descriptorOf(docker ? MEDIA.dockerLayer : MEDIA.ociLayer, layer)],
    });
    const digest = await this.putManifest(repo, opts.tagless ? sha256(manifest) : tag, manifest, manifestType);
    return { digest, bytes: manifest, descriptor: descriptorOf(manifestType, manifest, { platform }) };
  }
}

/**
 * A client of one upstream registry (OCI Distribution /v2 over HTTP(S)): manifests and blobs of
 * its repositories, authenticated as its challenges ask (upstream-auth.ts). Each repository's
 * authorization is remembered (a Bearer token is scoped to a repository) and renewed on a 401.
 */
import { createHash } from 'node:crypto';
import { type IncomingMessage, request as httpRequest } from 'node:http';
import { basic, bearerToken, ecrToken, parseChallenge, type Credentials } from './upstream-auth.ts';
import { rawGet } from './upstream-raw-get.ts';

/** What a manifest request asks for: every image format a registry may hold. */
export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

/** An upstream request that failed: `status` is the upstream's (0 when it could not be reached). */
export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface UpstreamOptions {
  /** `http(s)://host[:port]` the registry is reached at. */
  baseUrl: string;
  /** Basic credentials (a rule's secret), if any. */
  credentials?: Credentials | undefined;
  /** An ECR upstream: its registry's account and region (its tokens come from GetAuthorizationToken). */
  ecr?: { account: string; region: string } | undefined;
}

export interface UpstreamManifest {
  digest: string;
  mediaType: string;
  bytes: Buffer;
}

/** An answer to a GET, its body unread. */
interface Answer {
  status: number;
  header(name: string): string | undefined;
  body: AsyncIterable<Uint8Array>;
  discard(): void;
}

/** One GET with node:http(s); its answer unread. */
function get(url: URL, authorization: string | undefined): Promise<Answer> {
  return new Promise((resolve, reject) => {
    // node:https (and node:tls under it) loads with the first https upstream, not with every start
    const send = url.protocol === 'https:' ? process.getBuiltinModule('node:https').request : httpRequest;
    const req = send(url, { method: 'GET', headers: authorization ? { authorization } : {} }, (res: IncomingMessage) =>
      resolve({
        status: res.statusCode ?? 0,
        header: (name) => {
          const v = res.headers[name];
          return v === undefined ? undefined : String(v);
        },
        body: res,
        discard: () => res.resume(),
      }),
    );
    req.on('error', (err) => reject(unreachable(url, err)));
    req.end();
  });
}

const unreachable = (url: URL, err: Error): UpstreamError =>
  new UpstreamError(0, `the upstream ${url.origin} could not be reached: ${err.message}`);

/**
 * A blob's GET: over plain http, read into reused buffers (upstream-raw-get.ts), unless the
 * answer is one that reader does not handle; otherwise (https) through node:http.
 */
async function getBlob(url: URL, authorization: string | undefined): Promise<Answer> {
  if (url.protocol === 'http:') {
    const raw = await rawGet(url, authorization).catch((err: Error) => {
      throw unreachable(url, err);
    });
    if (raw !== 'unsupported') return raw;
  }
  return get(url, authorization);
}

export class UpstreamClient {
  readonly #opts: UpstreamOptions;
  readonly #auth = new Map<string, string>();

  constructor(opts: UpstreamOptions) {
    this.#opts = opts;
  }

  get baseUrl(): string {
    return this.#opts.baseUrl;
  }

  /** GET (or HEAD: bytes empty, digest from the header) a manifest by tag or digest. */
  async manifest(repository: string, reference: string, method: 'GET' | 'HEAD' = 'GET'): Promise<UpstreamManifest> {
    const res = await this.#request(repository, `/v2/${repository}/manifests/${reference}`, {
      method,
      headers: { accept: MANIFEST_ACCEPT },
    });
    const mediaType = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
    if (method === 'HEAD') {
      const digest = res.headers.get('docker-content-digest') ?? '';
      return { digest, mediaType, bytes: Buffer.alloc(0) };
    }
    const bytes = Buffer.from(await res.arrayBuffer());
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    if (reference.startsWith('sha256:') && reference !== digest)
      throw new UpstreamError(502, `the upstream's manifest ${reference} has digest ${digest}`);
    return { digest, mediaType, bytes };
  }

  /**
   * The bytes of a blob, streamed (not fetch: a large layer costs a third of the CPU through an
   * IncomingMessage than through web streams; over plain http, lent chunks read into reused
   * buffers cost less again: upstream-raw-get.ts). Redirects to storage are followed, without
   * the registry's authorization once the host changes.
   */
  async blob(repository: string, digest: string): Promise<AsyncIterable<Uint8Array>> {
    let url = new URL(`/v2/${repository}/blobs/${digest}`, this.#opts.baseUrl);
    let authorization = this.#auth.get(repository);
    let authorized = false;
    for (let hop = 0; hop < 6; hop++) {
      const res = await getBlob(url, authorization);
      const status = res.status;
      if (status === 401 && !authorized && url.origin === new URL(this.#opts.baseUrl).origin) {
        res.discard();
        authorization = await this.#authorize(repository, res.header('www-authenticate') || null);
        this.#auth.set(repository, authorization);
        authorized = true;
        continue;
      }
      const location = res.header('location');
      if (status >= 300 && status < 400 && location) {
        res.discard();
        const next = new URL(location, url);
        if (next.origin !== url.origin) authorization = undefined;
        url = next;
        continue;
      }
      if (status !== 200) {
        res.discard();
        throw new UpstreamError(status, `the upstream ${url.origin} answered ${status} to GET ${url.pathname}`);
      }
      return res.body;
    }
    throw new UpstreamError(502, `too many redirects fetching blob ${digest}`);
  }

  /** Whether the registry can be reached and accepts the credentials (GET /v2/ with its authentication). */
  async check(repository = 'library/ecr-rewind-check'): Promise<void> {
    const res = await this.#request(repository, '/v2/', { method: 'GET' });
    await res.body?.cancel();
  }

  async #request(repository: string, path: string, init: { method: string; headers?: Record<string, string> }): Promise<Response> {
    const url = new URL(path, this.#opts.baseUrl);
    const send = async (): Promise<Response> => {
      const authorization = this.#auth.get(repository);
      try {
        return await fetch(url, { ...init, headers: { ...init.headers, ...(authorization ? { authorization } : {}) } });
      } catch (err) {
        throw new UpstreamError(0, `the upstream ${url.origin} could not be reached: ${(err as Error).cause ?? (err as Error).message}`);
      }
    };
    let res = await send();
    if (res.status === 401) {
      await res.body?.cancel();
      this.#auth.set(repository, await this.#authorize(repository, res.headers.get('www-authenticate')));
      res = await send();
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new UpstreamError(res.status, `the upstream ${url.origin} answered ${res.status} to ${init.method} ${url.pathname}`);
    }
    return res;
  }

  async #authorize(repository: string, header: string | null): Promise<string> {
    const challenge = parseChallenge(header);
    const { credentials, ecr } = this.#opts;
    try {
      if (challenge?.scheme === 'bearer') return `Bearer ${await bearerToken(challenge, `repository:${repository}:pull`, credentials)}`;
      if (ecr) return await ecrToken(this.#opts.baseUrl, ecr.account, ecr.region);
      if (challenge?.scheme === 'basic' && credentials) return basic(credentials);
    } catch (err) {
      throw new UpstreamError(401, `authentication to the upstream failed: ${(err as Error).message}`);
    }
    throw new UpstreamError(401, `the upstream asks for authentication (${header ?? 'no challenge'}) and the rule has no credentials`);
  }
}

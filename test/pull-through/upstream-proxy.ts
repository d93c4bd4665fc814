/**
 * A proxy in front of an upstream registry for the pull through cache tests: it counts the
 * requests it forwards (`GET /v2/<name>/blobs/<digest>` ...), and can stand for a registry that
 * uses the Bearer token flow (Docker Hub, GHCR, Quay): /v2 answers 401 with
 * `WWW-Authenticate: Bearer realm=<proxy>/token,...` unless given the token that /token hands out
 * for the right Basic credentials.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface UpstreamProxy extends AsyncDisposable {
  readonly url: string;
  /** `METHOD path` -> how many times it was forwarded. */
  readonly counts: Map<string, number>;
  count(method: string, pathPart: string): number;
  close(): Promise<void>;
}

export async function startUpstreamProxy(
  target: string,
  opts: { bearer?: { username: string; password: string; token: string } } = {},
): Promise<UpstreamProxy> {
  const counts = new Map<string, number>();
  const to = new URL(target);
  let self = '';
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    const bearer = opts.bearer;
    if (bearer && path.startsWith('/token')) {
      const expected = `Basic ${Buffer.from(`${bearer.username}:${bearer.password}`).toString('base64')}`;
      if (req.headers.authorization !== expected) {
        res.writeHead(401).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: bearer.token, expires_in: 300 }));
      return;
    }
    if (bearer && req.headers.authorization !== `Bearer ${bearer.token}`) {
      res
        .writeHead(401, {
          'www-authenticate': `Bearer realm="${self}/token",service="upstream.test",scope="repository:${path.split('/').slice(2, -2).join('/')}:pull"`,
        })
        .end();
      return;
    }
    const key = `${req.method} ${path}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    const { authorization: _a, ...rest } = req.headers;
    // the bearer token is the proxy's own; any other authorization goes through to the registry
    const headers = bearer ? rest : req.headers;
    const forward = request(
      { host: to.hostname, port: to.port, method: req.method, path, headers: { ...headers, host: to.host } },
      (upstream) => {
        res.writeHead(upstream.statusCode ?? 502, upstream.headers);
        upstream.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  self = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return {
    url: self,
    counts,
    count: (method, part) => [...counts].filter(([k]) => k.startsWith(`${method} `) && k.includes(part)).reduce((n, [, c]) => n + c, 0),
    close,
    [Symbol.asyncDispose]: close,
  };
}

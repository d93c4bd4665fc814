/**
 * Who may use the admin API (/_rewind), which can read every blob (snapshot), move the clock and
 * reset the registry. Checked before any admin route, in this order:
 *
 * 1. Host: this emulator's own names only: an IP literal, `localhost` (or `*.localhost`), the
 *    `--host` it listens on, the host of `--advertised-host`. A page on another name that resolves
 *    to this machine (DNS rebinding) is refused.
 * 2. Origin: a browser request must come from a page of this same origin (`http://<Host>`); a
 *    cross-origin page, a sandboxed one (`Origin: null`) or `Sec-Fetch-Site: cross-site|same-site`
 *    is refused. Pages served by the emulator itself (under /_rewind/) are same-origin.
 * 3. Credentials, unless `--auth none`: what /v2 takes (HTTP Basic `AWS:<token>` with a token from
 *    GetAuthorizationToken in `token` mode, any Basic credentials in `any` mode) or the bare token
 *    as `Authorization: Bearer <token>`. A 401 carries a Basic challenge, so a browser asks once
 *    and then sends them with the page's requests. `GET /_rewind/health` needs none (probes).
 * 4. Bodies are JSON only: a request with a body and another Content-Type is refused with 415
 *    (a form or `text/plain` post from any page would otherwise need no CORS preflight).
 */
import { isIP } from 'node:net';
import type { Context, Next } from 'koa';
import type { FaceDeps } from '../face-deps.ts';

export class AdminRefused extends Error {
  constructor(
    readonly status: 401 | 403 | 415,
    readonly code: 'Unauthorized' | 'Forbidden' | 'UnsupportedMediaType',
    message: string,
  ) {
    super(message);
  }
}

/** The host name of a Host header or URL authority, without port or IPv6 brackets, lower case. */
function hostName(authority: string): string {
  const a = authority.trim().toLowerCase();
  if (a.startsWith('[')) return a.slice(1, a.indexOf(']') > 0 ? a.indexOf(']') : undefined);
  const colon = a.lastIndexOf(':');
  return colon >= 0 && a.indexOf(':') === colon ? a.slice(0, colon) : a;
}

function allowedHosts(deps: FaceDeps): Set<string> {
  const names = new Set<string>();
  const { host, advertisedHost } = deps.config;
  if (host && host !== '0.0.0.0' && host !== '::') names.add(hostName(host.includes(':') && !host.startsWith('[') ? `[${host}]` : host));
  if (advertisedHost) names.add(hostName(advertisedHost));
  return names;
}

const isLocalName = (name: string): boolean => name === 'localhost' || name.endsWith('.localhost');

const hasBody = (ctx: Context): boolean =>
  ctx.get('transfer-encoding') !== '' || (ctx.get('content-length') !== '' && ctx.get('content-length') !== '0');

const isJson = (contentType: string): boolean => {
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
};

export function adminGuard(deps: FaceDeps): (ctx: Context, next: Next) => Promise<void> {
  const hosts = allowedHosts(deps);
  const checkHost = (ctx: Context): void => {
    const header = ctx.get('host');
    if (header === '') return; // HTTP/1.0 without Host: no browser sends that
    const name = hostName(header);
    if (isIP(name) !== 0 || isLocalName(name) || hosts.has(name)) return;
    throw new AdminRefused(
      403,
      'Forbidden',
      `the admin API answers only to this emulator's own host names (an IP address, localhost, --host, --advertised-host), not '${header.slice(0, 100)}'`,
    );
  };
  const checkOrigin = (ctx: Context): void => {
    const site = ctx.get('sec-fetch-site');
    const origin = ctx.get('origin');
    if (origin !== '') {
      let same = false;
      try {
        const url = new URL(origin);
        same = (url.protocol === 'http:' || url.protocol === 'https:') && url.host.toLowerCase() === ctx.get('host').toLowerCase();
      } catch {
        same = false;
      }
      if (!same) throw new AdminRefused(403, 'Forbidden', `the admin API is not for pages of another origin (${origin.slice(0, 100)})`);
    }
    if (site === 'cross-site' || site === 'same-site')
      throw new AdminRefused(403, 'Forbidden', `the admin API is not for pages of another origin (Sec-Fetch-Site: ${site})`);
  };
  const checkCredentials = (ctx: Context): void => {
    if (deps.config.auth === 'none' || (ctx.method === 'GET' && ctx.path === '/_rewind/health')) return;
    const given = ctx.get('authorization');
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(given)?.[1];
    const authorization = bearer !== undefined ? `Basic ${Buffer.from(`AWS:${bearer}`).toString('base64')}` : given;
    const result = deps.auth.authenticate(authorization || undefined);
    if (result.ok) return;
    throw new AdminRefused(
      401,
      'Unauthorized',
      `the admin API needs the registry's credentials (${result.reason}): Basic AWS:<token> or Bearer <token>, the token from GetAuthorizationToken (aws ecr get-login-password)`,
    );
  };
  return async (ctx, next) => {
    try {
      checkHost(ctx);
      checkOrigin(ctx);
      checkCredentials(ctx);
      if (hasBody(ctx) && !isJson(ctx.get('content-type')))
        throw new AdminRefused(415, 'UnsupportedMediaType', 'the admin API takes JSON bodies only: send Content-Type: application/json');
    } catch (err) {
      if (!(err instanceof AdminRefused)) throw err;
      ctx.status = err.status;
      if (err.status === 401) ctx.set('WWW-Authenticate', 'Basic realm="ecr-rewind admin", charset="UTF-8"');
      ctx.body = { error: err.code, message: err.message };
      return;
    }
    await next();
  };
}

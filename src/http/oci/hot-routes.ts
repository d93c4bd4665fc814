/**
 * The /v2 requests a pull or a push repeats most, dispatched without the router: GET, HEAD and PUT
 * of `/v2/<name>/manifests/<reference>` and GET and HEAD of `/v2/<name>/blobs/<digest>`.
 *
 * The router tries a request's path against the pattern of every route and builds a middleware
 * chain for it; these paths are split once by hand instead, and then go through what the router
 * would have run for them: the name check, the reference (or digest) check, the route's handler.
 * The router stays the one definition of the /v2 grammar: every path this does not take exactly as
 * the router reads it (another method, a trailing slash, a percent sign, which the router would
 * decode, another spelling than lowercase `manifests` or `blobs`, an empty name) goes to the router.
 *
 * Why the split is the same: the router's patterns are `^/v2/(.+)/manifests/([^/]+)/?$` and
 * `^/v2/(.+)/blobs/([^/]+)/?$`; without a trailing slash the last parameter is the last segment and
 * the name everything between `/v2/` and it. No other /v2 route ends in a segment after `manifests`
 * or `blobs` (uploads end after `uploads`, referrers after `referrers`), so no other route matches.
 */
import type { Context } from 'koa';
import type { OciContext, OciHandler } from './oci-context.ts';
import { assertDigest, assertName, assertReference } from './validate-params.ts';

export interface HotHandlers {
  manifestGet: OciHandler;
  manifestPut: OciHandler;
  blobGet: OciHandler;
}

/** A hot request's checks and handler, as one call (a check that fails throws, as in the router). */
export type HotRoute = (ctx: Context) => Promise<void>;

const MANIFESTS = '/manifests';
const BLOBS = '/blobs';

export function hotRoutes(handlers: HotHandlers): (method: string, path: string) => HotRoute | undefined {
  // the checks in the order the router runs its parameter middleware: the name's first
  const manifest = (handler: OciHandler, name: string, reference: string): HotRoute => {
    return (ctx) => {
      ctx.params = { name, reference };
      assertName(name);
      assertReference(reference, ctx.method);
      return handler(ctx as OciContext);
    };
  };
  const blob = (name: string, digest: string): HotRoute => {
    return (ctx) => {
      ctx.params = { name, digest };
      assertName(name);
      assertDigest(digest);
      return handlers.blobGet(ctx as OciContext);
    };
  };
  return (method, path) => {
    const hot = hotPath(method, path);
    if (hot === undefined) return undefined;
    if (hot.route === 'manifest') return manifest(hot.get ? handlers.manifestGet : handlers.manifestPut, hot.name, hot.last);
    return blob(hot.name, hot.last);
  };
}

/** The route and parameters of a hot request (as the router reads them), or undefined for the router. */
export function hotPath(
  method: string,
  path: string,
): { route: 'manifest' | 'blob'; get: boolean; name: string; last: string } | undefined {
  const get = method === 'GET' || method === 'HEAD';
  if ((!get && method !== 'PUT') || !path.startsWith('/v2/') || path.includes('%')) return undefined;
  const slash = path.lastIndexOf('/');
  const last = path.slice(slash + 1);
  if (last === '') return undefined;
  if (path.endsWith(MANIFESTS, slash)) {
    const name = path.slice(4, slash - MANIFESTS.length);
    return name === '' ? undefined : { route: 'manifest', get, name, last };
  }
  if (get && path.endsWith(BLOBS, slash)) {
    const name = path.slice(4, slash - BLOBS.length);
    return name === '' ? undefined : { route: 'blob', get, name, last };
  }
  return undefined;
}

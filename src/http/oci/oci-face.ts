/**
 * The OCI Distribution v1.1 face (/v2): a thin adapter from the spec's
 * endpoints to domain commands (mutations) and projection queries (reads).
 *
 *   ociErrors      API version header; OCI error bodies for every failure
 *   ociAuth        HTTP Basic -> registry scope, or a 401 challenge
 *   router.param   name / digest / reference validation (400, never 500)
 *   routes         uploads, blobs, manifests, listings
 *
 * The manifest and blob requests of every pull and push take a hot lane past the router
 * (hot-routes.ts): the same checks and handlers, without trying every route's pattern. Before
 * that, the manifest GET, HEAD and PUT it can answer whole are answered before Koa sees them
 * (front-lane.ts, called from app.ts).
 */
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { FaceDeps } from '../face-deps.ts';
import { ociAuth, ociAuthorize } from './auth-middleware.ts';
import { registerBlobRoutes } from './blob-routes.ts';
import { API_VERSION_HEADER, ociErrorAnswer, ociErrors } from './error-middleware.ts';
import { type HotRoute, hotRoutes } from './hot-routes.ts';
import { registerListingRoutes } from './listing-routes.ts';
import { registerManifestRoutes } from './manifest-routes.ts';
import type { OciState } from './oci-context.ts';
import { OciError } from './oci-error.ts';
import { registerUploadRoutes } from './upload-routes.ts';
import { validDigest, validName, validReference } from './validate-params.ts';

/** The paths of this face: `/v2` and everything under `/v2/`. */
export const isV2Path = (path: string): boolean => path === '/v2' || path.startsWith('/v2/');

export function createOciFace(deps: FaceDeps): Middleware {
  const router = new Router<OciState>({ prefix: '/v2' });
  router.param('name', validName).param('digest', validDigest).param('reference', validReference);

  // end-1: the API version check (auth ran before it).
  router.get('/', (ctx) => {
    ctx.body = {};
  });
  registerListingRoutes(router, deps);
  registerUploadRoutes(router, deps);
  const blobGet = registerBlobRoutes(router, deps);
  const manifests = registerManifestRoutes(router, deps);
  const hot = hotRoutes({ manifestGet: manifests.get, manifestPut: manifests.put, blobGet });

  const errors = ociErrors(deps.log);
  const answerError = ociErrorAnswer(deps.log);
  const authorize = ociAuthorize(deps.auth, deps.registryHost);
  const auth = ociAuth(deps.auth, deps.registryHost) as Middleware;
  const routes = router.routes() as unknown as Middleware;
  const methods = router.allowedMethods({
    throw: true,
    methodNotAllowed: () => new OciError(405, 'UNSUPPORTED', 'the operation is unsupported'),
    notImplemented: () => new OciError(405, 'UNSUPPORTED', 'the operation is unsupported'),
  }) as unknown as Middleware;
  const unrouted = async (): Promise<void> => {};

  const unanswered = (ctx: Context): void => {
    if (ctx.body === undefined && ctx.status === 404) throw new OciError(404, 'NAME_UNKNOWN', 'no such /v2 endpoint');
  };

  // The hot lane runs the same steps as the chain below, written out as one call (no middleware
  // closures per request): the API version header, auth, the route, errors answered as ociErrors does.
  const hotLane = async (ctx: Context, lane: HotRoute): Promise<void> => {
    ctx.set(API_VERSION_HEADER, 'registry/2.0');
    try {
      authorize(ctx);
      await lane(ctx);
      unanswered(ctx);
    } catch (err) {
      answerError(ctx, err);
    }
  };

  // errors -> auth -> allowedMethods (405 after the routes) -> routes; nothing answered -> 404
  return (ctx, next) => {
    const path = ctx.path;
    if (!isV2Path(path)) return next();
    const lane = hot(ctx.method, path);
    if (lane) return hotLane(ctx, lane);
    return errors(ctx, () =>
      auth(ctx, async () => {
        await methods(ctx, () => routes(ctx, unrouted));
        unanswered(ctx);
      }),
    );
  };
}

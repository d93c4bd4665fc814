/**
 * The OCI Distribution v1.1 face (/v2): a thin adapter from the spec's
 * endpoints to domain commands (mutations) and projection queries (reads).
 *
 *   ociErrors      API version header; OCI error bodies for every failure
 *   ociAuth        HTTP Basic -> registry scope, or a 401 challenge
 *   router.param   name / digest / reference validation (400, never 500)
 *   routes         uploads, blobs, manifests, listings
 */
import Router from '@koa/router';
import type { Middleware } from 'koa';
import type { FaceDeps } from '../face-deps.ts';
import { ociAuth } from './auth-middleware.ts';
import { registerBlobRoutes } from './blob-routes.ts';
import { ociErrors } from './error-middleware.ts';
import { registerListingRoutes } from './listing-routes.ts';
import { registerManifestRoutes } from './manifest-routes.ts';
import type { OciState } from './oci-context.ts';
import { OciError } from './oci-error.ts';
import { registerUploadRoutes } from './upload-routes.ts';
import { validDigest, validName, validReference } from './validate-params.ts';

export function createOciFace(deps: FaceDeps): Middleware {
  const router = new Router<OciState>({ prefix: '/v2' });
  router.param('name', validName).param('digest', validDigest).param('reference', validReference);

  // end-1: the API version check (auth ran before it).
  router.get('/', (ctx) => {
    ctx.body = {};
  });
  registerListingRoutes(router, deps);
  registerUploadRoutes(router, deps);
  registerBlobRoutes(router, deps);
  registerManifestRoutes(router, deps);

  const errors = ociErrors(deps.log);
  const auth = ociAuth(deps.auth, deps.registryHost) as Middleware;
  const routes = router.routes() as unknown as Middleware;
  const methods = router.allowedMethods({
    throw: true,
    methodNotAllowed: () => new OciError(405, 'UNSUPPORTED', 'the operation is unsupported'),
    notImplemented: () => new OciError(405, 'UNSUPPORTED', 'the operation is unsupported'),
  }) as unknown as Middleware;
  const unrouted = async (): Promise<void> => {};

  // errors -> auth -> allowedMethods (405 after the routes) -> routes; nothing answered -> 404
  return (ctx, next) => {
    if (ctx.path !== '/v2' && !ctx.path.startsWith('/v2/')) return next();
    return errors(ctx, () =>
      auth(ctx, async () => {
        await methods(ctx, () => routes(ctx, unrouted));
        if (ctx.body === undefined && ctx.status === 404) throw new OciError(404, 'NAME_UNKNOWN', 'no such /v2 endpoint');
      }),
    );
  };
}

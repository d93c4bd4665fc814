/**
 * The one request listener: the /v2 front lane (oci/front-lane.ts) for the manifest pulls it answers
 * whole, then the one Koa application: request log, then admin (/_rewind), registry (/v2) and ECR
 * (POST /) faces.
 */
import type { RequestListener } from 'node:http';
import Koa from 'koa';
import { rememberContentTypes } from './content-types.ts';
import { createAdminFace } from './admin/admin-face.ts';
import { createEcrFace } from './ecr/ecr-face.ts';
import type { FaceDeps } from './face-deps.ts';
import { jsonBodiesAsText } from './json-bodies.ts';
import { ociFrontLane } from './oci/front-lane.ts';
import { createOciFace, isV2Path } from './oci/oci-face.ts';
import { requestLog } from './request-log.ts';

const CLIENT_GONE = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE', 'ERR_STREAM_DESTROYED']);

/** An error that only says the client left (a follower closing its stream, a cancelled pull). */
const clientWentAway = (err: unknown, ctx: Koa.Context | undefined): boolean =>
  CLIENT_GONE.has(String((err as NodeJS.ErrnoException | undefined)?.code)) ||
  (ctx !== undefined && !ctx.res.writableFinished && (ctx.req.destroyed || ctx.res.destroyed));

const ADMIN_PATH = /^\/_rewind/i;

export function createApp(deps: FaceDeps): RequestListener {
  const app = new Koa();
  app.proxy = false;
  app.silent = true;
  jsonBodiesAsText(app);
  const knownType = rememberContentTypes(app);
  app.on('error', (err: unknown, ctx?: Koa.Context) => {
    if (clientWentAway(err, ctx)) deps.log.debug({ path: ctx?.path, code: (err as NodeJS.ErrnoException).code }, 'client went away');
    else deps.log.error({ err, path: ctx?.path }, 'unhandled request error');
  });
  const admin = createAdminFace(deps);
  const oci = createOciFace(deps);
  const ecr = createEcrFace(deps);
  // The faces in turn, as one middleware (one step of Koa's chain per request, not four), inside the
  // request log. The admin router answers only under its prefix, /_rewind (matched in any case): no
  // other request tries the patterns of its routes. The /v2 face answers every /v2 request itself
  // (it never passes one on), so a request goes to the one face of its path. No closure is made per
  // request on the way to the /v2 and ECR faces.
  const faces: Koa.Middleware = (ctx, next) => (isV2Path(ctx.path) ? oci(ctx, next) : ecr(ctx, next));
  const route: Koa.Middleware = (ctx, next) => (ADMIN_PATH.test(ctx.path) ? admin(ctx, () => faces(ctx, next)) : faces(ctx, next));
  app.use(requestLog(deps.log, deps.config.logRequests, route));
  const koa = app.callback();
  const front = ociFrontLane(deps, knownType);
  return (req, res) => {
    if (!front(req, res)) void koa(req, res);
  };
}

/**
 * The admin API under /_rewind/: health, marks, reset, clock, the event log
 * (admin-events.ts), past states and snapshot downloads (admin-state.ts).
 * JSON in, JSON out; who may call it is admin-guard.ts's business.
 */
import Router from '@koa/router';
import type { Middleware } from 'koa';
import { DomainFailure } from '../../domain/errors.ts';
import { errorKind } from '../../replay/index.ts';
import type { FaceDeps } from '../face-deps.ts';
import { BodyError, readJsonBody } from '../request-body.ts';
import { adminGuard } from './admin-guard.ts';
import { addEventRoutes, QueryError } from './admin-events.ts';
import { addStateRoutes } from './admin-state.ts';

const LIMIT = 64 * 1024;

export function createAdminFace(deps: FaceDeps): Middleware {
  const { engine } = deps;
  const router = new Router({ prefix: '/_rewind' });
  router.use(adminGuard(deps));

  /** The request's JSON body, which must be an object (`{}` when empty). */
  const readObject = async (req: Parameters<typeof readJsonBody>[0]): Promise<Record<string, unknown>> => {
    const body = await readJsonBody(req, LIMIT, { timeoutMs: deps.limits.bodyTimeoutMs });
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw new BodyError('malformed', 'the body must be a JSON object');
    return body as Record<string, unknown>;
  };

  router.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      const kind = errorKind(err);
      if (err instanceof DomainFailure) {
        ctx.status = err.error.code === 'ReadOnly' ? 409 : err.error.code === 'PositionNotFound' ? 404 : 400;
        ctx.body = { error: err.error.code, message: err.error.message };
      } else if (kind !== undefined) {
        ctx.status = kind === 'not-found' ? 404 : kind === 'usage' ? 400 : 500;
        ctx.body = {
          error: kind === 'not-found' ? 'NotFound' : kind === 'usage' ? 'BadRequest' : 'Corrupt',
          message: (err as Error).message,
        };
      } else if (err instanceof QueryError) {
        ctx.status = 400;
        ctx.body = { error: 'BadRequest', message: err.message };
      } else if (err instanceof BodyError) {
        ctx.status = err.kind === 'too-large' ? 413 : err.kind === 'timeout' ? 408 : 400;
        if (err.kind !== 'malformed') ctx.set('Connection', 'close');
        ctx.body = { error: 'BadRequest', message: err.message };
      } else {
        deps.log.error({ err }, 'admin request failed');
        ctx.status = 500;
        ctx.body = { error: 'InternalError', message: 'internal error' };
      }
    }
  });

  // 200 while writes are accepted (or refused by design, read-only); 503 while degraded (a journal
  // that could not be written: `problem` says why, and writes resume once it can be)
  router.get('/health', (ctx) => {
    const s = engine.state;
    const health = engine.health();
    if (health.status === 'degraded') ctx.status = 503;
    ctx.body = {
      status: health.status,
      ...(health.status === 'degraded' ? { problem: health.reason, since: health.since } : {}),
      journal: { dir: engine.journalDir, lastSeq: engine.lastSeq, fsync: deps.config.fsync },
      state: { seq: s.seq, repositories: s.repos.size, uploads: s.uploads.size, blobs: s.blobs.size },
      clock: new Date(deps.clock.now()).toISOString(),
    };
  });

  router.get('/marks', (ctx) => {
    ctx.body = { marks: [...engine.marks].map(([name, seq]) => ({ name, seq })) };
  });

  router.post('/marks', async (ctx) => {
    const body = await readObject(ctx.req);
    if (typeof body.name !== 'string' || body.name.length === 0 || body.name.length > 256) {
      ctx.status = 400;
      ctx.body = { error: 'BadRequest', message: 'name must be a non-empty string of at most 256 characters' };
      return;
    }
    const seq = await engine.mark(body.name);
    ctx.status = 201;
    ctx.body = { name: body.name, seq };
  });

  router.post('/reset', async (ctx) => {
    const body = await readObject(ctx.req);
    const to = body.to;
    if (typeof to !== 'number' && (typeof to !== 'string' || to === '')) {
      ctx.status = 400;
      ctx.body = { error: 'BadRequest', message: 'to must be a mark name or a sequence number' };
      return;
    }
    const events = await engine.reset(to);
    const rewound = events[0];
    ctx.body = {
      to: rewound?.type === 'Rewound' ? rewound.data.to : to,
      mark: rewound?.type === 'Rewound' ? rewound.data.mark : null,
      seq: rewound?.seq ?? engine.lastSeq,
    };
  });

  router.post('/clock', async (ctx) => {
    const body = await readObject(ctx.req);
    const ms =
      typeof body.advanceMs === 'number' ? body.advanceMs : typeof body.advanceSeconds === 'number' ? body.advanceSeconds * 1000 : NaN;
    if (!Number.isFinite(ms) || ms < 0) {
      ctx.status = 400;
      ctx.body = { error: 'BadRequest', message: 'advanceMs (or advanceSeconds) must be a non-negative number' };
      return;
    }
    deps.clock.advance(ms);
    // time moved: uploads now past their time are closed (recorded), as the background sweep would
    const { expired } = await deps.uploads.expireDue();
    ctx.body = { now: new Date(deps.clock.now()).toISOString(), uploadsExpired: expired.length };
  });

  addEventRoutes(router, deps);
  addStateRoutes(router, deps);

  return router.routes() as unknown as Middleware;
}

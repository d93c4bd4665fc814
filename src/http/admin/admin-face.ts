/**
 * The admin API under /_rewind/: health, marks, reset, clock and lifecycle runs
 * (admin-lifecycle.ts), the event log
 * (admin-events.ts), past states and snapshot downloads (admin-state.ts).
 * JSON in, JSON out; who may call it is admin-guard.ts's business.
 */
import Router from '@koa/router';
import type { Middleware } from 'koa';
import { DomainFailure, type DomainErrorCode } from '../../domain/errors.ts';
import { errorKind } from '../../replay/index.ts';
import type { FaceDeps } from '../face-deps.ts';
import { BodyError } from '../request-body.ts';
import { noteRequest } from '../request-log.ts';
import { adminGuard } from './admin-guard.ts';
import { readObject as readObjectOf } from './admin-body.ts';
import { addEventRoutes, QueryError } from './admin-events.ts';
import { addEventBridgeRoutes } from './admin-eventbridge.ts';
import { addInspectRoutes } from './admin-inspect.ts';
import { addLifecycleRoutes } from './admin-lifecycle.ts';
import { addSigningRoutes } from './admin-signing.ts';
import { addScanningRoutes } from './admin-scanning.ts';
import { addStateRoutes } from './admin-state.ts';
import { addUiRoutes } from './admin-ui.ts';
import { addClockReadRoute } from './admin-clock.ts';
import { addUpstreamRoutes } from './admin-upstreams.ts';

/** Domain refusals answered with another status than 400. */
const ADMIN_STATUS: Partial<Record<DomainErrorCode, number>> = { ReadOnly: 409, MarkAlreadyExists: 409, PositionNotFound: 404 };

export function createAdminFace(deps: FaceDeps): Middleware {
  const { engine } = deps;
  const router = new Router({ prefix: '/_rewind' });
  router.use(adminGuard(deps));

  const readObject = (req: Parameters<typeof readObjectOf>[0]) => readObjectOf(req, deps.limits.bodyTimeoutMs);

  router.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      const kind = errorKind(err);
      let answered: { error: string; message: string };
      if (err instanceof DomainFailure) {
        ctx.status = ADMIN_STATUS[err.error.code] ?? 400;
        answered = { error: err.error.code, message: err.error.message };
      } else if (kind !== undefined) {
        ctx.status = kind === 'not-found' ? 404 : kind === 'usage' ? 400 : 500;
        answered = {
          error: kind === 'not-found' ? 'NotFound' : kind === 'usage' ? 'BadRequest' : 'Corrupt',
          message: (err as Error).message,
        };
      } else if (err instanceof QueryError) {
        ctx.status = 400;
        answered = { error: 'BadRequest', message: err.message };
      } else if (err instanceof BodyError) {
        ctx.status = err.kind === 'too-large' ? 413 : err.kind === 'timeout' ? 408 : 400;
        if (err.kind !== 'malformed') ctx.set('Connection', 'close');
        answered = { error: 'BadRequest', message: err.message };
      } else {
        deps.log.error({ err }, 'admin request failed');
        ctx.status = 500;
        answered = { error: 'InternalError', message: 'internal error' };
      }
      ctx.body = answered;
      noteRequest(ctx, { error: answered.error, reason: answered.message });
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
    if (typeof body.name !== 'string' || (body.move !== undefined && typeof body.move !== 'boolean')) {
      ctx.status = 400;
      ctx.body = { error: 'BadRequest', message: 'send {"name": "<mark>"} (and "move": true to move an existing mark)' };
      return;
    }
    if (body.at !== undefined && (typeof body.at !== 'number' || !Number.isSafeInteger(body.at) || body.at < 0)) {
      ctx.status = 400;
      ctx.body = { error: 'BadRequest', message: 'at must be a sequence number (default: the current one)' };
      return;
    }
    const moved = engine.marks.get(body.name);
    const seq = await engine.mark(body.name, { move: body.move === true, ...(body.at === undefined ? {} : { at: body.at }) });
    ctx.status = moved === undefined ? 201 : 200;
    ctx.body = { name: body.name, seq, ...(moved === undefined ? {} : { movedFrom: moved }) };
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

  addLifecycleRoutes(router, deps);
  addEventRoutes(router, deps);
  addStateRoutes(router, deps);
  addSigningRoutes(router, deps);
  addEventBridgeRoutes(router, deps);
  addInspectRoutes(router, deps);
  addUiRoutes(router, deps);
  addClockReadRoute(router, deps);
  addScanningRoutes(router, deps);
  addUpstreamRoutes(router, deps);

  return router.routes() as unknown as Middleware;
}

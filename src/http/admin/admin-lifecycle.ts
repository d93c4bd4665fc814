/**
 * POST /_rewind/clock {"advanceMs": n}: moves the emulator's clock forward, as a journaled
 * ClockAdvanced event (a restart and a replay keep the offset, a reset brings it back), and
 * answers once the lifecycle runs that became due have run.
 *
 * POST /_rewind/lifecycle/evaluate {"repository"?, "registryId"?, "region"?}: runs the
 * lifecycle policy of one repository (or of every repository that has one) now, and
 * answers what each run expired or archived.
 */
import type Router from '@koa/router';
import { DomainFailure } from '../../domain/errors.ts';
import type { LifecycleRun } from '../../lifecycle/lifecycle-scheduler.ts';
import type { FaceDeps } from '../face-deps.ts';
import { readObject } from './admin-body.ts';

export function addLifecycleRoutes(router: Router, deps: FaceDeps): void {
  const { engine } = deps;

  router.post('/clock', async (ctx) => {
    const body = await readObject(ctx.req, deps.limits.bodyTimeoutMs);
    const ms =
      typeof body.advanceMs === 'number' ? body.advanceMs : typeof body.advanceSeconds === 'number' ? body.advanceSeconds * 1000 : NaN;
    if (!Number.isFinite(ms) || ms < 0) {
      ctx.status = 400;
      ctx.body = { error: 'BadRequest', message: 'advanceMs (or advanceSeconds) must be a non-negative number' };
      return;
    }
    await engine.execute({ type: 'AdvanceClock', ms: Math.round(ms) });
    await deps.lifecycle?.idle();
    // time moved: uploads now past their time are closed (recorded), as the background sweep would
    const { expired } = await deps.uploads.expireDue();
    ctx.body = { now: new Date(deps.clock.now()).toISOString(), offsetMs: engine.state.clockOffsetMs ?? 0, uploadsExpired: expired.length };
  });

  router.post('/lifecycle/evaluate', async (ctx) => {
    const body = await readObject(ctx.req, deps.limits.bodyTimeoutMs);
    const bad = (message: string) => {
      ctx.status = 400;
      ctx.body = { error: 'BadRequest', message };
    };
    if (body.repository !== undefined && typeof body.repository !== 'string') return bad('repository must be a string');
    if (body.registryId !== undefined && (typeof body.registryId !== 'string' || !/^\d{12}$/.test(body.registryId)))
      return bad('registryId must be a 12-digit account id');
    if (body.region !== undefined && typeof body.region !== 'string') return bad('region must be a string');
    if (!deps.lifecycle) {
      ctx.status = 409;
      ctx.body = { error: 'ReadOnly', message: engine.readOnly ?? 'lifecycle policies do not run here' };
      return;
    }
    const scope = {
      account: (body.registryId as string | undefined) ?? deps.config.account,
      region: (body.region as string | undefined) ?? deps.config.region,
    };
    let runs: LifecycleRun[];
    try {
      runs = await deps.lifecycle.evaluate(body.repository === undefined ? undefined : { scope, repository: body.repository as string });
    } catch (err) {
      if (err instanceof DomainFailure && (err.error.code === 'RepositoryNotFound' || err.error.code === 'LifecyclePolicyNotFound')) {
        ctx.status = 404;
        ctx.body = { error: err.error.code, message: err.error.message };
        return;
      }
      throw err;
    }
    ctx.body = {
      runs: runs.map((r) => ({ ...r, evaluatedAt: new Date(r.evaluatedAt).toISOString() })),
    };
  });
}

/**
 * GET /_rewind/clock: the emulator's clock as the domain reads it (token expiry,
 * lifecycle rules, event times), journaled advances included: `{ now, epochMs, offsetMs }`.
 * It peeks: a recording's stepping clock does not move for it.
 */
import type Router from '@koa/router';
import type { FaceDeps } from '../face-deps.ts';

export function addClockReadRoute(router: Router, deps: FaceDeps): void {
  router.get('/clock', (ctx) => {
    const now = deps.clock.peek?.() ?? deps.clock.now();
    ctx.body = { now: new Date(now).toISOString(), epochMs: now, offsetMs: deps.engine.state.clockOffsetMs ?? 0 };
  });
}

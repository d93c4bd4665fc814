/**
 * GET /_rewind/clock: the emulator's clock as the domain reads it (token expiry,
 * lifecycle rules, event times), with any advance applied: `{ now, epochMs }`.
 */
import type Router from '@koa/router';
import type { FaceDeps } from '../face-deps.ts';

export function addClockReadRoute(router: Router, deps: FaceDeps): void {
  router.get('/clock', (ctx) => {
    const now = deps.clock.now();
    ctx.body = { now: new Date(now).toISOString(), epochMs: now };
  });
}

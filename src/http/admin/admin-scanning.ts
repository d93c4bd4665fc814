/**
 * GET /_rewind/scanning/advisories: the advisory list image scans match against.
 * PUT /_rewind/scanning/advisories: replaces it (body: an array of advisories or
 * {"advisories": [...]}, src/scanning/advisory-input.ts); the change is journaled
 * and continuous-scan repositories are scanned again. A bad list answers 400.
 */
import type Router from '@koa/router';
import type { FaceDeps } from '../face-deps.ts';
import { readJsonBody } from '../request-body.ts';

/** Advisory lists can be long: 64 MiB of JSON. */
const ADVISORIES_LIMIT = 64 * 1024 * 1024;

export function addScanningRoutes(router: Router, deps: FaceDeps): void {
  const { engine } = deps;
  router.get('/scanning/advisories', (ctx) => {
    const s = engine.state.scanning;
    ctx.body = {
      advisories: s?.advisories ?? [],
      updatedAt: s ? new Date(s.updatedAt).toISOString() : null,
      source: s?.source ?? null,
    };
  });

  router.put('/scanning/advisories', async (ctx) => {
    const recorded = await deps.advisories.put(await readJsonBody(ctx.req, ADVISORIES_LIMIT));
    ctx.body = { ...recorded, updatedAt: new Date(recorded.updatedAt).toISOString() };
  });
}

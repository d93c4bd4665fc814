/**
 * GET /_rewind/scanning/advisories: the advisory list image scans match against.
 * PUT /_rewind/scanning/advisories: replaces it (body: an array of advisories or
 * {"advisories": [...]}, src/scanning/advisory-input.ts); the change is journaled
 * and continuous-scan repositories are scanned again.
 */
import type Router from '@koa/router';
import { AdvisoryInputError, parseAdvisories } from '../../scanning/advisory-input.ts';
import type { FaceDeps } from '../face-deps.ts';
import { readJsonBody } from '../read-json-body.ts';

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
    const body = await readJsonBody(ctx.req, ADVISORIES_LIMIT);
    let advisories;
    try {
      advisories = parseAdvisories(body);
    } catch (err) {
      if (!(err instanceof AdvisoryInputError)) throw err;
      ctx.status = 400;
      ctx.body = { error: 'BadRequest', message: err.message };
      return;
    }
    const events = await engine.execute({ type: 'PutAdvisories', advisories, source: 'api' });
    const put = events[0]!;
    ctx.body = {
      advisories: advisories.length,
      updatedAt: new Date(put.time).toISOString(),
      seq: put.seq,
      rescans: events.filter((e) => e.type === 'ImageScanStarted').length,
    };
  });
}

/**
 * GET /_rewind/eventbridge?from=SEQ&follow=1: ECR's EventBridge events derived from the
 * journal (src/eventbridge/), as NDJSON, one event per line, in journal order, from the
 * events of journal seq SEQ on (default 1). Without `follow` the answer ends at the
 * journal's durable end; with `follow=1` it stays open and streams new events as they
 * become durable. The same SEQ always gives the same events with the same ids.
 */
import { PassThrough } from 'node:stream';
import type Router from '@koa/router';
import type { FaceDeps } from '../face-deps.ts';
import { QueryError } from './admin-events.ts';

/** Waits for room in the stream, or until the client is gone. */
const drained = (out: PassThrough, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      out.off('drain', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    out.once('drain', done);
    signal.addEventListener('abort', done, { once: true });
  });

const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

export function addEventBridgeRoutes(router: Router, deps: FaceDeps): void {
  router.get('/eventbridge', (ctx) => {
    const fromText = one(ctx.query.from);
    if (fromText !== undefined && fromText !== '' && !/^\d+$/.test(fromText)) throw new QueryError('from must be a whole number');
    const from = fromText ? Number(fromText) : 1;
    const followText = one(ctx.query.follow);
    const follow = followText === '1' || followText === 'true';
    const out = new PassThrough();
    const abort = new AbortController();
    ctx.req.on('close', () => abort.abort());
    ctx.status = 200;
    ctx.type = 'application/x-ndjson';
    ctx.set('Cache-Control', 'no-store');
    ctx.set('X-Rewind-Durable-Seq', String(deps.eventBridge.durableSeq));
    ctx.body = out;
    void (async () => {
      try {
        for await (const e of deps.eventBridge.events(from, { follow, signal: abort.signal })) {
          if (!out.write(`${JSON.stringify(e)}\n`)) await drained(out, abort.signal);
        }
      } catch (err) {
        deps.log.error({ err }, 'eventbridge stream failed');
      } finally {
        out.end();
      }
    })();
  });
}

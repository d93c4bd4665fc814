/**
 * GET /_rewind/events: the journal, paged (`from`, `limit`, `type`, `repository`)
 * as JSON { events, next }, or with `follow=1` as a live NDJSON stream: the
 * events from `from` on, then every new event as it becomes durable, one JSON
 * object per line, until the client goes away.
 */
import { PassThrough } from 'node:stream';
import type Router from '@koa/router';
import type { RecordedEvent } from '../../domain/events.ts';
import { EVENT_VERSIONS } from '../../domain/versions.ts';
import { eventJson, pageEvents, type EventFilter } from '../../replay/index.ts';
import type { FaceDeps } from '../face-deps.ts';

const MAX_PAGE = 10_000;

export class QueryError extends Error {}

const wholeNumber = (name: string, text: string | undefined, fallback: number): number => {
  if (text === undefined || text === '') return fallback;
  if (!/^\d+$/.test(text)) throw new QueryError(`${name} must be a whole number`);
  return Number(text);
};

const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

export function addEventRoutes(router: Router, deps: FaceDeps): void {
  const { engine } = deps;
  router.get('/events', (ctx) => {
    const q = ctx.query;
    const from = wholeNumber('from', one(q.from), 1);
    const types = one(q.type)?.split(',').filter(Boolean);
    const unknown = types?.filter((t) => !(t in EVENT_VERSIONS)) ?? [];
    if (unknown.length > 0)
      throw new QueryError(`unknown event type ${unknown.join(', ')}; the types are ${Object.keys(EVENT_VERSIONS).join(', ')}`);
    const repository = one(q.repository);
    const filter: EventFilter = { from, ...(types ? { types } : {}), ...(repository ? { repository } : {}) };
    const source = (a: number, b: number) => engine.events(a, b);

    if (one(q.follow) === '1' || one(q.follow) === 'true') {
      const out = new PassThrough();
      let sent = from - 1;
      const matches = (e: RecordedEvent): boolean =>
        (!types || types.includes(e.type)) && (!repository || (e.data as { repository?: string }).repository === repository);
      const send = (events: RecordedEvent[]): void => {
        for (const e of events) {
          if (e.seq <= sent) continue;
          sent = e.seq;
          if (matches(e)) out.write(`${eventJson(e)}\n`);
        }
      };
      // Listen first, then send the backlog: nothing falls between the two.
      const queued: RecordedEvent[][] = [];
      let live = false;
      const onEvents = (events: RecordedEvent[]): void => {
        if (live) send(events);
        else queued.push(events);
      };
      engine.on('events', onEvents);
      const stop = (): void => {
        engine.off('events', onEvents);
        deps.stopping.removeEventListener('abort', stop);
        out.end();
      };
      ctx.req.on('close', stop);
      // the stream ends when the emulator stops; until then it may be quiet for long (no idle timeout)
      deps.stopping.addEventListener('abort', stop);
      ctx.req.socket.setTimeout(0);
      ctx.status = 200;
      ctx.type = 'application/x-ndjson';
      ctx.set('Cache-Control', 'no-store');
      ctx.body = out;
      // the answer starts now, even when there is no event to send yet
      ctx.flushHeaders();
      send(pageEvents(source, { from }).events);
      for (const batch of queued) send(batch);
      live = true;
      return;
    }

    const limit = Math.min(wholeNumber('limit', one(q.limit), 1000), MAX_PAGE);
    const page = pageEvents(source, { ...filter, limit });
    ctx.type = 'application/json';
    ctx.body = `{"events":[${page.events.map(eventJson).join(',')}],"next":${page.next ?? 'null'},"lastSeq":${engine.lastSeq}}`;
  });
}

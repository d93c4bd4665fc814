/**
 * The inspector's JSON (the page at /_rewind/ui is one client, scripts another):
 *
 *   GET /_rewind/timeline?offset=&limit=&type=&face=&repository=&q=&locate=
 *       rows of the (filtered, searched) timeline by position, the total, the marks;
 *       `locate=SEQ`: also the position of the last row at or before SEQ
 *   GET /_rewind/timeline/facets      event types, repositories and faces to filter by
 *   GET /_rewind/registry?at=&repository=&offset=&limit=&images=
 *       the registry right after a position: repositories, images, platforms, referrers;
 *       `images=NAME,...`: images only of these repositories and of the one the event at the
 *       position is about (the others with their counts), what a page that shows those needs
 *   GET /_rewind/diff?from=&to=       what appeared, vanished and moved between two positions
 *   GET /_rewind/image?repository=&digest=
 *       an image's story: the events that touched it, its manifest and config
 *
 * Positions are what the tools take (seq, mark, ISO time, end). Everything is
 * computed by src/replay/timeline.ts and src/queries/ over the journal: nothing here changes state.
 */
import type Router from '@koa/router';
import { registryView } from '../../queries/registry-view.ts';
import { diffView, FACES, type Face, imageStory, type Timeline, type TimelineFilter, timelinePage } from '../../replay/index.ts';
import type { FaceDeps } from '../face-deps.ts';
import { QueryError } from './admin-events.ts';

const MAX_ROWS = 1000;

const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);
const listOf = (v: string | string[] | undefined): string[] | undefined => {
  const text = one(v);
  return text === undefined || text === '' ? undefined : text.split(',').filter(Boolean);
};
const wholeNumber = (name: string, text: string | undefined, fallback: number): number => {
  if (text === undefined || text === '') return fallback;
  if (!/^\d+$/.test(text)) throw new QueryError(`${name} must be a whole number`);
  return Number(text);
};

/** `names` and the repository the event at `seq` is about (read from the index, or the journal before it is built). */
function eventRepository(timeline: Timeline, seq: number, names: Set<string>): Set<string> {
  if (seq < timeline.index.firstSeq) return names;
  const row = seq <= timeline.indexedSeq ? timeline.index.row(seq - timeline.index.firstSeq) : timeline.rowsFromJournal(seq, seq)[0];
  if (row?.repository) names.add(row.repository);
  return names;
}

export function addInspectRoutes(router: Router, deps: FaceDeps): void {
  const { engine, timeline } = deps;

  router.get('/timeline/facets', async (ctx) => {
    await timeline.ready();
    ctx.body = { ...timeline.index.facets(), faces: FACES };
  });

  router.get('/timeline', async (ctx) => {
    const q = ctx.query;
    const offset = wholeNumber('offset', one(q.offset), 0);
    const limit = Math.min(wholeNumber('limit', one(q.limit), 100), MAX_ROWS);
    const faces = listOf(q.face);
    for (const f of faces ?? []) if (!FACES.includes(f as Face)) throw new QueryError(`face must be one of ${FACES.join(', ')}`);
    const filter: TimelineFilter = {
      ...(listOf(q.type) ? { types: listOf(q.type)! } : {}),
      ...(faces ? { faces: faces as Face[] } : {}),
      ...(one(q.repository) ? { repository: one(q.repository)! } : {}),
      ...(one(q.q) ? { search: one(q.q)! } : {}),
    };
    const locate = one(q.locate);
    ctx.body = await timelinePage(timeline, { filter, offset, limit, ...(locate === undefined ? {} : { locate }), marks: engine.marks });
  });

  router.get('/registry', async (ctx) => {
    const q = ctx.query;
    const atText = one(q.at) ?? 'end';
    const repository = one(q.repository);
    // the server's own state (the live end, or the position a read-only view stands at) needs no index
    const own = engine.state.seq;
    const direct = (atText === 'end' && own === timeline.lastSeq) || atText === String(own);
    if (!direct) await timeline.ready();
    const at = direct ? { seq: own, label: `seq ${own}` } : timeline.resolve(atText);
    const images = one(q.images);
    const imagesOf = images === undefined ? undefined : eventRepository(timeline, at.seq, new Set(listOf(images)));
    const view = registryView(direct ? engine.state : timeline.stateAt(at.seq), {
      ...(repository ? { repository } : {}),
      ...(imagesOf ? { imagesOf } : {}),
      offset: wholeNumber('offset', one(q.offset), 0),
      limit: Math.min(wholeNumber('limit', one(q.limit), 200), MAX_ROWS),
    });
    ctx.body = { at: at.label, ...view };
  });

  router.get('/diff', async (ctx) => {
    const q = ctx.query;
    const fromText = one(q.from);
    const toText = one(q.to);
    if (!fromText || !toText) throw new QueryError('from and to are required (seq, mark, ISO time or end)');
    await timeline.ready();
    const from = timeline.resolve(fromText);
    const to = timeline.resolve(toText);
    const a = timeline.copyAt(from.seq);
    const b = timeline.stateAt(to.seq);
    ctx.body = { fromLabel: from.label, toLabel: to.label, ...diffView(a, b) };
  });

  router.get('/image', async (ctx) => {
    const repository = one(ctx.query.repository);
    const digest = one(ctx.query.digest);
    if (!repository || !digest) throw new QueryError('repository and digest are required');
    const story = await imageStory(
      timeline,
      (from, to) => engine.events(from, to),
      (d, max) => deps.blobReads.head(d, max),
      repository,
      digest,
    );
    if (!story) {
      ctx.status = 404;
      ctx.body = { error: 'NotFound', message: `no event names ${digest} in repository ${repository}` };
      return;
    }
    ctx.body = story;
  });
}

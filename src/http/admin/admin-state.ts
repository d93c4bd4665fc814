/**
 * GET /_rewind/state?at=<seq|mark|ISO time>: the registry as it was then (or
 * now, without `at`), as replay/state-view.ts shows it. GET /_rewind/snapshot:
 * a snapshot file of the live state, or with `at` of a past position
 * (replay/pack-format.ts), for a harness on another machine to start from
 * (`--from-snapshot`).
 */
import { Readable } from 'node:stream';
import type Router from '@koa/router';
import { liveHistory } from '../../replay/journal-history.ts';
import { preparePack } from '../../replay/pack-writer.ts';
import { resolvePosition } from '../../replay/positions.ts';
import { viewState } from '../../replay/state-view.ts';
import { stateAtSeq } from '../../replay/time-travel.ts';
import type { FaceDeps } from '../face-deps.ts';

export function addStateRoutes(router: Router, deps: FaceDeps): void {
  const { engine } = deps;
  router.get('/state', async (ctx) => {
    const at = typeof ctx.query.at === 'string' ? ctx.query.at : undefined;
    if (at === undefined) {
      ctx.body = viewState(engine.state);
      return;
    }
    const history = liveHistory(engine.journal);
    const pos = resolvePosition(at, history, engine.marks);
    const state = pos.seq === engine.journal.lastSeq ? engine.state : await stateAtSeq(history, pos.seq);
    ctx.body = { at: pos.label, ...viewState(state) };
  });

  router.get('/snapshot', async (ctx) => {
    // ?at=POS: a snapshot file of a past position (the inspector's "download a snapshot of here")
    const at = typeof ctx.query.at === 'string' ? ctx.query.at : undefined;
    let state = engine.state;
    let marks = engine.marks;
    if (at !== undefined) {
      await deps.timeline.ready();
      const pos = deps.timeline.resolve(at);
      state = deps.timeline.copyAt(pos.seq);
      marks = new Map([...engine.marks].filter(([, seq]) => seq <= pos.seq));
    }
    const pack = await preparePack({ state, marks }, deps.config.journal, { live: true, store: deps.blobs });
    ctx.status = 200;
    ctx.type = 'application/octet-stream';
    ctx.length = pack.size;
    ctx.set('Content-Disposition', `attachment; filename="ecr-rewind-${pack.header.seq}.snapshot"`);
    ctx.set('X-Ecr-Rewind-State-Hash', pack.header.stateHash);
    ctx.body = Readable.from(pack.chunks());
  });
}

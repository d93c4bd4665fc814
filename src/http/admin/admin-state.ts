/**
 * GET /_rewind/state?at=<seq|mark|ISO time>: the registry as it was then (or
 * now, without `at`), as replay/state-view.ts shows it. GET /_rewind/snapshot:
 * a snapshot file of the live state, or with `at` of a past position
 * (snapshot-file/format.ts), for a harness on another machine to start from
 * (`--from-snapshot`).
 */
import { Readable } from 'node:stream';
import type Router from '@koa/router';
import { resolvePosition, stateAtSeq, viewState } from '../../replay/index.ts';
import type { RegistryState } from '../../domain/state.ts';
import type { FaceDeps } from '../face-deps.ts';

export function addStateRoutes(router: Router, deps: FaceDeps): void {
  const { engine } = deps;
  router.get('/state', async (ctx) => {
    const at = typeof ctx.query.at === 'string' ? ctx.query.at : undefined;
    if (at === undefined) {
      ctx.body = viewState(engine.state);
      return;
    }
    const history = engine.history();
    const pos = resolvePosition(at, history, engine.marks);
    const state = pos.seq === engine.lastSeq ? engine.state : stateAtSeq(history, pos.seq);
    ctx.body = { at: pos.label, ...viewState(state) };
  });

  router.get('/snapshot', async (ctx) => {
    // ?at=POS: a snapshot file of a past position (the inspector's "download a snapshot of here")
    const at = typeof ctx.query.at === 'string' ? ctx.query.at : undefined;
    let past: { state: RegistryState; marks: Map<string, number> } | undefined;
    if (at !== undefined) {
      await deps.timeline.ready();
      const pos = deps.timeline.resolve(at);
      past = { state: deps.timeline.copyAt(pos.seq), marks: new Map([...engine.marks].filter(([, seq]) => seq <= pos.seq)) };
    }
    const pack = await deps.snapshots.prepare(past);
    ctx.status = 200;
    ctx.type = 'application/octet-stream';
    ctx.length = pack.size;
    ctx.set('Content-Disposition', `attachment; filename="ecr-rewind-${pack.header.seq}.snapshot"`);
    ctx.set('X-Ecr-Rewind-State-Hash', pack.header.stateHash);
    ctx.body = Readable.from(pack.chunks());
  });
}

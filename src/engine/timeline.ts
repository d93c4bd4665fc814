/**
 * The inspector's timeline of the journal this engine writes (or reads, for a
 * read-only view): replay/timeline.ts over the engine's typed read API.
 */
import { Timeline } from '../replay/timeline.ts';
import type { Engine } from './engine.ts';

export function engineTimeline(engine: Engine): Timeline {
  const history = engine.history();
  return new Timeline({
    firstSeq: history.firstSeq,
    origin: () => history.origin,
    lastSeq: () => engine.lastSeq,
    read: (from, to) => engine.events(from, to),
  });
}

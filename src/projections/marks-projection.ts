/**
 * The "marks" projection: bookmark name -> sequence number. It is not part of
 * the rewindable registry state: a reset keeps the marks set after the target.
 */
import type { Projection } from './projection.ts';

export type Marks = Map<string, number>;

export const marksProjection: Projection<Marks> = {
  name: 'marks',
  version: 1,
  readable: [1],
  initial: () => new Map(),
  evolve(marks, e) {
    if (e.type === 'MarkSet') marks.set(e.data.name, e.data.at);
  },
  encode: (m) => [...m],
  decode: (raw) => new Map(raw as [string, number][]),
};

/**
 * A page of the timeline by position (GET /_rewind/timeline): the rows of the
 * events that pass a filter, their number, the marks, and where a seq falls in
 * the list. The whole timeline, asked for before the index is built (a page that
 * opens on a long journal), is answered from the journal itself.
 */
import type { Marks } from '../projections/marks-projection.ts';
import type { Timeline } from './timeline.ts';
import type { TimelineFilter, TimelineRow } from './timeline-index.ts';

export interface TimelinePageQuery {
  filter: TimelineFilter;
  offset: number;
  limit: number;
  /** A position (seq, mark, time, end): the answer says which row stands at or before it. */
  locate?: string;
  /** The marks the server knows now (used before the index is built). */
  marks: Marks;
}

export interface TimelinePage {
  total: number;
  lastSeq: number;
  /** The lowest position with a state (0 for a journal recorded from the start). */
  firstSeq: number;
  offset: number;
  rows: TimelineRow[];
  marks: { name: string; seq: number }[];
  /** The row at or before `locate` (-1: none). */
  located?: number;
}

const marksOf = (marks: ReadonlyMap<string, number>): { name: string; seq: number }[] =>
  [...marks].map(([name, seq]) => ({ name, seq })).sort((a, b) => a.seq - b.seq || (a.name < b.name ? -1 : 1));

function fromJournal(timeline: Timeline, q: TimelinePageQuery): TimelinePage {
  void timeline.ready().catch(() => undefined); // index in the background meanwhile
  const first = timeline.index.firstSeq;
  const last = timeline.lastSeq;
  const total = last - first + 1;
  const from = first + q.offset;
  const to = Math.min(last, from + q.limit - 1);
  let rows: TimelineRow[] = [];
  if (to >= from && to <= timeline.indexedSeq) for (let s = from; s <= to; s++) rows.push(timeline.index.row(s - first));
  else if (to >= from) rows = timeline.rowsFromJournal(from, to);
  const seq = q.locate === undefined ? undefined : q.locate === 'end' ? last : Number(q.locate);
  return {
    total,
    lastSeq: last,
    firstSeq: timeline.firstSeq,
    offset: q.offset,
    rows,
    marks: marksOf(q.marks),
    ...(seq === undefined ? {} : { located: Math.max(-1, Math.min(total - 1, seq - first)) }),
  };
}

export async function timelinePage(timeline: Timeline, q: TimelinePageQuery): Promise<TimelinePage> {
  const whole = Object.keys(q.filter).length === 0;
  if (whole && timeline.indexedSeq < timeline.lastSeq && (q.locate === undefined || /^(\d+|end)$/.test(q.locate)))
    return fromJournal(timeline, q);
  await timeline.ready();
  const index = timeline.index;
  const selected = index.select(q.filter);
  const total = selected ? selected.length : index.count;
  const positionAt = (i: number): number => (selected ? selected[i]! : i);
  const rows: TimelineRow[] = [];
  for (let i = q.offset; i < Math.min(total, q.offset + q.limit); i++) rows.push(index.row(positionAt(i)));
  let located: number | undefined;
  if (q.locate !== undefined) {
    // the last row whose seq is at or before the one asked for
    const seq = timeline.resolve(q.locate).seq;
    let lo = 0;
    let hi = total - 1;
    located = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (index.firstSeq + positionAt(mid) <= seq) {
        located = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
  }
  return {
    total,
    lastSeq: index.lastSeq,
    firstSeq: timeline.firstSeq,
    offset: q.offset,
    rows,
    marks: marksOf(index.marks),
    ...(located === undefined ? {} : { located }),
  };
}

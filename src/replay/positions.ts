/**
 * Positions in a journal, as the tools and `serve --at` take them:
 *
 *   <n>          the state right after event n (0: before the first event)
 *   <mark>       a bookmark set with POST /_rewind/marks (its sequence number)
 *   <ISO time>   the state as it was at that moment: after every event up to the
 *                first one recorded later than it
 *   end | now    the latest state
 */
import type { Marks } from '../projections/marks-projection.ts';
import type { JournalHistory } from './journal-history.ts';
import { domainError, DomainFailure } from '../domain/errors.ts';
import { ISO_LIKE, POSITION_KEYWORDS } from '../domain/mark-names.ts';

export interface Position {
  seq: number;
  /** What the text named, for messages: "seq 12", "mark 'base'", "2026-01-01T00:00:00.000Z". */
  label: string;
}

/** Every mark the journal sets, in order (a later mark of the same name wins). */
export function marksOf(history: JournalHistory): Marks {
  const marks: Marks = new Map(history.origin?.marks ?? []);
  for (const e of history.read(history.firstSeq)) if (e.type === 'MarkSet') marks.set(e.data.name, e.data.at);
  return marks;
}

/** A range of sequence numbers as text: `seq 3..9`, `seq 3`, or `no events` when it is empty. */
export function seqRangeText(first: number, last: number): string {
  if (last < first) return 'no events';
  return first === last ? `seq ${first}` : `seq ${first}..${last}`;
}

export function resolvePosition(text: string, history: JournalHistory, marks?: Marks): Position {
  const t = text.trim();
  const lowest = history.firstSeq - 1;
  const check = (seq: number, label: string): Position => {
    if (seq < lowest || seq > history.lastSeq)
      throw new DomainFailure(
        domainError('PositionNotFound', `${label} is outside the journal (its positions are ${seqRangeText(lowest, history.lastSeq)})`),
      );
    return { seq, label };
  };
  if (POSITION_KEYWORDS.includes(t)) return { seq: history.lastSeq, label: 'the end' };
  if (/^\d+$/.test(t)) return check(Number(t), `seq ${t}`);
  const known = (marks ?? marksOf(history)).get(t);
  if (known !== undefined) return check(known, `mark '${t}'`);
  if (ISO_LIKE.test(t)) {
    const when = Date.parse(t);
    if (!Number.isFinite(when)) throw new DomainFailure(domainError('InvalidParameter', `'${t}' is not a valid time`));
    let seq = lowest;
    for (const e of history.read(history.firstSeq)) {
      if (e.time > when) break;
      seq = e.seq;
    }
    return { seq, label: new Date(when).toISOString() };
  }
  throw new DomainFailure(domainError('PositionNotFound', `'${t}' is neither a sequence number, a mark of this journal, nor an ISO time`));
}

/**
 * The effective history of a journal: the events that lead to its final state
 * once every rewind is resolved (a Rewound event drops everything after its
 * target from the line of history) and bookmarks are left out. Each event
 * keeps a pointer to the event before it on its line, so the state after any
 * seq is a path in this tree, and the final line is read back from its end.
 */
import type { RecordedEvent } from '../domain/events.ts';
import type { JournalHistory } from './journal-history.ts';

export function effectiveHistory(history: JournalHistory): RecordedEvent[] {
  const events: RecordedEvent[] = [];
  const parent: number[] = [];
  const origin = history.firstSeq - 1;
  const headAt = new Int32Array(history.lastSeq - origin + 1).fill(-1);
  let head = -1;
  for (const e of history.read(history.firstSeq)) {
    if (e.type === 'Rewound') head = e.data.to >= origin ? headAt[e.data.to - origin]! : -1;
    else if (e.type !== 'MarkSet') {
      events.push(e);
      parent.push(head);
      head = events.length - 1;
    }
    headAt[e.seq - origin] = head;
  }
  const line: RecordedEvent[] = [];
  for (let i = head; i >= 0; i = parent[i]!) line.push(events[i]!);
  return line.reverse();
}

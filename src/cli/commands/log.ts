/** `ecr-rewind log JOURNAL`: the history as a table or as JSON lines, filtered and paged. */
import { pageEvents, type EventFilter } from '../../replay/event-filter.ts';
import { eventJson, eventRow } from '../../replay/event-summary.ts';
import { openHistory } from '../../replay/journal-history.ts';
import { UsageError } from '../exit-codes.ts';
import { textTable } from '../text-table.ts';
import type { ToolIO } from '../io.ts';

export interface LogOptions {
  from?: number;
  to?: number;
  since?: string;
  until?: string;
  type?: string[];
  repository?: string;
  limit?: number;
  json?: boolean;
}

const time = (name: string, text: string | undefined): number | undefined => {
  if (text === undefined) return undefined;
  const t = Date.parse(text);
  if (!Number.isFinite(t)) throw new UsageError(`--${name} must be an ISO time, got '${text}'`);
  return t;
};

export async function logTool(dir: string, opts: LogOptions, io: ToolIO): Promise<number> {
  const history = await openHistory(dir);
  const since = time('since', opts.since);
  const until = time('until', opts.until);
  const filter: EventFilter = {
    from: opts.from ?? history.firstSeq,
    ...(opts.to === undefined ? {} : { to: opts.to }),
    ...(since === undefined ? {} : { since }),
    ...(until === undefined ? {} : { until }),
    ...(opts.type ? { types: opts.type } : {}),
    ...(opts.repository === undefined ? {} : { repository: opts.repository }),
    ...(opts.limit === undefined ? {} : { limit: opts.limit }),
  };
  const page = pageEvents(history.source, filter);
  if (opts.json) for (const e of page.events) io.out(eventJson(e));
  else {
    const rows = page.events
      .map((e, i) => ({ ...eventRow(e), repository: page.repositories[i] ?? '' }))
      .map((r) => [String(r.seq), r.time, r.type, r.repository, r.ref, r.summary]);
    for (const line of textTable(['SEQ', 'TIME', 'TYPE', 'REPOSITORY', 'TAG/DIGEST', 'SUMMARY'], rows)) io.out(line);
  }
  if (page.next !== null) io.note(`more events follow: continue with --from ${page.next}`);
  return 0;
}

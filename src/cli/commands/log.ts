/** `ecr-rewind log JOURNAL`: the history as a table or as JSON lines, filtered and paged. */
import { EVENT_VERSIONS } from '../../domain/versions.ts';
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

const time = (text: string | undefined): number | undefined => (text === undefined ? undefined : Date.parse(text));

/** Unknown event types are a usage error that lists the known ones. */
function checkTypes(types: readonly string[] | undefined): void {
  const known = Object.keys(EVENT_VERSIONS);
  const unknown = (types ?? []).filter((t) => !known.includes(t));
  if (unknown.length > 0)
    throw new UsageError(
      `--type: unknown event type${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; the types are ${known.join(', ')}`,
    );
}

export async function logTool(dir: string, opts: LogOptions, io: ToolIO): Promise<number> {
  checkTypes(opts.type);
  const history = await openHistory(dir);
  const since = time(opts.since);
  const until = time(opts.until);
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

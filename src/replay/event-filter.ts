/**
 * Which events `ecr-rewind log` and GET /_rewind/events show: a sequence range,
 * a time range, event types and a repository, then a page of at most `limit`.
 */
import type { RecordedEvent } from '../domain/events.ts';
import { repositoryOf } from './event-summary.ts';
import type { EventSource } from './replay.ts';

export interface EventFilter {
  from?: number;
  to?: number;
  since?: number;
  until?: number;
  types?: readonly string[];
  repository?: string;
  limit?: number;
}

export interface EventPage {
  events: RecordedEvent[];
  /** The repository of each event (upload events included, see event-summary.ts). */
  repositories: string[];
  /** The seq to continue from (`--from`), or null when the range is exhausted. */
  next: number | null;
}

export function* filterEvents(source: EventSource, f: EventFilter): Generator<{ event: RecordedEvent; repository: string }> {
  const types = f.types && f.types.length > 0 ? new Set(f.types) : undefined;
  const uploads = new Map<string, string>();
  for (const e of source(f.from ?? 1, f.to ?? Number.MAX_SAFE_INTEGER)) {
    if (f.since !== undefined && e.time < f.since) continue;
    if (f.until !== undefined && e.time > f.until) continue;
    if (types && !types.has(e.type)) {
      repositoryOf(e, uploads);
      continue;
    }
    const repository = repositoryOf(e, uploads);
    if (f.repository !== undefined && repository !== f.repository) continue;
    yield { event: e, repository };
  }
}

export function pageEvents(source: EventSource, f: EventFilter): EventPage {
  const limit = f.limit ?? Number.MAX_SAFE_INTEGER;
  const events: RecordedEvent[] = [];
  const repositories: string[] = [];
  for (const { event, repository } of filterEvents(source, f)) {
    if (events.length === limit) return { events, repositories, next: event.seq };
    events.push(event);
    repositories.push(repository);
  }
  return { events, repositories, next: null };
}

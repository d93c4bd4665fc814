/** The admin API as the page reads it (the wire shapes are the server's own types). */
import type { RegistryView } from '../../queries/registry-view.ts';
import type { DiffView, ImageStory, TimelinePage, TimelineRow } from '../../replay/index.ts';

export type { DiffView, ImageStory, RegistryView, TimelinePage, TimelineRow };

export interface Mark {
  name: string;
  seq: number;
}

export interface Health {
  status: 'ok' | 'read-only';
  journal: { dir: string; lastSeq: number };
  state: { seq: number };
}

export interface Facets {
  types: string[];
  repositories: string[];
  faces: string[];
}

export interface Filter {
  q: string;
  type: string;
  face: string;
  repository: string;
}

export const BASE = '/_rewind';

export class ApiError extends Error {}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const res = await fetch(`${BASE}${path}`, signal ? { signal } : {});
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { message?: string };
    throw new ApiError(body.message ?? `${res.status} ${res.statusText}`);
  }
  // an aborted read throws here: the caller never sees a half answer
  return (await res.json()) as T;
}

export async function postJson<T>(path: string, body: unknown): Promise<T> {
  const res = await fetch(`${BASE}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const out = (await res.json().catch(() => ({}))) as { message?: string };
  if (!res.ok) throw new ApiError(out.message ?? `${res.status} ${res.statusText}`);
  return out as T;
}

export function filterQuery(f: Filter): string {
  const p = new URLSearchParams();
  if (f.q.trim()) p.set('q', f.q.trim());
  if (f.type) p.set('type', f.type);
  if (f.face) p.set('face', f.face);
  if (f.repository) p.set('repository', f.repository);
  return p.toString();
}

/**
 * Calls `onEvent` with the seq of every event appended from `from` on (GET /_rewind/events?follow=1),
 * until the returned function is called.
 */
export function follow(from: number, onEvent: (seq: number) => void): () => void {
  const controller = new AbortController();
  void (async () => {
    try {
      const res = await fetch(`${BASE}/events?follow=1&from=${from}`, { signal: controller.signal });
      if (!res.body) return;
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffered = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffered += value;
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) if (line) onEvent((JSON.parse(line) as { seq: number }).seq);
      }
    } catch {
      // aborted, or the server went away: following ends
    }
  })();
  return () => controller.abort();
}

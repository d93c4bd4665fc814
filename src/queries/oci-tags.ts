/** end-8a/b: a repository's tags, sorted, a page at a time. */
import type { Repository } from '../domain/state.ts';
import { byCodeUnit, page, type Page, type PageRequest } from './oci-page.ts';

/**
 * Sorted tag names per tags Map, rebuilt when the state has moved on.
 * Keyed by the Map itself, so a rewind (which swaps the state) drops it.
 */
const sortedCache = new WeakMap<ReadonlyMap<string, string>, { seq: number; sorted: string[] }>();

function sortedTags(repo: Repository, seq: number): string[] {
  const held = sortedCache.get(repo.tags);
  if (held && held.seq === seq) return held.sorted;
  const sorted = [...repo.tags.keys()].sort(byCodeUnit);
  sortedCache.set(repo.tags, { seq, sorted });
  return sorted;
}

export function listTags(repo: Repository, seq: number, req: PageRequest): Page {
  return page(sortedTags(repo, seq), req);
}

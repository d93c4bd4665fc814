/** end-8a/b: a repository's tags, sorted, a page at a time. */
import { tagNamesVersion } from '../domain/repository-tags.ts';
import type { Repository } from '../domain/state.ts';
import { byCodeUnit, page, type Page, type PageRequest } from './oci-page.ts';

/**
 * Sorted tag names per tags Map, sorted again only when a tag of that repository was added or
 * removed (tagNamesVersion): a push to another repository, or a pull, keeps it. Keyed by the
 * Map itself, so a rewind (which swaps the state) drops it.
 */
const sortedCache = new WeakMap<ReadonlyMap<string, string>, { version: number; sorted: string[] }>();

function sortedTags(repo: Repository): string[] {
  const version = tagNamesVersion(repo);
  const held = sortedCache.get(repo.tags);
  if (held && held.version === version) return held.sorted;
  const sorted = [...repo.tags.keys()].sort(byCodeUnit);
  sortedCache.set(repo.tags, { version, sorted });
  return sorted;
}

export function listTags(repo: Repository, req: PageRequest): Page {
  return page(sortedTags(repo), req);
}

/**
 * A repository's tags and their index by digest. `tags` (tag -> digest) is the fact;
 * `tagsByDigest` (digest -> its tags, in the order they were put on it) is derived from it
 * and kept in step by these functions, so that "the tags of an image" and "how many tags an
 * image has" cost one lookup instead of a walk over every tag of the repository (a repository
 * of 1,000 images with 10 tags each answers DescribeImages without reading 10,000 tags).
 *
 * A tag put on an image is pushed onto its array in place (a replay puts millions of tags: a new
 * array per put cost more than the Map itself); a removal replaces the array. So a copy of a
 * repository (a kept state, the inspector's ladder) copies the arrays too (copyTags).
 * Every evolver that changes `tags` goes through here.
 *
 * A repository made by an evolver, a checkpoint or a copy holds its tags as a TagTable and a
 * TagIndex (domain/deferred-tags.ts): a put is logged, and folded in when either is next read.
 * Plain Maps (older checkpoint forms, a structuredClone) take puts at once.
 */
import { nameChanges, namesChanged, putInto, TagTable, unindexFrom } from './deferred-tags.ts';
import type { Repository } from './state.ts';

export { settleTags } from './deferred-tags.ts';

const NONE: readonly string[] = Object.freeze([]);

/** A number that changes whenever a tag of `repo` is added or removed (for caches of its tag names). */
export const tagNamesVersion = (repo: Repository): number => nameChanges(repo.tags);

/** The tags of `digest` in `repo`, in the order they were put on it. */
export const tagsOf = (repo: Repository, digest: string): readonly string[] => repo.tagsByDigest.get(digest) ?? NONE;

/** An empty tags Map and its index, whose puts are deferred until either is read (domain/deferred-tags.ts). */
export const newTags = (): { tags: Map<string, string>; tagsByDigest: Map<string, readonly string[]> } => TagTable.pair();

/** Points `tag` at `digest` (moving it off the image it was on). */
export function putTag(repo: Repository, tag: string, digest: string): void {
  const tags = repo.tags;
  if (tags instanceof TagTable) tags.defer(tag, digest);
  else putInto(tags, repo.tagsByDigest, tag, digest);
}

/** Removes `tag` (nothing when the repository has no such tag). */
export function deleteTag(repo: Repository, tag: string): void {
  const old = repo.tags.get(tag);
  if (old === undefined) return;
  repo.tags.delete(tag);
  namesChanged(repo.tags);
  unindexFrom(repo.tagsByDigest, tag, old);
}

/** Removes every tag of `digest`. */
export function deleteTagsOf(repo: Repository, digest: string): void {
  const list = repo.tagsByDigest.get(digest);
  if (list === undefined) return;
  for (const tag of list) repo.tags.delete(tag);
  namesChanged(repo.tags);
  repo.tagsByDigest.delete(digest);
}

/** A copy of a repository's tags and index that later changes to either do not change (its puts deferred too). */
export function copyTags(repo: Repository): { tags: Map<string, string>; tagsByDigest: Map<string, readonly string[]> } {
  const copy = newTags();
  for (const [tag, digest] of repo.tags) copy.tags.set(tag, digest);
  for (const [digest, list] of repo.tagsByDigest) copy.tagsByDigest.set(digest, [...list]);
  return copy;
}

/** A copy of a repository's index that later puts on either do not change. */
export function copyTagIndex(index: ReadonlyMap<string, readonly string[]>): Map<string, readonly string[]> {
  const copy = new Map<string, readonly string[]>();
  for (const [digest, list] of index) copy.set(digest, [...list]);
  return copy;
}

/** The index of a tags Map, in the Map's order (a state decoded from a checkpoint). */
export function indexTags(tags: ReadonlyMap<string, string>): Map<string, readonly string[]> {
  const index = new Map<string, string[]>();
  for (const [tag, digest] of tags) {
    const list = index.get(digest);
    if (list) list.push(tag);
    else index.set(digest, [tag]);
  }
  return index;
}

/**
 * A repository's tags (tag -> digest) and their index (digest -> its tags, in the order they were
 * put on it) as a pair of Maps that defer the work of tag puts until something reads either.
 *
 * Replay folds a million TagPut events into a registry of 100,000 images: each a Map lookup and an
 * insert of a new tag name into the repository's tags Map, and a lookup in its index; that was the
 * largest cost of a replay (a quarter of it), while most repositories are not read before the next
 * checkpoint. So `defer` appends the put to a log, and the first read of either Map (get, has,
 * size, iteration, any change) folds the log in, in order, with exactly putTag's logic
 * (`putInto`): the pair then holds what eager puts would have made, in the same order, and a
 * replay builds each repository's tables in one run instead of a million interleaved inserts.
 *
 * The log never holds more than max(LOG_LIMIT, the tags Map's size) puts (then it is folded in),
 * so memory stays within a constant factor of the tables' own while no reader comes.
 *
 * structuredClone reads a Map's entries without calling its methods: call `settleTags()` before
 * cloning what holds a pair (domain/state.ts cloneState does). The clone holds plain Maps.
 */

import { SettlingMap } from './settling-map.ts';

/** Puts the log may hold before it is folded in regardless of readers. */
const LOG_LIMIT = 1 << 20;

const mapGet = Map.prototype.get;
const mapSet = Map.prototype.set;
const mapDelete = Map.prototype.delete;

/**
 * How often the set of tag names of a tags Map changed (a tag added or removed; a tag moved to
 * another image does not change it): what a cache of sorted tag names (tags/list) checks. Kept
 * on the Map object itself under a symbol (not an entry, not state: a copied or decoded Map
 * starts afresh, and a cache keyed by the Map is dropped with it); cheaper than a WeakMap on
 * every tag a replay puts.
 */
const NAME_CHANGES = Symbol('tag name changes');
type Counted = { [NAME_CHANGES]?: number };

export const namesChanged = (tags: Map<string, string>): void => {
  const c = tags as Counted;
  c[NAME_CHANGES] = (c[NAME_CHANGES] ?? 0) + 1;
};

/** The count of name changes of a tags Map (its log folded in first). */
export function nameChanges(tags: Map<string, string>): number {
  if (tags instanceof TagTable) tags.settle();
  return (tags as Counted)[NAME_CHANGES] ?? 0;
}

/** Takes `tag` off the index entry of `digest` (through the Map's own methods). */
export function unindexFrom(index: Map<string, readonly string[]>, tag: string, digest: string): void {
  const list = mapGet.call(index, digest) as readonly string[] | undefined;
  if (list === undefined) return;
  if (list.length === 1 && list[0] === tag) mapDelete.call(index, digest);
  else
    mapSet.call(
      index,
      digest,
      list.filter((t) => t !== tag),
    );
}

/**
 * Points `tag` at `digest` in `tags` and its `index` (moving it off the image it was on), through
 * the Maps' own methods: what putTag does, eagerly or when a log is folded in.
 */
export function putInto(tags: Map<string, string>, index: Map<string, readonly string[]>, tag: string, digest: string): void {
  const old = mapGet.call(tags, tag) as string | undefined;
  if (old === digest) return;
  if (old !== undefined) unindexFrom(index, tag, old);
  else namesChanged(tags);
  mapSet.call(tags, tag, digest);
  const list = mapGet.call(index, digest) as string[] | undefined;
  if (list === undefined) mapSet.call(index, digest, [tag]);
  else list.push(tag);
}

/** A repository's tags Map: tag -> digest. Holds the log of puts for itself and its index. */
export class TagTable extends SettlingMap<string, string> {
  #tags: string[] = [];
  #digests: string[] = [];
  #index: TagIndex | undefined;

  private constructor() {
    super();
  }

  /** An empty pair: the tags Map and its index. */
  static pair(): { tags: TagTable; tagsByDigest: TagIndex } {
    const tags = new TagTable();
    const tagsByDigest = new TagIndex(tags);
    tags.#index = tagsByDigest;
    return { tags, tagsByDigest };
  }

  /** putTag, deferred: the put is folded in (with the index) on the first read of either Map. */
  defer(tag: string, digest: string): void {
    this.#tags.push(tag);
    this.#digests.push(digest);
    if (this.#tags.length > LOG_LIMIT && this.#tags.length > this.heldSize) this.settle();
  }

  /** Folds the deferred puts in, in order (readers do it themselves; structuredClone needs it done). */
  settle(): void {
    const tags = this.#tags;
    if (tags.length === 0) return;
    const digests = this.#digests;
    this.#tags = [];
    this.#digests = [];
    const index = this.#index!;
    for (let k = 0; k < tags.length; k++) putInto(this, index, tags[k]!, digests[k]!);
  }
}

/** A repository's tag index: digest -> its tags; reads fold in its tags Map's deferred puts first. */
export class TagIndex extends SettlingMap<string, readonly string[]> {
  readonly #table: TagTable;

  constructor(table: TagTable) {
    super();
    this.#table = table;
  }

  settle(): void {
    this.#table.settle();
  }
}

/** Folds in the deferred puts of `tags` when it is a TagTable (before a structuredClone of what holds it). */
export function settleTags(tags: ReadonlyMap<string, string>): void {
  if (tags instanceof TagTable) tags.settle();
}

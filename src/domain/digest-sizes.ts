/**
 * A digest -> size table (the registry's blob table, a repository's linked blobs) that is a Map
 * to every reader, and defers the work of filling it until something reads it.
 *
 * Replay folds an UploadCompleted into two such tables, one digest each; a Map insert of a new
 * 71-character digest (hashing it, growing a table of hundreds of thousands of entries) was the
 * largest cost of a replay, and most tables are never read before the next checkpoint (the
 * registry's table is read only by mounts, pull through, scans and signing). So `set` appends the
 * pair to a log, and the first read of any kind (get, has, size, iteration, delete) folds the log
 * into the Map, in order, with the Map's own `set`: the table then holds exactly what a Map given
 * the same calls would hold, in the same order. A table decoded from a checkpoint starts with its
 * columns as its log (`fromColumns`), so a start builds none of them.
 *
 * The log never holds more than max(LOG_LIMIT, the Map's size) pairs (then it is folded in), so
 * memory stays within a constant factor of the Map's while no reader comes.
 *
 * Copies: `new Map(table)` and `DigestSizes.copy(table)` read it through its iterator (folded
 * first). structuredClone reads a Map's entries without calling its methods: call `settle()` on
 * a table before cloning it (domain/state.ts cloneState does).
 */

import { SettlingMap } from './settling-map.ts';

/** Pairs the log may hold before it is folded in regardless of readers (16 MiB of log at most). */
const LOG_LIMIT = 1 << 20;

const mapSet = Map.prototype.set;
const mapEntries = Map.prototype.entries as (this: Map<string, number>) => MapIterator<[string, number]>;

export class DigestSizes extends SettlingMap<string, number> {
  /** digests of `set` calls not yet in the Map, with `sizes` */
  #digests: string[] = [];
  #sizes: number[] = [];
  /**
   * columns this table was decoded from, not yet in the Map: digest indexes into `names`, and sizes;
   * `namesDiffer`: different indexes name different digests (`entries`: how many distinct indexes)
   */
  #columns:
    | { at: ArrayLike<number>; name: (i: number) => string; sizes: ArrayLike<number>; namesDiffer: boolean; entries?: number }
    | undefined;

  /**
   * A table of `sizes[k]` for digest `name(at[k])`, built on its first read. `namesDiffer`: the caller
   * vouches that `name` gives different indexes different digests (a deduplicated table of names);
   * then `size` is the number of distinct indexes, counted without building the table (a health
   * probe's blob count right after a start would otherwise build the registry's whole blob table).
   */
  static fromColumns(at: ArrayLike<number>, name: (i: number) => string, sizes: ArrayLike<number>, namesDiffer = false): DigestSizes {
    const t = new DigestSizes();
    if (at.length > 0) t.#columns = { at, name, sizes, namesDiffer };
    return t;
  }

  /** A table with the same entries, in the same order; what `from` defers, the copy defers too. */
  static copy(from: ReadonlyMap<string, number>): DigestSizes {
    const t = new DigestSizes();
    if (!(from instanceof DigestSizes)) {
      for (const [d, size] of from) t.#set(d, size);
      return t;
    }
    // columns come first (a table that has them has nothing in its Map yet), then the Map, then the log
    t.#columns = from.#columns;
    for (const [d, size] of mapEntries.call(from)) t.#set(d, size);
    for (let k = 0; k < from.#digests.length; k++) t.#set(from.#digests[k]!, from.#sizes[k]!);
    return t;
  }

  /** Folds what is deferred into the Map (readers do it themselves; structuredClone needs it done). */
  settle(): void {
    const c = this.#columns;
    if (c !== undefined) {
      this.#columns = undefined;
      for (let k = 0; k < c.at.length; k++) mapSet.call(this, c.name(c.at[k]!), c.sizes[k]!);
    }
    const digests = this.#digests;
    if (digests.length === 0) return;
    const sizes = this.#sizes;
    this.#digests = [];
    this.#sizes = [];
    for (let k = 0; k < digests.length; k++) mapSet.call(this, digests[k]!, sizes[k]!);
  }

  #set(digest: string, size: number): void {
    this.#digests.push(digest);
    this.#sizes.push(size);
  }

  override set(digest: string, size: number): this {
    this.#set(digest, size);
    if (this.#digests.length > LOG_LIMIT && this.#digests.length > this.heldSize) this.settle();
    return this;
  }

  override clear(): void {
    this.#columns = undefined;
    this.#digests = [];
    this.#sizes = [];
    super.clear();
  }

  override get size(): number {
    // a table with columns has nothing in its Map yet (see copy): with no log, the columns are all of it
    const c = this.#columns;
    if (c?.namesDiffer === true && this.#digests.length === 0) return (c.entries ??= distinctIndexes(c.at));
    this.settle();
    return super.size;
  }
}

/** How many different values `at` holds (small non-negative integers: indexes into a table). */
function distinctIndexes(at: ArrayLike<number>): number {
  let max = 0;
  for (let k = 0; k < at.length; k++) if (at[k]! > max) max = at[k]!;
  const seen = new Uint8Array(max + 1);
  let n = 0;
  for (let k = 0; k < at.length; k++) {
    if (seen[at[k]!] === 0) n++;
    seen[at[k]!] = 1;
  }
  return n;
}

/** Settles `m` when it is a DigestSizes (before a structuredClone of what holds it). */
export function settleSizes(m: ReadonlyMap<string, number>): void {
  if (m instanceof DigestSizes) m.settle();
}

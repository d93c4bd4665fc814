/**
 * A repository's images decoded from a checkpoint: a Map to every reader, filled the first time
 * anything reads or changes it. A start from a checkpoint then makes no image object (100,000 of
 * them, with their lists of blob digests, in a registry of 100,000 images: most of what the
 * decode allocated, and most of the garbage collector's work during a start); the first request
 * on a repository builds its own.
 *
 * The background workers look for work under way at start (scans, signings, replications), which
 * only an image with `extra` can have: `imagesWithExtra` gives those without filling the Map (a
 * checkpoint lists them apart), as the same objects the Map holds once filled.
 *
 * structuredClone reads a Map's entries without its methods: call `settle()` before cloning
 * (domain/state.ts cloneState does).
 */
import { SettlingMap } from './settling-map.ts';

/** What it needs of an image (domain/state.ts Image; not imported, as state.ts uses this module). */
interface Image {
  readonly digest: string;
  extra?: Record<string, unknown>;
}

const mapSet = Map.prototype.set;

export class DeferredImages<I extends Image> extends SettlingMap<string, I> {
  #fill: ((put: (image: I) => void) => void) | undefined;
  #withExtra: (() => Iterable<I>) | undefined;

  /**
   * Images that `fill` gives, in order, on the first use; `withExtra` gives the ones that have
   * `extra` (the same objects) without filling the Map.
   */
  static of<I extends Image>(fill: (put: (image: I) => void) => void, withExtra: () => Iterable<I>): DeferredImages<I> {
    const m = new DeferredImages<I>();
    m.#fill = fill;
    m.#withExtra = withExtra;
    return m;
  }

  /** Fills the Map now (readers do it themselves; structuredClone needs it done). */
  settle(): void {
    const fill = this.#fill;
    if (fill === undefined) return;
    this.#fill = undefined;
    this.#withExtra = undefined;
    fill((image) => mapSet.call(this, image.digest, image));
  }

  /** The images that have `extra`, without filling the Map when it is not filled yet. */
  withExtra(): Iterable<I> {
    return this.#withExtra !== undefined ? this.#withExtra() : havingExtra(super.values());
  }

  override clear(): void {
    this.#fill = undefined;
    this.#withExtra = undefined;
    super.clear();
  }
}

function* havingExtra<I extends Image>(images: Iterable<I>): Iterable<I> {
  for (const i of images) if (i.extra !== undefined) yield i;
}

/**
 * Repositories that are never changed again (projections/shared-state.ts: a kept state's, which the
 * working state copies before it changes one), each with its images that have `extra` once asked.
 * A reset tells the background workers to look for work under way in the state it went back to:
 * without this, each of them walked every image of the registry on every reset (three walks of
 * 100,000 images: most of a reset's cost), where a kept repository's answer never changes.
 */
const frozen = new WeakMap<object, readonly Image[] | null>();

/** Says that `repo` will never be changed again (its images, and their `extra`, included). */
export function markFrozen(repo: object): void {
  if (!frozen.has(repo)) frozen.set(repo, null);
}

/** The images of a repository that have `extra` (the only ones background work can be under way for). */
export function imagesWithExtra<I extends Image>(repo: { readonly images: ReadonlyMap<string, I> }): Iterable<I> {
  const known = frozen.get(repo);
  if (known !== undefined && known !== null) return known as readonly I[];
  const images = repo.images;
  const found = images instanceof DeferredImages ? images.withExtra() : havingExtra(images.values());
  if (known === undefined) return found;
  const list = [...found];
  frozen.set(repo, list);
  return list;
}

/** Fills `m` when it is a DeferredImages (before a structuredClone of what holds it). */
export function settleImages(m: ReadonlyMap<string, Image>): void {
  if (m instanceof DeferredImages) m.settle();
}

/**
 * A Map that defers some of its work (a log of puts, columns from a checkpoint, a fill on first
 * use): every read and every change first calls `settle()`, which folds what is deferred into the
 * Map itself, so to every reader it is a plain Map holding what eager calls would have made.
 * Subclasses say how to settle, and override what they defer (`set` that appends to a log, a
 * `clear` that drops the log); `heldSize` is the Map's own size, what is deferred not counted.
 *
 * structuredClone reads a Map's entries without calling its methods: settle before cloning.
 */
const mapSize = Object.getOwnPropertyDescriptor(Map.prototype, 'size')!.get! as (this: Map<unknown, unknown>) => number;

export abstract class SettlingMap<K, V> extends Map<K, V> {
  /** Folds what is deferred into the Map (readers do it themselves; structuredClone needs it done). */
  abstract settle(): void;

  /** The entries the Map holds now, without settling. */
  protected get heldSize(): number {
    return mapSize.call(this);
  }

  override get(key: K): V | undefined {
    this.settle();
    return super.get(key);
  }

  override has(key: K): boolean {
    this.settle();
    return super.has(key);
  }

  override set(key: K, value: V): this {
    this.settle();
    return super.set(key, value);
  }

  override delete(key: K): boolean {
    this.settle();
    return super.delete(key);
  }

  override clear(): void {
    this.settle();
    super.clear();
  }

  override get size(): number {
    this.settle();
    return super.size;
  }

  override forEach(fn: (value: V, key: K, map: Map<K, V>) => void, thisArg?: unknown): void {
    this.settle();
    super.forEach(fn, thisArg);
  }

  override keys(): MapIterator<K> {
    this.settle();
    return super.keys();
  }

  override values(): MapIterator<V> {
    this.settle();
    return super.values();
  }

  override entries(): MapIterator<[K, V]> {
    this.settle();
    return super.entries();
  }

  override [Symbol.iterator](): MapIterator<[K, V]> {
    this.settle();
    return super.entries();
  }
}

/**
 * A budget of bytes that request bodies read whole may hold in memory at once. A request
 * takes its share before it reads its body and gives it back when it is answered; past the
 * budget it waits its turn (first come, first served), at most `waitMs`.
 */
export class BodyBudget {
  readonly #capacity: number;
  #used = 0;
  readonly #waiting: { bytes: number; grant: () => void }[] = [];

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /**
   * Resolves with a release function once `bytes` fit (a request larger than the whole
   * budget gets it alone); undefined when `waitMs` passed first.
   */
  take(bytes: number, waitMs: number): Promise<(() => void) | undefined> {
    const share = Math.min(bytes, this.#capacity);
    const release = (): void => {
      this.#used -= share;
      this.#next();
    };
    if (this.#waiting.length === 0 && this.#used + share <= this.#capacity) {
      this.#used += share;
      return Promise.resolve(once(release));
    }
    return new Promise((resolve) => {
      const entry = {
        bytes: share,
        grant: () => {
          clearTimeout(timer);
          resolve(once(release));
        },
      };
      const timer = setTimeout(() => {
        const i = this.#waiting.indexOf(entry);
        if (i >= 0) this.#waiting.splice(i, 1);
        resolve(undefined);
        this.#next();
      }, waitMs);
      this.#waiting.push(entry);
    });
  }

  #next(): void {
    while (this.#waiting.length > 0 && this.#used + this.#waiting[0]!.bytes <= this.#capacity) {
      const entry = this.#waiting.shift()!;
      this.#used += entry.bytes;
      entry.grant();
    }
  }
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}

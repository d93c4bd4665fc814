/**
 * Shared hold on reused memory: a staging batch buffer (write-body.ts) that a blob's window of
 * recent chunks and the sockets of its readers send from (send-growing-blob.ts). The buffer goes
 * back to its pool only once every holder let go; a holder that cannot tell when it is done with
 * it (a socket whose client went away may still hold it) never lets go, and the buffer is left to
 * the garbage collector. Every retain() is paired with exactly one release().
 */
export interface Lease {
  retain(): void;
  release(): void;
}

/** A lease whose last release calls `free` (once). */
export class CountedLease implements Lease {
  #holders = 1;
  readonly #free: () => void;

  /** Starts with one holder: the creator, who releases it like any other. */
  constructor(free: () => void) {
    this.#free = free;
  }

  retain(): void {
    if (this.#holders <= 0) throw new Error('a lease was retained after its memory went back to its pool');
    this.#holders++;
  }

  release(): void {
    if (this.#holders <= 0) throw new Error('a lease was released more often than retained');
    if (--this.#holders === 0) this.#free();
  }
}

/** A FIFO async mutex: `await using _ = await mutex.lock()` or `mutex.run(fn)`. */
export class Mutex {
  #tail: Promise<void> = Promise.resolve();

  async lock(): Promise<{ release(): void; [Symbol.dispose](): void }> {
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const previous = this.#tail;
    this.#tail = previous.then(() => held);
    await previous;
    return { release, [Symbol.dispose]: release };
  }

  async run<T>(fn: () => Promise<T> | T): Promise<T> {
    const held = await this.lock();
    try {
      return await fn();
    } finally {
      held.release();
    }
  }
}

/** One Mutex per key, dropped when nobody waits on it. */
export class KeyedMutex {
  #locks = new Map<string, { mutex: Mutex; users: number }>();

  async run<T>(key: string, fn: () => Promise<T> | T): Promise<T> {
    let entry = this.#locks.get(key);
    if (!entry) {
      entry = { mutex: new Mutex(), users: 0 };
      this.#locks.set(key, entry);
    }
    entry.users++;
    try {
      return await entry.mutex.run(fn);
    } finally {
      entry.users--;
      if (entry.users === 0) this.#locks.delete(key);
    }
  }
}

/**
 * A stream of bytes whose chunks are lent: each one is valid only until the next one is asked
 * for, because the source reads into the same few buffers again (a pull through cache's upstream
 * fetch: a 64 MiB layer read through fresh 64 KiB buffers triggers several full garbage
 * collections of the heap; read into reused ones it triggers none). A consumer that keeps bytes
 * past its next step copies them.
 *
 * A source may also offer to read straight into the consumer's own buffers (`FILLS`): the
 * consumer that gathers the chunks into large buffers anyway (write-body.ts) is then spared the
 * copy (a 64 MiB layer: 64 MiB less memmove on the event loop).
 */
export const LENT = Symbol('lent chunks');

/** The key of LentChunks' optional fill(): see FillSource. */
export const FILLS = Symbol('fills the reader buffers');

/**
 * Reads the body straight into buffers `take` gives (each filled from its first byte), instead of
 * lending chunks: yields each buffer once it is full, or at the end of the body, as a view of its
 * first bytes. A yielded buffer is the consumer's from then on; the source `give`s back any buffer
 * it holds and does not yield (a failed or abandoned body). Once fill() is called, the body is not
 * iterated otherwise.
 */
export type FillSource = (take: () => Uint8Array, give: (b: Uint8Array) => void) => AsyncIterator<Uint8Array>;

export interface LentChunks extends AsyncIterable<Uint8Array> {
  readonly [LENT]: true;
  readonly [FILLS]?: FillSource;
}

export const isLent = (body: AsyncIterable<Uint8Array>): body is LentChunks => (body as Partial<LentChunks>)[LENT] === true;

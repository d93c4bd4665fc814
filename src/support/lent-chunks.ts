/**
 * A stream of bytes whose chunks are lent: each one is valid only until the next one is asked
 * for, because the source reads into the same few buffers again (a pull through cache's upstream
 * fetch: a 64 MiB layer read through fresh 64 KiB buffers triggers several full garbage
 * collections of the heap; read into reused ones it triggers none). A consumer that keeps bytes
 * past its next step copies them.
 */
export const LENT = Symbol('lent chunks');

export interface LentChunks extends AsyncIterable<Uint8Array> {
  readonly [LENT]: true;
}

export const isLent = (body: AsyncIterable<Uint8Array>): body is LentChunks => (body as Partial<LentChunks>)[LENT] === true;

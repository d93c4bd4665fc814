/**
 * Reading blobs for the faces: the verified bytes of a blob the registry holds
 * (a blob still inside an adopted snapshot file is verified and extracted
 * first), sent as a whole or as a byte range. A blob whose only copy is corrupt
 * or missing is refused with BlobUnreadable, never served.
 *
 * Small blobs (image configs, small layers: what every pull asks for first) are
 * read whole, in one read of their own size, and kept in a bounded cache (least
 * recently used first out): a blob file never changes once it is in the store, so
 * a cached copy is the file. A cache hit costs no file system call at all; large
 * blobs are streamed from their file (send-blob.ts) and never cached.
 */
import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { BlobCorruptError, type BlobLocation, type BlobStore } from '../blobs/blob-store.ts';
import { readBlobPrefix } from '../blobs/read-blob.ts';
import { sendBlob } from '../blobs/send-blob.ts';
import { domainError, DomainFailure } from '../domain/errors.ts';

/** Blobs up to this size are read whole and cached. */
export const SMALL_BLOB = 256 * 1024;
/** The cache's bound (bytes of blobs held). */
const CACHE_BYTES = 64 * 1024 * 1024;

export interface BlobBytes {
  /** Sends bytes `start..end` (inclusive) to `res`. */
  send(res: ServerResponse, start: number, end: number): Promise<void>;
  /** The whole blob in memory (small blobs: an image config). */
  read(): Promise<Buffer>;
  /** The whole blob, when it is small (SMALL_BLOB): a face answers with it as the body. */
  readonly whole?: Buffer;
}

const unreadable = (digest: string, message: string): DomainFailure =>
  new DomainFailure(domainError('BlobUnreadable', message, { digest }));

export class BlobReads {
  readonly #store: BlobStore;
  /** digest -> bytes; Map order is recency (a hit moves its entry to the end). */
  readonly #cache = new Map<string, Buffer>();
  #cached = 0;

  constructor(store: BlobStore) {
    this.#store = store;
  }

  /**
   * The bytes of `digest`, ready to send; throws DomainFailure (BlobUnreadable) when they cannot be
   * served. `size`, the blob's size as the registry knows it, lets a small blob be read whole.
   */
  async open(digest: string, size?: number): Promise<BlobBytes> {
    const hit = this.#cache.get(digest);
    if (hit !== undefined) {
      this.#cache.delete(digest);
      this.#cache.set(digest, hit);
      return wholeBytes(hit);
    }
    const location = await this.#locate(digest);
    if (size !== undefined && size <= SMALL_BLOB) {
      const bytes = await readFile(location.file).catch(() => undefined);
      if (bytes?.length !== size) throw unreadable(digest, `blob ${digest} is known to the registry but its bytes are missing`);
      this.#remember(digest, bytes);
      return wholeBytes(bytes);
    }
    return {
      send: (res, start, end) => sendBlob(res, location, start, end),
      // locate() answers the blob's own file in the store (packed blobs are extracted first)
      read: () => readFile(location.file),
    };
  }

  async #locate(digest: string): Promise<BlobLocation> {
    let at: BlobLocation | undefined;
    try {
      at = await this.#store.locate(digest);
    } catch (err) {
      if (err instanceof BlobCorruptError) throw unreadable(digest, err.message);
      throw err;
    }
    if (!at) throw unreadable(digest, `blob ${digest} is known to the registry but its bytes are missing`);
    return at;
  }

  #remember(digest: string, bytes: Buffer): void {
    if (this.#cache.has(digest)) return;
    this.#cache.set(digest, bytes);
    this.#cached += bytes.length;
    for (const [old, held] of this.#cache) {
      if (this.#cached <= CACHE_BYTES) break;
      this.#cache.delete(old);
      this.#cached -= held.length;
    }
  }

  /** At most `max` bytes of a small blob (a config the inspector shows); undefined when they cannot be read. */
  head(digest: string, max: number): Promise<Uint8Array | undefined> {
    return readBlobPrefix(this.#store, digest, max);
  }
}

function wholeBytes(bytes: Buffer): BlobBytes {
  return {
    whole: bytes,
    // resolves when the answer is written, or when the client went away before that
    send: (res, start, end) =>
      new Promise<void>((resolve) => {
        res.once('close', resolve);
        res.end(bytes.subarray(start, end + 1));
      }),
    read: () => Promise.resolve(bytes),
  };
}

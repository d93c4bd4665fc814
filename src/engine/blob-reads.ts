/**
 * Reading blobs for the faces: the verified bytes of a blob the registry holds
 * (a blob still inside an adopted snapshot file is verified and extracted
 * first), sent as a whole or as a byte range. A blob whose only copy is corrupt
 * or missing is refused with BlobUnreadable, never served.
 */
import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { BlobCorruptError, type BlobStore } from '../blobs/blob-store.ts';
import { readBlobPrefix } from '../blobs/read-blob.ts';
import { sendBlob } from '../blobs/send-blob.ts';
import { domainError, DomainFailure } from '../domain/errors.ts';

export interface BlobBytes {
  /** Sends bytes `start..end` (inclusive) to `res`. */
  send(res: ServerResponse, start: number, end: number): Promise<void>;
  /** The whole blob in memory (small blobs: an image config). */
  read(): Promise<Buffer>;
}

export class BlobReads {
  readonly #store: BlobStore;

  constructor(store: BlobStore) {
    this.#store = store;
  }

  /** The bytes of `digest`, ready to send; throws DomainFailure (BlobUnreadable) when they cannot be served. */
  async open(digest: string): Promise<BlobBytes> {
    let at: Awaited<ReturnType<BlobStore['locate']>>;
    try {
      at = await this.#store.locate(digest);
    } catch (err) {
      if (err instanceof BlobCorruptError) throw new DomainFailure(domainError('BlobUnreadable', err.message, { digest }));
      throw err;
    }
    if (!at)
      throw new DomainFailure(
        domainError('BlobUnreadable', `blob ${digest} is known to the registry but its bytes are missing`, { digest }),
      );
    const location = at;
    return {
      send: (res, start, end) => sendBlob(res, location, start, end),
      // locate() answers the blob's own file in the store (packed blobs are extracted first)
      read: () => readFile(location.file),
    };
  }

  /** At most `max` bytes of a small blob (a config the inspector shows); undefined when they cannot be read. */
  head(digest: string, max: number): Promise<Uint8Array | undefined> {
    return readBlobPrefix(this.#store, digest, max);
  }
}

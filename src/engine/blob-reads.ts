/**
 * Reading blobs for the faces: the verified bytes of a blob the registry holds
 * (a blob still inside an adopted snapshot file is verified and extracted
 * first), sent as a whole or as a byte range. A blob whose only copy is corrupt
 * or missing is refused with BlobUnreadable, never served.
 *
 * Blob files are checked on read as well: one of up to VERIFY_WHOLE_BYTES is read,
 * hashed and compared before anything is sent; a larger one is hashed as it is sent
 * whole, and its last chunk is held back until the digest holds (a mismatch cuts the
 * answer short, so no client takes it for the blob). A file found corrupt is set
 * aside (`<file>.corrupt-<time>`): later reads refuse it, and a push of the same
 * blob stores it again.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { BlobCorruptError, type BlobStore } from '../blobs/blob-store.ts';
import { readBlobPrefix } from '../blobs/read-blob.ts';
import { sendBlob } from '../blobs/send-blob.ts';
import { digestAlgorithm } from '../domain/names.ts';
import { domainError, DomainFailure } from '../domain/errors.ts';

export interface BlobBytes {
  /** Sends bytes `start..end` (inclusive) to `res`. */
  send(res: ServerResponse, start: number, end: number): Promise<void>;
  /** The whole blob in memory (small blobs: an image config). */
  read(): Promise<Buffer>;
}

/** Blobs up to this size are read and checked whole before they are sent. */
export const VERIFY_WHOLE_BYTES = 4 * 1024 * 1024;

const unreadable = (digest: string, message: string): DomainFailure =>
  new DomainFailure(domainError('BlobUnreadable', message, { digest }));

export class BlobReads {
  readonly #store: BlobStore;
  readonly #warn: (message: string) => void;

  constructor(store: BlobStore, warn: (message: string) => void = () => undefined) {
    this.#store = store;
    this.#warn = warn;
  }

  /** The bytes of `digest`, ready to send; throws DomainFailure (BlobUnreadable) when they cannot be served. */
  async open(digest: string): Promise<BlobBytes> {
    let at: Awaited<ReturnType<BlobStore['locate']>>;
    try {
      at = await this.#store.locate(digest);
    } catch (err) {
      if (err instanceof BlobCorruptError) throw unreadable(digest, err.message);
      throw err;
    }
    if (!at) throw unreadable(digest, `blob ${digest} is known to the registry but its bytes are missing; push it again`);
    const location = at;
    const algorithm = digestAlgorithm(digest);
    const hex = digest.slice(algorithm.length + 1);
    const size = (await this.#store.size(digest)) ?? 0;
    if (size <= VERIFY_WHOLE_BYTES) {
      const bytes = await readFile(location.file);
      if (createHash(algorithm).update(bytes).digest('hex') !== hex) throw await this.#corrupt(digest);
      return { send: (res, start, end) => sendBuffer(res, bytes.subarray(start, end + 1)), read: async () => bytes };
    }
    return {
      send: (res, start, end) =>
        sendBlob(
          res,
          location,
          start,
          end,
          start === 0 && end === size - 1
            ? { hash: createHash(algorithm), hex, onMismatch: () => void this.#corrupt(digest).catch(() => undefined) }
            : undefined,
        ),
      // locate() answers the blob's own file in the store (packed blobs are extracted first)
      read: () => readFile(location.file),
    };
  }

  /** At most `max` bytes of a small blob (a config the inspector shows); undefined when they cannot be read. */
  head(digest: string, max: number): Promise<Uint8Array | undefined> {
    return readBlobPrefix(this.#store, digest, max);
  }

  async #corrupt(digest: string): Promise<DomainFailure> {
    const aside = await this.#store.quarantine(digest);
    this.#warn(`blob ${digest}: its file does not match its digest; set aside as ${aside}`);
    return unreadable(digest, `blob ${digest} is stored with bytes that do not match its digest; it is not served: push it again`);
  }
}

function sendBuffer(res: ServerResponse, bytes: Buffer): Promise<void> {
  return new Promise((resolve) => {
    res.once('close', () => resolve());
    res.end(bytes, () => resolve());
  });
}

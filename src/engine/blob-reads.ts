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
 *
 * Small blobs (image configs, small layers: what every pull asks for first), once read
 * and checked, are kept in a bounded cache (least recently used first out): a hit is
 * served from memory with no file system call and no second hash (the bytes were
 * checked against their digest when they were read, and cannot change in memory).
 * A larger blob is hashed as it is sent until one whole send matched; later sends of
 * the same file (same inode, size and modification time) are not hashed again while
 * this process runs (a 16 MiB pull costs ~12 ms of sha256 here). A large blob file the
 * upload service stored in this process (a push, a blob received from an upstream) counts
 * as checked from the start: it hashed those very bytes as they arrived (`verified`).
 * A file changed since, or a blob pushed again, is checked again.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { BlobCorruptError, type BlobLocation, type BlobStore, fileIdentity } from '../blobs/blob-store.ts';
import { readBlobPrefix } from '../blobs/read-blob.ts';
import { sendBlob, type SendCheck } from '../blobs/send-blob.ts';
import { digestAlgorithm } from '../domain/names.ts';
import { domainError, DomainFailure } from '../domain/errors.ts';

/** Blobs up to this size are read and checked whole before they are sent. */
export const VERIFY_WHOLE_BYTES = 4 * 1024 * 1024;
/** Blobs up to this size are kept in the cache once read and checked. */
export const SMALL_BLOB = 256 * 1024;
/** The cache's bound (bytes of blobs held). */
const CACHE_BYTES = 64 * 1024 * 1024;
/** Large blob files remembered as checked (the oldest are forgotten first). */
const CHECKED_FILES = 100_000;

export interface BlobBytes {
  /** Sends bytes `start..end` (inclusive) to `res`. */
  send(res: ServerResponse, start: number, end: number): Promise<void>;
  /** The whole blob in memory (small blobs: an image config). */
  read(): Promise<Buffer>;
  /** The whole blob, checked, when it was read whole (up to VERIFY_WHOLE_BYTES): a face answers with it as the body. */
  readonly whole?: Buffer;
}

const unreadable = (digest: string, message: string): DomainFailure =>
  new DomainFailure(domainError('BlobUnreadable', message, { digest }));

export class BlobReads {
  readonly #store: BlobStore;
  readonly #warn: (message: string) => void;
  /** digest -> checked bytes; Map order is recency (a hit moves its entry to the end). */
  readonly #cache = new Map<string, Buffer>();
  #cached = 0;
  /** digest -> identity of the large blob file a whole send checked (`ino:size:mtime`). */
  readonly #checked = new Map<string, string>();

  constructor(store: BlobStore, warn: (message: string) => void = () => undefined) {
    this.#store = store;
    this.#warn = warn;
  }

  /**
   * The upload service hashed the bytes of `digest`'s store file of this identity (fileIdentity) as it
   * stored them, and they matched: a whole send of that file need not hash them again. A file of
   * another identity (changed since, or another file under that name) is still checked.
   */
  verified(digest: string, size: number, identity: string): void {
    // a blob read whole is hashed on each read from its file (then cached): nothing to remember
    if (size > VERIFY_WHOLE_BYTES) this.#rememberChecked(digest, identity);
  }

  /**
   * The bytes of `digest`, ready to send; throws DomainFailure (BlobUnreadable) when they cannot be
   * served. `size`, the blob's size as the registry knows it, saves asking the store for it.
   */
  async open(digest: string, size?: number): Promise<BlobBytes> {
    const hit = this.#cache.get(digest);
    if (hit !== undefined) {
      this.#cache.delete(digest);
      this.#cache.set(digest, hit);
      return wholeBytes(hit);
    }
    const location = await this.#locate(digest);
    const algorithm = digestAlgorithm(digest);
    const hex = digest.slice(algorithm.length + 1);
    const readWhole = async (): Promise<BlobBytes> => {
      const bytes = await readFile(location.file);
      if (createHash(algorithm).update(bytes).digest('hex') !== hex) throw await this.#corrupt(digest);
      if (bytes.length <= SMALL_BLOB) this.#remember(digest, bytes);
      return wholeBytes(bytes);
    };
    if (size !== undefined && size <= VERIFY_WHOLE_BYTES) return readWhole();
    const st = location.stats ?? (await stat(location.file));
    const length = size ?? st.size;
    if (length <= VERIFY_WHOLE_BYTES) return readWhole();
    const identity = fileIdentity(st);
    const check = (): SendCheck | undefined =>
      this.#checked.get(digest) === identity
        ? undefined
        : {
            hash: createHash(algorithm),
            hex,
            onMismatch: () => {
              this.#checked.delete(digest);
              void this.#corrupt(digest).catch(() => undefined);
            },
            onMatch: () => this.#rememberChecked(digest, identity),
          };
    return {
      send: (res, start, end) => sendBlob(res, location, start, end, start === 0 && end === length - 1 ? check() : undefined),
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
    if (!at) throw unreadable(digest, `blob ${digest} is known to the registry but its bytes are missing; push it again`);
    return at;
  }

  #rememberChecked(digest: string, identity: string): void {
    this.#checked.delete(digest);
    this.#checked.set(digest, identity);
    if (this.#checked.size > CHECKED_FILES) this.#checked.delete(this.#checked.keys().next().value!);
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

  async #corrupt(digest: string): Promise<DomainFailure> {
    const aside = await this.#store.quarantine(digest);
    this.#warn(`blob ${digest}: its file does not match its digest; set aside as ${aside}`);
    return unreadable(digest, `blob ${digest} is stored with bytes that do not match its digest; it is not served: push it again`);
  }
}

function wholeBytes(bytes: Buffer): BlobBytes {
  return {
    whole: bytes,
    // resolves when the answer is written, or when the client went away before that
    send: (res, start, end) =>
      new Promise<void>((resolve) => {
        res.once('close', () => resolve());
        res.end(bytes.subarray(start, end + 1), () => resolve());
      }),
    read: () => Promise.resolve(bytes),
  };
}

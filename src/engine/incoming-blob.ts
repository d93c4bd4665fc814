/**
 * A whole blob arriving from elsewhere (a pull through cache's upstream), staged as it comes:
 * readable while it is written, then verified against its digest and moved into the store.
 * The upload service hands these out (Uploads.receive), one per digest at a time.
 */
import type { ServerResponse } from 'node:http';
import type { BlobStore } from '../blobs/blob-store.ts';
import { sendBlob } from '../blobs/send-blob.ts';
import { sendGrowingBlob, StagedWindow } from '../blobs/send-growing-blob.ts';
import type { UploadStaging } from '../blobs/upload-staging.ts';
import { DomainFailure, domainError } from '../domain/errors.ts';
import { digestAlgorithm } from '../domain/names.ts';

/**
 * It is not recorded: whoever asked for it records it with the image that needs it.
 */
export interface IncomingBlob {
  readonly digest: string;
  readonly uploadId: string;
  /** Bytes staged so far. */
  staged(): number;
  /** Resolves with the size once verified and in the store; rejects when the source failed or the digest differs (nothing is kept). */
  readonly done: Promise<{ size: number }>;
  /**
   * Sends bytes `start..end` (inclusive) to `res` as they arrive (then from the store); ends or
   * destroys `res`. The last bytes of the answer go out only once every byte of the blob arrived
   * and matched its digest: a mismatch cuts the answer short.
   */
  send(res: ServerResponse, start: number, end: number): Promise<void>;
}

/** What to receive: the digest the bytes must have, the staging id they go under, and how to open their stream. */
export interface Receipt {
  digest: string;
  uploadId: string;
  open: () => Promise<AsyncIterable<Uint8Array>>;
  /** The size the blob is expected to have, when known: an answer that ends before its last byte need not wait for the digest. */
  size?: number | undefined;
  /** Hears the identity of the store's file when it is the file verified here (Uploads' StoredVerified). */
  verified?: (digest: string, size: number, identity: string) => void;
}

/** Bytes of the most recently staged chunks held in memory for readers that keep up (send-growing-blob.ts). */
const WINDOW_BYTES = 4 * 1024 * 1024;

/** Starts staging the bytes of `receipt`; `settled` runs once they are in the store or dropped. */
export function receiveBlob(staging: UploadStaging, store: BlobStore, receipt: Receipt, settled: () => void): IncomingBlob {
  const { digest, uploadId } = receipt;
  /** Bytes readers may have: in the staged file, or held in the window until they are written. */
  let staged = 0;
  /** Bytes written to the staged file. */
  let filed = 0;
  const window = new StagedWindow(WINDOW_BYTES);
  // a lent body's batches reach the window before their write: it keeps them until they are written
  window.filed(0);
  let failure: unknown;
  let finished = false;
  let wake: (() => void)[] = [];
  const notify = (): void => {
    const waiting = wake;
    wake = [];
    for (const w of waiting) w();
  };
  const mismatch = (actual: string): DomainFailure =>
    new DomainFailure(domainError('DigestMismatch', `the upstream's blob has digest ${actual}, not ${digest}`, { digest, actual }));
  // whether every byte arrived and matches the digest: known (sha256) as soon as the body ended
  let check!: { resolve: () => void; reject: (err: unknown) => void };
  const checked = new Promise<void>((resolve, reject) => {
    check = { resolve, reject };
  });
  checked.catch(() => undefined);
  const work = (async () => {
    try {
      const size = await staging.append(uploadId, 0, await receipt.open(), Infinity, {
        received: (length, chunks, lease) => {
          window.add(staged, chunks, lease);
          staged = length;
          notify();
        },
        written: (length, chunks, lease) => {
          if (chunks.length > 0) window.add(staged, chunks, lease);
          staged = Math.max(staged, length);
          filed = length;
          window.filed(length);
          notify();
        },
        ended: (actual) => {
          if (digestAlgorithm(digest) !== 'sha256') return;
          if (actual === digest) check.resolve();
          else check.reject(mismatch(actual));
        },
      });
      const verified = await staging.commit(uploadId, size, digest);
      if (!verified.ok) throw mismatch(verified.actual);
      check.resolve();
      if (verified.stored !== undefined) receipt.verified?.(digest, size, verified.stored);
      // the store holds it now: the staged name goes (a reader that opened it keeps reading)
      await staging.release(uploadId);
      return { size };
    } catch (err) {
      failure = err;
      check.reject(err);
      await staging.discard(uploadId);
      throw err;
    } finally {
      finished = true;
      window.clear();
      settled();
      notify();
    }
  })();
  work.catch(() => undefined);
  return {
    digest,
    uploadId,
    staged: () => staged,
    done: work,
    async send(res, start, end) {
      const growing = {
        path: store.stagingPath(uploadId),
        staged: () => staged,
        filed: () => filed,
        recent: (pos: number, until: number) => window.lend(pos, until),
        // only an answer that reaches the blob's last byte (or any, when its size is not known) waits for the digest
        checked: receipt.size === undefined || end === receipt.size - 1 ? () => checked : undefined,
        more: () => {
          if (failure !== undefined) return Promise.reject(failure);
          if (finished) return work.then(() => undefined);
          return new Promise<void>((resolve) => wake.push(resolve));
        },
      };
      try {
        // the staged file exists once its first bytes are taken (it is opened before): a reader that
        // came before waits for them rather than for the whole blob to be stored (a small blob: its fdatasync)
        while (!finished && staged === 0) await growing.more();
        if (!finished && (await sendGrowingBlob(res, growing, start, end))) return;
        await work;
        const at = await store.locate(digest);
        if (!at) throw new Error(`blob ${digest} is not in the store after it was received`);
        await sendBlob(res, at, start, end);
      } catch (err) {
        res.destroy(err as Error);
      }
    },
  };
}

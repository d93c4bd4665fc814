/**
 * The blobs of snapshot files adopted into <journal>/packs/: served on first read
 * (verified and extracted then), and extracted in the background after the server
 * listens, so that a start from a snapshot file does not wait for every blob file.
 */
import type { BlobStore } from '../blobs/blob-store.ts';
import { PackExtraction, type PackIndex } from '../snapshot-file/extraction.ts';
import type { Logger } from '../support/logger.ts';

export interface BlobExtraction {
  /** Starts the background extraction (a writer only: a read-only view extracts what it reads). */
  run(): void;
  /** Resolves when every packed blob is extracted (at once when there is nothing to extract). */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

export function extractPacks(blobs: BlobStore, packs: PackIndex[], log: Logger): BlobExtraction {
  if (packs.length === 0) return { run: () => undefined, settled: async () => undefined, stop: async () => undefined };
  const extraction = new PackExtraction(blobs, packs, {
    onCorrupt: (message, entry) => log.error({ [entry.kind]: entry.key, pack: entry.pack }, message),
  });
  let done: Promise<void> | undefined;
  return {
    run() {
      done = extraction.run().then(
        (r) => {
          if (r.removed.length > 0) log.info({ extracted: r.extracted, removed: r.removed }, 'snapshot blobs extracted, pack deleted');
        },
        (err: unknown) => log.error({ err }, 'extracting snapshot blobs failed: the pack is kept, the next start resumes'),
      );
    },
    settled: async () => {
      await done;
    },
    stop: () => extraction.stop(),
  };
}

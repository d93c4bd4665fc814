/**
 * Finishes the extraction of a journal folder's packs (pack-index.ts) before an
 * offline tool reads blob files by path (verify, fork, compact, snapshot): every
 * blob and staged upload still packed is verified and moved into place, and the
 * packs that are then fully extracted are deleted. An entry whose bytes do not
 * match its digest is left out (so verify reports the blob missing) and its pack
 * is kept. A no-op for a folder without packs/.
 */
import { BlobStore } from '../blobs/blob-store.ts';
import { PackExtraction, type ExtractionReport } from './extraction.ts';
import { loadPacks } from './packs.ts';

export async function settlePacks(dir: string, opts: { warn?: (message: string) => void } = {}): Promise<ExtractionReport> {
  const packs = await loadPacks(dir);
  if (packs.length === 0) return { extracted: 0, corrupt: [], removed: [] };
  const store = new BlobStore(dir, { durable: true });
  const extraction = new PackExtraction(store, packs, { onCorrupt: (m) => opts.warn?.(m) });
  try {
    return await extraction.run();
  } finally {
    await extraction.stop();
    await store.close();
  }
}

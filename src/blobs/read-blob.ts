/** A small blob's bytes (a config shown by the inspector), at most `max` of them. */
import { open } from 'node:fs/promises';
import type { BlobStore } from './blob-store.ts';

/** Undefined when the store has no such blob (or its only copy is corrupt). */
export async function readBlobPrefix(store: BlobStore, digest: string, max: number): Promise<Uint8Array | undefined> {
  const where = await store.locate(digest).catch(() => undefined);
  if (!where) return undefined;
  const fh = await open(where.file, 'r');
  try {
    const buf = Buffer.alloc(max);
    const { bytesRead } = await fh.read(buf, 0, max, where.offset);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

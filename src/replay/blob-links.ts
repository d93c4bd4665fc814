/**
 * Sharing blob and staged-upload files between journal folders: a hard link
 * when both are on one file system (the bytes are immutable, so sharing is
 * safe), a copy otherwise. Blobs are never moved, so the source never loses one.
 */
import { copyFile, type FileHandle, link, mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { BlobStore } from '../blobs/blob-store.ts';

export interface LinkReport {
  linked: number;
  copied: number;
  /** Digests the source store did not have. */
  missing: string[];
}

export async function shareBlobs(fromRoot: string, toRoot: string, digests: Iterable<string>): Promise<LinkReport> {
  const from = new BlobStore(fromRoot, { durable: false });
  const to = new BlobStore(toRoot, { durable: false });
  const report: LinkReport = { linked: 0, copied: 0, missing: [] };
  for (const digest of digests) {
    const src = from.path(digest);
    const dst = to.path(digest);
    if ((await to.size(digest)) !== undefined) continue;
    if ((await from.size(digest)) === undefined) {
      report.missing.push(digest);
      continue;
    }
    await mkdir(dirname(dst), { recursive: true });
    try {
      await link(src, dst);
      report.linked++;
    } catch {
      await copyFile(src, dst);
      report.copied++;
    }
  }
  return report;
}

/** Copies the first `length` bytes of `src` to `dst` (staged bytes of an unfinished upload). */
export async function copyPrefix(src: string, dst: string, length: number): Promise<boolean> {
  let fh: FileHandle;
  try {
    fh = await open(src, 'r');
  } catch {
    return false;
  }
  try {
    if ((await fh.stat()).size < length) return false;
    const buf = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const { bytesRead } = await fh.read(buf, got, length - got, got);
      if (bytesRead === 0) return false;
      got += bytesRead;
    }
    await mkdir(dirname(dst), { recursive: true });
    const out = await open(dst, 'w');
    try {
      await out.write(buf);
    } finally {
      await out.close();
    }
    return true;
  } finally {
    await fh.close();
  }
}

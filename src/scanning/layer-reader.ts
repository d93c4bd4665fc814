/**
 * Streams a stored layer blob through its decompressor into a TarWalker.
 * The compression is read from the blob's first bytes, not from the media type
 * (which clients do not always set right): gzip (`1f 8b`) through node's zlib,
 * zstd (`28 b5 2f fd`) through fzstd (pure JS: Node 20's zlib has no zstd),
 * anything else as a plain tar.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { Decompress } from 'fzstd';
import { TarWalker, type TarEntry } from './tar-walker.ts';

/** Where a blob's bytes are (BlobStore.locate, plus its size). */
export interface StoredBlob {
  file: string;
  offset: number;
  size: number;
}

const CHUNK = 1 << 20;

export type Compression = 'gzip' | 'zstd' | 'none';

export function compressionOf(head: Uint8Array): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  return 'none';
}

async function headOf(blob: StoredBlob): Promise<Uint8Array> {
  const fh = await open(blob.file, 'r');
  try {
    const buf = Buffer.alloc(Math.min(4, blob.size));
    await fh.read(buf, 0, buf.length, blob.offset);
    return buf;
  } finally {
    await fh.close();
  }
}

/** Reads the whole layer through `walker`; resolves with the compression it had. */
export async function walkLayer(blob: StoredBlob, walker: TarWalker): Promise<Compression> {
  const compression = compressionOf(await headOf(blob));
  const input = () => createReadStream(blob.file, { start: blob.offset, end: blob.offset + blob.size - 1, highWaterMark: CHUNK });
  if (blob.size === 0) {
    walker.end();
    return 'none';
  }
  switch (compression) {
    case 'gzip':
      await pipeline(input(), createGunzip({ chunkSize: CHUNK }), async (source: AsyncIterable<Buffer>) => {
        for await (const chunk of source) walker.push(chunk);
      });
      break;
    case 'zstd': {
      const zstd = new Decompress((data) => walker.push(data));
      for await (const chunk of input()) zstd.push(chunk as Buffer);
      zstd.push(new Uint8Array(0), true);
      break;
    }
    case 'none':
      for await (const chunk of input()) walker.push(chunk as Buffer);
  }
  walker.end();
  return compression;
}

/** Lists every entry of a layer (tests and tools). */
export async function listLayer(blob: StoredBlob): Promise<TarEntry[]> {
  const entries: TarEntry[] = [];
  await walkLayer(
    blob,
    new TarWalker(
      () => false,
      (e) => entries.push(e),
    ),
  );
  return entries;
}

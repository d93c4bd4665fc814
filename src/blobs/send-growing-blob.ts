/**
 * Sends a blob that is still arriving (a pull through cache fetching it from an upstream) to an
 * HTTP response as its bytes are staged: it sends up to the length written so far, waits for
 * more, and ends at `end`. Any number of readers share one fetch, each at its own pace.
 *
 * A reader that keeps up is sent the staged chunks themselves, from a bounded window of the most
 * recently written ones that the fetch keeps in memory (no read back, no copy; the chunks of one
 * write go out as one writev). Chunks of reused memory come with a lease (lease.ts): the
 * window holds it while it keeps them, and a reader while its socket may still hold them. A reader that fell behind the window reads the staged
 * file (so a slow client holds no memory); the staged file may be moved into the store
 * meanwhile: the open descriptor keeps reading it.
 */
import { open, type FileHandle } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import type { Lease } from './lease.ts';

/** What a reader follows: the bytes staged so far, and a wait for more (rejecting when the fetch failed). */
export interface GrowingFile {
  readonly path: string;
  staged(): number;
  /** Resolves when more bytes are staged or the blob is complete; rejects when it failed. */
  more(): Promise<void>;
  /**
   * Bytes of the staged file written so far, when some staged bytes are held in memory only (not
   * written yet): `recent` answers every byte past it. Default: staged().
   */
  filed?(): number;
  /** The staged bytes from `pos` up to `until` (exclusive) still held in memory, in order; undefined when `pos` is not held. */
  recent?(pos: number, until: number): HeldChunks | undefined;
  /** Resolves once every byte arrived and matched the blob's digest; rejects when not. The last piece of an answer waits for it. */
  checked?(): Promise<void>;
}

/** Chunks lent to a reader: `release` once they were sent (never when the socket may still hold them). */
export interface HeldChunks {
  chunks: Uint8Array[];
  release(): void;
}

const holdNothing = (): void => undefined;

/** Bytes read from the staged file at once, by a reader behind the window. */
const CHUNK = 4 * 1024 * 1024;

/**
 * The recently staged chunks of a growing blob, up to `limit` bytes (the oldest dropped first): what
 * `GrowingFile.recent` answers from. Chunks are kept as given and must not change afterwards. A
 * chunk not written to the file yet is never dropped (`filed` tells how far the file is written;
 * never told: every chunk added is written).
 */
export class StagedWindow {
  readonly #limit: number;
  readonly #starts: number[] = [];
  readonly #chunks: Uint8Array[] = [];
  /** The lease of each chunk (undefined: memory never reused), retained while the chunk is held. */
  readonly #leases: (Lease | undefined)[] = [];
  #first = 0;
  #held = 0;
  #filed = Infinity;

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Adds chunks written at `start` (contiguous with the last ones added), retaining `lease` while they are held. */
  add(start: number, chunks: readonly Uint8Array[], lease?: Lease): void {
    let at = start;
    for (const c of chunks) {
      lease?.retain();
      this.#starts.push(at);
      this.#chunks.push(c);
      this.#leases.push(lease);
      at += c.byteLength;
      this.#held += c.byteLength;
    }
    this.#trim(at);
  }

  /** The file holds the first `length` bytes: chunks before it may be dropped (the file answers them). */
  filed(length: number): void {
    this.#filed = length;
    this.#trim(this.#first + this.#held);
  }

  /** Drops the oldest chunks past the limit (the last one always stays, and any not yet in the file). */
  #trim(end: number): void {
    let drop = 0;
    while (
      this.#held > this.#limit &&
      drop < this.#chunks.length - 1 &&
      this.#starts[drop]! + this.#chunks[drop]!.byteLength <= this.#filed
    )
      this.#held -= this.#chunks[drop++]!.byteLength;
    if (drop > 0) {
      this.#starts.splice(0, drop);
      this.#chunks.splice(0, drop);
      for (const l of this.#leases.splice(0, drop)) l?.release();
    }
    this.#first = this.#starts[0] ?? end;
  }

  /** Drops every chunk (the blob is complete: readers go to the file). */
  clear(): void {
    this.#starts.length = 0;
    this.#chunks.length = 0;
    for (const l of this.#leases.splice(0)) l?.release();
    this.#held = 0;
  }

  /** `slice`, the chunks lent: their leases are retained until `release`. */
  lend(pos: number, until: number): HeldChunks | undefined {
    const at = this.#index(pos);
    if (at === undefined) return undefined;
    const chunks = this.#slice(at, pos, until);
    if (chunks.length === 0) return undefined;
    const leases: Lease[] = [];
    for (let i = at; i < at + chunks.length; i++) {
      const l = this.#leases[i];
      if (l !== undefined) leases.push(l);
    }
    if (leases.length === 0) return { chunks, release: holdNothing };
    for (const l of leases) l.retain();
    let released = false;
    return {
      chunks,
      release: () => {
        if (released) return;
        released = true;
        for (const l of leases) l.release();
      },
    };
  }

  slice(pos: number, until: number): Uint8Array[] | undefined {
    const at = this.#index(pos);
    if (at === undefined) return undefined;
    const out = this.#slice(at, pos, until);
    return out.length > 0 ? out : undefined;
  }

  /** The index of the chunk holding `pos`: the last one starting at or before it; undefined when `pos` is not held. */
  #index(pos: number): number | undefined {
    if (this.#chunks.length === 0 || pos < this.#first) return undefined;
    let lo = 0;
    let hi = this.#starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.#starts[mid]! <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** The parts of chunks `at`.. that fall in `pos..until` (one per chunk, in order, from chunk `at`). */
  #slice(at: number, pos: number, until: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (let i = at; i < this.#chunks.length; i++) {
      const s = this.#starts[i]!;
      if (s >= until) break;
      const c = this.#chunks[i]!;
      const from = Math.max(0, pos - s);
      const to = Math.min(c.byteLength, until - s);
      if (to > from) out.push(from === 0 && to === c.byteLength ? c : c.subarray(from, to));
    }
    return out;
  }
}

/** Opens the staged file, or undefined when it is gone already (moved into the store). */
async function openStaged(path: string): Promise<FileHandle | undefined> {
  try {
    return await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Writes `chunks` (several: corked, one writev); resolves when they are flushed or the client went away:
 * true when the socket wrote them all (it holds them no longer).
 */
function writeAll(res: ServerResponse, chunks: readonly Uint8Array[], gone: Gone): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    if (gone.closed || chunks.length === 0) return resolve(!gone.closed);
    // told false if the client goes away first (a later resolve changes nothing)
    gone.waiting = resolve;
    // one chunk (a reader that keeps up is sent one batch at a time) goes out as it is, not corked
    const many = chunks.length > 1;
    if (many) res.cork();
    for (let i = 0; i < chunks.length - 1; i++) res.write(chunks[i]!);
    res.write(chunks[chunks.length - 1]!, (err) => resolve(!err));
    if (many) res.uncork();
  });
}

/** The client went away (`closed`); `waiting` is the write a reader waits for, told false then. */
interface Gone {
  closed: boolean;
  waiting: ((flushed: boolean) => void) | undefined;
}

/**
 * Writes bytes `start..end` (inclusive) of the growing blob to `res` and ends it. Resolves false
 * when the staged file was already moved (the caller sends the stored blob instead).
 */
export async function sendGrowingBlob(res: ServerResponse, blob: GrowingFile, start: number, end: number): Promise<boolean> {
  const fh = await openStaged(blob.path);
  if (!fh) return false;
  const gone: Gone = { closed: false, waiting: undefined };
  res.once('close', () => {
    gone.closed = true;
    gone.waiting?.(false);
  });
  try {
    let buf: Buffer | undefined;
    let pos = start;
    while (pos <= end && !gone.closed) {
      const available = Math.min(blob.staged(), end + 1);
      if (pos >= available) {
        await blob.more();
        continue;
      }
      const held = blob.recent?.(pos, available);
      if (held) {
        for (const c of held.chunks) pos += c.byteLength;
        if (pos > end) await blob.checked?.();
        // the chunks stay as they are while held: the socket may hold them; waiting for the flush keeps memory bounded
        if (await writeAll(res, held.chunks, gone)) held.release();
        continue;
      }
      buf ??= Buffer.allocUnsafe(CHUNK);
      // only bytes the file holds: past them the window answers (a write under way may leave a hole before it)
      const inFile = Math.min(available, blob.filed?.() ?? available);
      if (pos >= inFile) throw new Error(`bytes from ${pos} of ${blob.path} are neither in memory nor in the file`);
      const { bytesRead } = await fh.read(buf, 0, Math.min(CHUNK, inFile - pos), pos);
      if (bytesRead === 0) throw new Error(`staged file ${blob.path} is shorter than the bytes staged`);
      pos += bytesRead;
      // the last piece waits for the digest: a blob that does not match is never sent whole
      if (pos > end) await blob.checked?.();
      // the buffer is read into again only once the socket has flushed this chunk
      await writeAll(res, [buf.subarray(0, bytesRead)], gone);
      // a vanished client's socket may still hold the buffer: never reuse it then
      if (gone.closed) buf = undefined;
    }
    if (!gone.closed) res.end();
  } catch (err) {
    res.destroy(err as Error);
  } finally {
    await fh.close();
  }
  return true;
}

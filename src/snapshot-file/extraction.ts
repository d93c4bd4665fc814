/**
 * Extraction of the blobs and staged uploads a pack (a snapshot file copied to
 * <root>/packs/, see pack-format.ts) holds into the blob store, so that a start
 * from a snapshot serves at once instead of writing every blob file first.
 *
 * Every entry goes the way an upload goes: its bytes are read from the pack and
 * hashed into a temporary file (<root>/packs/.extract-*), and only when they
 * match is the file moved to its place (blob: the CAS, via BlobStore.adopt;
 * staged upload: uploads/<id>). Bytes that do not match are never moved: the
 * entry is marked corrupt, reported through `onCorrupt`, and reads of it fail.
 *
 * `run()` works through every pack in the background; a read of an entry not
 * extracted yet extracts it first (`ensureBlob` / `ensureUpload`). A pack whose
 * entries are all extracted and flushed is deleted. A pack found again at the
 * next start (after a crash, or because an entry was corrupt) is worked through
 * again: entries already in place are skipped.
 */
import { createHash } from 'node:crypto';
import { digestAlgorithm } from '../domain/names.ts';
import { mkdir, open, readdir, stat, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { BlobCorruptError, type BlobStore, type PackSource } from '../blobs/blob-store.ts';
import { renameIntoPlace, syncDir } from '../support/durable-file.ts';

/** Where each blob and staged upload of one pack file is (built by replay/pack-index.ts). */
export interface PackIndex {
  file: string;
  blobs: { digest: string; offset: number; size: number }[];
  /** sha256: hex of the staged bytes */
  uploads: { id: string; offset: number; size: number; sha256: string }[];
}

export type CorruptReporter = (message: string, entry: { kind: string; key: string; pack: string }) => void;

interface Entry {
  pack: PackState;
  kind: 'blob' | 'upload';
  /** digest (blob) or upload id */
  key: string;
  offset: number;
  size: number;
  /** the digest (`algorithm:hex`) the bytes must have */
  expected: string;
  job?: Promise<void>;
  corrupt?: boolean;
  /** the last try failed for another reason (I/O): the pack is kept, a later read retries */
  failed?: boolean;
}

interface PackState {
  index: PackIndex;
  /** by number: the pack's staged uploads, then its blobs (header order); each made on first use */
  entries: (Entry | undefined)[];
  fh?: Promise<FileHandle>;
}

/** The entry of each digest and of each upload id: the first one, in pack order. */
interface Lookup {
  blobs: Map<string, Entry>;
  uploads: Map<string, Entry>;
}

export interface ExtractionReport {
  /** entries moved into place by this run */
  extracted: number;
  /** "blob sha256:... in <pack>" or "staged upload <id> in <pack>" */
  corrupt: string[];
  /** pack files deleted because everything in them is in place */
  removed: string[];
}

const CHUNK = 4 * 1024 * 1024;
/** Entries extracted at once by the background run (small files: latency-bound). */
const WORKERS = 4;

export class PackExtraction implements PackSource {
  readonly #store: BlobStore;
  readonly #packs: PackState[];
  /**
   * Built on the first read by digest or upload id, not by the constructor: a start from a snapshot
   * of 10,000s of blobs builds it before it serves otherwise, and the background run needs none.
   */
  #lookup: Lookup | undefined;
  readonly #onCorrupt: CorruptReporter;
  readonly #jobs = new Set<Promise<void>>();
  readonly #report: ExtractionReport = { extracted: 0, corrupt: [], removed: [] };
  #stopping = false;
  #running: Promise<ExtractionReport> | undefined;

  constructor(store: BlobStore, packs: PackIndex[], opts: { onCorrupt: CorruptReporter }) {
    this.#store = store;
    this.#onCorrupt = opts.onCorrupt;
    this.#packs = packs.map((index) => ({ index, entries: new Array<Entry | undefined>(index.uploads.length + index.blobs.length) }));
    store.attachPacks(this);
  }

  /** Entry `k` of `pack` (made on first use). */
  #entry(pack: PackState, k: number): Entry {
    const made = pack.entries[k];
    if (made !== undefined) return made;
    const { uploads, blobs } = pack.index;
    let e: Entry;
    if (k < uploads.length) {
      const u = uploads[k]!;
      e = { pack, kind: 'upload', key: u.id, offset: u.offset, size: u.size, expected: `sha256:${u.sha256}` };
    } else {
      const b = blobs[k - uploads.length]!;
      e = { pack, kind: 'blob', key: b.digest, offset: b.offset, size: b.size, expected: b.digest };
    }
    pack.entries[k] = e;
    return e;
  }

  #lookups(): Lookup {
    if (this.#lookup !== undefined) return this.#lookup;
    const lookup: Lookup = { blobs: new Map(), uploads: new Map() };
    for (const pack of this.#packs)
      for (let k = 0; k < pack.entries.length; k++) {
        const e = this.#entry(pack, k);
        const map = e.kind === 'blob' ? lookup.blobs : lookup.uploads;
        if (!map.has(e.key)) map.set(e.key, e);
      }
    return (this.#lookup = lookup);
  }

  /** True while some pack still holds entries not known to be in place. */
  get pending(): boolean {
    return this.#packs.length > 0;
  }

  packedSize(digest: string): number | undefined {
    const e = this.#lookups().blobs.get(digest);
    return e && !e.corrupt ? e.size : undefined;
  }

  async ensureBlob(digest: string): Promise<void> {
    const e = this.#lookups().blobs.get(digest);
    if (!e) return;
    await this.#extract(e);
    if (e.corrupt) {
      // a client may have pushed the right bytes since: then the CAS file is good
      if (await exists(this.#store.path(digest))) return;
      throw new BlobCorruptError(digest, e.pack.index.file);
    }
  }

  async ensureUpload(uploadId: string): Promise<void> {
    const e = this.#lookups().uploads.get(uploadId);
    if (!e) return;
    await this.#extract(e);
    if (e.corrupt) throw new Error(`staged upload ${uploadId} in snapshot pack ${e.pack.index.file} does not match its sha256`);
  }

  /** Works through every pack (once; later calls return the same run). */
  run(): Promise<ExtractionReport> {
    return (this.#running ??= this.#runAll());
  }

  /** Stops the background run after the entries in progress, and waits for every extraction. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#running?.catch(() => undefined);
    while (this.#jobs.size > 0) await Promise.allSettled([...this.#jobs]);
    for (const p of this.#packs) await closePack(p);
  }

  async #runAll(): Promise<ExtractionReport> {
    for (const pack of [...this.#packs]) {
      let next = 0;
      const worker = async (): Promise<void> => {
        while (!this.#stopping && next < pack.entries.length) {
          const e = this.#entry(pack, next++);
          await this.#extract(e).catch((err: unknown) => {
            e.failed = true;
            this.#onCorrupt(`could not extract ${e.kind} ${e.key} from snapshot pack ${pack.index.file}: ${(err as Error).message}`, {
              kind: e.kind,
              key: e.key,
              pack: pack.index.file,
            });
          });
        }
      };
      await Promise.all(Array.from({ length: WORKERS }, worker));
      if (this.#stopping) break;
      await this.#finish(pack);
    }
    return this.#report;
  }

  /** All entries of `pack` were tried: delete it if each is in place. */
  async #finish(pack: PackState): Promise<void> {
    await closePack(pack);
    const bad = pack.entries.filter((e) => e !== undefined && (e.corrupt || e.failed));
    if (bad.length > 0) {
      this.#onCorrupt(`snapshot pack ${pack.index.file} is kept: ${bad.length} of its entries could not be extracted (see above)`, {
        kind: 'pack',
        key: basename(pack.index.file),
        pack: pack.index.file,
      });
      return;
    }
    const dir = dirname(pack.index.file);
    await unlink(pack.index.file);
    for (const name of await readdir(dir).catch(() => [] as string[]))
      if (name.startsWith('.extract-')) await unlink(join(dir, name)).catch(() => undefined);
    if (this.#store.durable) await syncDir(dir);
    this.#report.removed.push(pack.index.file);
    this.#packs.splice(this.#packs.indexOf(pack), 1);
    // (a lookup built later has no entry of it: the pack is gone from #packs)
    const lookup = this.#lookup;
    if (lookup !== undefined)
      for (const e of pack.entries) {
        if (e === undefined) continue;
        const map = e.kind === 'blob' ? lookup.blobs : lookup.uploads;
        if (map.get(e.key) === e) map.delete(e.key);
      }
  }

  #extract(e: Entry): Promise<void> {
    if (!e.job) {
      const job = this.#extractNow(e);
      e.job = job;
      e.failed = false;
      // a try that failed for another reason than the digest may be retried by the next read
      job.catch(() => {
        if (e.job === job) e.job = undefined;
      });
      this.#jobs.add(job);
      void job.finally(() => this.#jobs.delete(job)).catch(() => undefined);
    }
    return e.job;
  }

  async #extractNow(e: Entry): Promise<void> {
    const target = e.kind === 'blob' ? this.#store.path(e.key) : this.#store.stagingPath(e.key);
    // Already in place (an earlier run, a push of the same bytes, or an upload moved on since).
    if (await exists(target)) return;
    const packFile = e.pack.index.file;
    const tmp = join(dirname(packFile), `.extract-${process.pid}-${e.kind}-${e.key.replace(/^sha\d+:/, '')}`);
    const fh = await (e.pack.fh ??= open(packFile, 'r'));
    const algorithm = digestAlgorithm(e.expected);
    const hash = createHash(algorithm);
    if (e.size <= CHUNK) {
      const bytes = Buffer.allocUnsafe(e.size);
      await readFully(fh, bytes, e.offset, packFile);
      hash.update(bytes);
      if (`${algorithm}:${hash.digest('hex')}` !== e.expected) return this.#corrupt(e);
      await writeFile(tmp, bytes);
    } else {
      const out = await open(tmp, 'w');
      try {
        const buf = Buffer.allocUnsafe(CHUNK);
        for (let pos = 0; pos < e.size; ) {
          const n = Math.min(CHUNK, e.size - pos);
          await readFully(fh, buf.subarray(0, n), e.offset + pos, packFile);
          hash.update(buf.subarray(0, n));
          await out.write(buf, 0, n, pos);
          pos += n;
        }
      } finally {
        await out.close();
      }
      if (`${algorithm}:${hash.digest('hex')}` !== e.expected) {
        await unlink(tmp).catch(() => undefined);
        return this.#corrupt(e);
      }
    }
    if (e.kind === 'blob') await this.#store.adopt(tmp, e.key);
    else await this.#placeUpload(tmp, target);
    this.#report.extracted++;
  }

  async #placeUpload(tmp: string, target: string): Promise<void> {
    await mkdir(dirname(target), { recursive: true });
    await renameIntoPlace(tmp, target, { fsync: this.#store.durable });
  }

  #corrupt(e: Entry): void {
    e.corrupt = true;
    const what = e.kind === 'blob' ? `blob ${e.key}` : `staged upload ${e.key}`;
    this.#report.corrupt.push(`${what} in ${e.pack.index.file}`);
    this.#onCorrupt(`${what} in snapshot pack ${e.pack.index.file} does not match its digest: not extracted, reads of it fail`, {
      kind: e.kind,
      key: e.key,
      pack: e.pack.index.file,
    });
  }
}

/** Reads `buf.length` bytes at `position` of a pack (or snapshot file) `file`, refusing one that ends before. */
export async function readFully(fh: FileHandle, buf: Buffer, position: number, file: string): Promise<void> {
  for (let off = 0; off < buf.length; ) {
    const { bytesRead } = await fh.read(buf, off, buf.length - off, position + off);
    if (bytesRead === 0) throw new Error(`snapshot file ${file} is shorter than its header says`);
    off += bytesRead;
  }
}

async function closePack(pack: PackState): Promise<void> {
  const fh = pack.fh;
  pack.fh = undefined;
  if (fh !== undefined) await (await fh.catch(() => undefined))?.close();
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * A push-driven reader of tar streams (POSIX ustar with GNU and pax extensions)
 * that keeps only what it is asked to keep.
 *
 * The scanner reads every byte of every layer but needs a handful of small files,
 * so this walker does not open a stream per entry (as tar-stream does): it parses
 * each 512-byte header, asks `select(entry)` whether the entry's content is wanted,
 * copies wanted content into one buffer, and skips the rest in place. Chunks may
 * split headers and contents anywhere; chunk buffers are never kept (a decompressor
 * may reuse them).
 *
 * Format, per entry: a 512-byte header (name 0..100, mode, uid, gid, size 124..136
 * in octal or base-256, mtime, checksum 148..156, typeflag 156, linkname 157..257,
 * magic 257 "ustar", prefix 345..500 prepended to the name), then the content padded
 * to a multiple of 512. GNU `L`/`K` entries carry the next entry's long name/link
 * name; pax `x` entries carry `path`, `linkpath` and `size` for the next entry
 * (`g` global headers are read and ignored). Two zero blocks end the archive.
 */

export type TarEntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';

export interface TarEntry {
  /** The path with any leading `./` or `/` and trailing `/` removed. */
  path: string;
  type: TarEntryType;
  size: number;
  /** Link target (symlinks, hard links), else ''. */
  linkname: string;
}

export class TarFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TarFormatError';
  }
}

/** The largest entry content kept in memory (package databases are a few MiB at most). */
export const MAX_KEPT_CONTENT = 256 * 1024 * 1024;

const BLOCK = 512;

/** Normalizes a tar path: no leading `./` or `/`, no trailing `/`. */
export function normalizeTarPath(p: string): string {
  let s = p;
  while (s.startsWith('./')) s = s.slice(2);
  while (s.startsWith('/')) s = s.slice(1);
  while (s.endsWith('/')) s = s.slice(0, -1);
  return s === '.' ? '' : s;
}

function cString(b: Uint8Array, from: number, length: number): string {
  let end = from;
  const max = from + length;
  while (end < max && b[end] !== 0) end++;
  return Buffer.from(b.buffer, b.byteOffset + from, end - from).toString('utf8');
}

function numeric(b: Uint8Array, from: number, length: number): number {
  if ((b[from]! & 0x80) !== 0) {
    // base-256 (GNU): big-endian two's complement in the remaining bits
    let n = b[from]! & 0x7f;
    for (let i = from + 1; i < from + length; i++) n = n * 256 + b[i]!;
    return n;
  }
  const text = cString(b, from, length).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new TarFormatError(`invalid octal number '${text}' in a tar header`);
  return parseInt(text, 8);
}

function checksumOk(h: Uint8Array): boolean {
  const stored = numeric(h, 148, 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
  return sum === stored;
}

function typeOf(flag: number): TarEntryType | 'longname' | 'longlink' | 'pax' | 'paxglobal' {
  switch (flag) {
    case 0:
    case 48: // '0'
    case 55: // '7' contiguous file
      return 'file';
    case 49: // '1'
      return 'hardlink';
    case 50: // '2'
      return 'symlink';
    case 53: // '5'
      return 'directory';
    case 76: // 'L'
      return 'longname';
    case 75: // 'K'
      return 'longlink';
    case 120: // 'x'
      return 'pax';
    case 103: // 'g'
      return 'paxglobal';
    default:
      return 'other';
  }
}

/** pax records: "<length> <key>=<value>\n", repeated. */
function paxRecords(b: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let at = 0;
  while (at < b.length) {
    const space = b.indexOf(0x20, at);
    if (space < 0) break;
    const length = Number(b.toString('latin1', at, space));
    if (!Number.isSafeInteger(length) || length <= 0 || at + length > b.length) throw new TarFormatError('invalid pax extended header');
    const record = b.toString('utf8', space + 1, at + length - 1);
    const eq = record.indexOf('=');
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1));
    at += length;
  }
  return out;
}

type Keep = (entry: TarEntry) => boolean;

export class TarWalker {
  readonly #select: Keep;
  readonly #onEntry: (entry: TarEntry, content: Buffer | null) => void;
  /** A header being gathered across chunks. */
  readonly #header = new Uint8Array(BLOCK);
  #headerFill = 0;
  /** The entry whose content is being read (or skipped), with the bytes left of content and padding. */
  #entry: TarEntry | null = null;
  #meta: 'longname' | 'longlink' | 'pax' | 'paxglobal' | null = null;
  #content: Buffer | null = null;
  #contentFill = 0;
  #contentLeft = 0;
  #paddingLeft = 0;
  /** Extension headers for the next entry. */
  #nextPath: string | null = null;
  #nextLink: string | null = null;
  #nextSize: number | null = null;
  #zeroBlocks = 0;
  #ended = false;
  /** Entries seen (for benchmarks and tests). */
  entries = 0;

  /**
   * @param select whether to keep an entry's content (asked for regular files only)
   * @param onEntry every entry, with its content when it was kept
   */
  constructor(select: Keep, onEntry: (entry: TarEntry, content: Buffer | null) => void) {
    this.#select = select;
    this.#onEntry = onEntry;
  }

  /** Whether the end-of-archive marker was read. */
  get ended(): boolean {
    return this.#ended;
  }

  push(chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.length && !this.#ended) {
      if (this.#contentLeft > 0) {
        const n = Math.min(this.#contentLeft, chunk.length - at);
        if (this.#content) {
          this.#content.set(chunk.subarray(at, at + n), this.#contentFill);
          this.#contentFill += n;
        }
        this.#contentLeft -= n;
        at += n;
        if (this.#contentLeft === 0) this.#finishContent();
        continue;
      }
      if (this.#paddingLeft > 0) {
        const n = Math.min(this.#paddingLeft, chunk.length - at);
        this.#paddingLeft -= n;
        at += n;
        continue;
      }
      // a header: gather 512 bytes, straight from the chunk when they are all there
      if (this.#headerFill === 0 && chunk.length - at >= BLOCK) {
        this.#readHeader(chunk.subarray(at, at + BLOCK));
        at += BLOCK;
        continue;
      }
      const n = Math.min(BLOCK - this.#headerFill, chunk.length - at);
      this.#header.set(chunk.subarray(at, at + n), this.#headerFill);
      this.#headerFill += n;
      at += n;
      if (this.#headerFill === BLOCK) {
        this.#headerFill = 0;
        this.#readHeader(this.#header);
      }
    }
  }

  /** Call after the last chunk: throws when the stream stopped inside an entry. */
  end(): void {
    if (this.#ended) return;
    if (this.#headerFill !== 0 || this.#contentLeft > 0 || this.#paddingLeft > 0)
      throw new TarFormatError('the tar stream ends inside an entry (truncated layer)');
    // A stream without the two zero blocks is accepted (some writers omit them).
  }

  #readHeader(h: Uint8Array): void {
    let zero = true;
    for (let i = 0; i < BLOCK; i++)
      if (h[i] !== 0) {
        zero = false;
        break;
      }
    if (zero) {
      if (++this.#zeroBlocks >= 2) this.#ended = true;
      return;
    }
    this.#zeroBlocks = 0;
    if (!checksumOk(h)) throw new TarFormatError('tar header checksum mismatch (not a tar stream, or corrupt)');
    const kind = typeOf(h[156]!);
    let size = numeric(h, 124, 12);
    const ustar = h[257] === 0x75 && h[258] === 0x73 && h[259] === 0x74 && h[260] === 0x61 && h[261] === 0x72; // "ustar"
    let name = cString(h, 0, 100);
    if (ustar && h[345] !== 0) name = `${cString(h, 345, 155)}/${name}`;
    if (kind === 'longname' || kind === 'longlink' || kind === 'pax' || kind === 'paxglobal') {
      this.#meta = kind;
      this.#entry = { path: '', type: 'other', size, linkname: '' };
      this.#startContent(size, true);
      return;
    }
    if (this.#nextSize !== null) size = this.#nextSize;
    const entry: TarEntry = {
      path: normalizeTarPath(this.#nextPath ?? name),
      type: kind,
      size: kind === 'file' ? size : 0,
      linkname: this.#nextLink ?? cString(h, 157, 100),
    };
    this.#nextPath = this.#nextLink = this.#nextSize = null;
    this.entries++;
    // Only regular files have content (hard links, symlinks and directories have size 0 in practice).
    const contentSize = kind === 'file' ? size : kind === 'hardlink' || kind === 'symlink' || kind === 'directory' ? 0 : size;
    const keep = kind === 'file' && this.#select(entry);
    this.#meta = null;
    this.#entry = entry;
    this.#startContent(contentSize, keep);
  }

  #startContent(size: number, keep: boolean): void {
    if (keep && size > MAX_KEPT_CONTENT) throw new TarFormatError(`tar entry '${this.#entry?.path}' is too large to read (${size} bytes)`);
    this.#content = keep ? Buffer.allocUnsafe(size) : null;
    this.#contentFill = 0;
    this.#contentLeft = size;
    this.#paddingLeft = (BLOCK - (size % BLOCK)) % BLOCK;
    if (size === 0) this.#finishContent();
  }

  #finishContent(): void {
    const entry = this.#entry!;
    const content = this.#content;
    this.#content = null;
    this.#entry = null;
    switch (this.#meta) {
      case 'longname':
        this.#nextPath = content!.toString('utf8').replace(/\0+$/, '');
        break;
      case 'longlink':
        this.#nextLink = content!.toString('utf8').replace(/\0+$/, '');
        break;
      case 'pax': {
        const records = paxRecords(content!);
        const path = records.get('path');
        const link = records.get('linkpath');
        const size = records.get('size');
        if (path !== undefined) this.#nextPath = path;
        if (link !== undefined) this.#nextLink = link;
        if (size !== undefined && /^\d+$/.test(size)) this.#nextSize = Number(size);
        break;
      }
      case 'paxglobal':
        break;
      default:
        this.#onEntry(entry, content);
    }
    this.#meta = null;
  }
}

/**
 * A msgpack decoder for the shapes journal payloads are made of (maps with string keys, arrays,
 * strings, numbers, booleans, nil, bin), tuned for replay: it decodes the envelope array straight
 * into an Envelope and remembers short strings (event types, keys, repository names, media types)
 * by their bytes, so a repeated string costs a compare instead of a UTF-8 decode and an allocation.
 *
 * Anything outside that subset (ext types such as Date or undefined, 64-bit integers, non-string
 * map keys) makes it throw `UNSUPPORTED`, and the caller decodes the payload with msgpackr, so the
 * result is always what msgpackr (`useRecords: false`, `copyBuffers: true`) would return.
 */
import type { Envelope } from './envelope.ts';

export const UNSUPPORTED = new Error('msgpack value outside the fast subset');

interface Utf8Buffer extends Buffer {
  utf8Slice(start: number, end: number): string;
}

let src: Utf8Buffer;
let pos = 0;
let end = 0;
let view: DataView;
let viewOf: Buffer | undefined;

function setSource(buf: Buffer, start: number, stop: number): void {
  src = buf as Utf8Buffer;
  pos = start;
  end = stop;
  if (viewOf !== buf) {
    view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    viewOf = buf;
  }
}

function finish(): void {
  if (pos !== end) throw new Error(pos > end ? 'unexpected end of msgpack data' : 'trailing bytes after msgpack value');
}

/** Decodes buf[start, stop) as one msgpack value. */
export function fastUnpack(buf: Buffer, start: number, stop: number): unknown {
  setSource(buf, start, stop);
  const value = read();
  finish();
  return value;
}

/** Decodes a `[seq, type, v, time, data]` payload; throws when it has another shape. */
export function fastDecodeEnvelope(buf: Buffer, start: number, stop: number): Envelope {
  setSource(buf, start, stop);
  if (src[pos++] !== 0x95) throw new Error('frame payload is not a [seq, type, v, time, data] array');
  const seq = read();
  const type = read();
  const v = read();
  const time = read();
  const data = read();
  finish();
  if (typeof seq !== 'number' || typeof type !== 'string' || typeof v !== 'number' || typeof time !== 'number') {
    throw new Error('frame payload is not a [seq, type, v, time, data] array');
  }
  return { seq, type, v, time, data };
}

function need(n: number): number {
  const at = pos;
  pos += n;
  if (pos > end) throw new Error('unexpected end of msgpack data');
  return at;
}

function read(): unknown {
  if (pos >= end) throw new Error('unexpected end of msgpack data');
  const t = src[pos++]!;
  if (t < 0x80) return t;
  if (t < 0x90) return readMap(t & 0x0f);
  if (t < 0xa0) return readArray(t & 0x0f);
  if (t < 0xc0) return readStr(t & 0x1f);
  if (t >= 0xe0) return t - 0x100;
  switch (t) {
    case 0xc0:
      return null;
    case 0xc2:
      return false;
    case 0xc3:
      return true;
    case 0xc4:
      return readBin(src[need(1)]!);
    case 0xc5:
      return readBin(view.getUint16(need(2)));
    case 0xc6:
      return readBin(view.getUint32(need(4)));
    case 0xca:
      return view.getFloat32(need(4));
    case 0xcb:
      return view.getFloat64(need(8));
    case 0xcc:
      return src[need(1)]!;
    case 0xcd:
      return view.getUint16(need(2));
    case 0xce:
      return view.getUint32(need(4));
    case 0xd0:
      return view.getInt8(need(1));
    case 0xd1:
      return view.getInt16(need(2));
    case 0xd2:
      return view.getInt32(need(4));
    case 0xd9:
      return readStr(src[need(1)]!);
    case 0xda:
      return readStr(view.getUint16(need(2)));
    case 0xdb:
      return readStr(view.getUint32(need(4)));
    case 0xdc:
      return readArray(view.getUint16(need(2)));
    case 0xdd:
      return readArray(view.getUint32(need(4)));
    case 0xde:
      return readMap(view.getUint16(need(2)));
    case 0xdf:
      return readMap(view.getUint32(need(4)));
    default:
      throw UNSUPPORTED;
  }
}

function readBin(len: number): Buffer {
  const at = need(len);
  return Buffer.from(src.subarray(at, pos));
}

function readArray(n: number): unknown[] {
  if (n > end - pos) throw new Error('unexpected end of msgpack data');
  const a = new Array<unknown>(n);
  for (let i = 0; i < n; i++) a[i] = read();
  return a;
}

function readMap(n: number): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) {
    const t = src[pos];
    let key: unknown;
    if (t !== undefined && t >= 0xa0 && t < 0xc0) {
      pos++;
      key = readKey(t & 0x1f);
    } else key = read();
    if (typeof key !== 'string' || key === '__proto__') throw UNSUPPORTED;
    o[key] = read();
  }
  return o;
}

/**
 * Direct-mapped cache of short strings: slot = hash(bytes); the slot keeps a copy of the bytes
 * (in one arena, no allocation per entry) and the decoded string.
 */
const SLOTS = 4096;
const MAX_CACHED = 64;
const arena = new Uint8Array(SLOTS * MAX_CACHED);
const lens = new Int32Array(SLOTS).fill(-1);
const strs: string[] = new Array<string>(SLOTS).fill('');

function readStr(len: number): string {
  const at = need(len);
  const b = src;
  const stop = pos;
  if (len > MAX_CACHED) return b.utf8Slice(at, stop);
  let h = len;
  for (let i = at; i < stop; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  const slot = (h ^ (h >>> 15)) & (SLOTS - 1);
  const base = slot * MAX_CACHED - at;
  const a = arena;
  if (lens[slot] === len) {
    let i = at;
    while (i < stop && a[base + i] === b[i]) i++;
    if (i === stop) return strs[slot]!;
  }
  const str = b.utf8Slice(at, stop);
  for (let i = at; i < stop; i++) a[base + i] = b[i]!;
  lens[slot] = len;
  strs[slot] = str;
  return str;
}

/** Map keys: a separate small cache whose strings are internalized (see below). */
const keyArena = new Uint8Array(1024 * 32);
const keyLens = new Int32Array(1024).fill(-1);
const keyStrs: string[] = new Array<string>(1024).fill('');

function readKey(len: number): string {
  const at = need(len);
  const b = src;
  const stop = pos;
  let h = len;
  for (let i = at; i < stop; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  const slot = (h ^ (h >>> 15)) & 1023;
  const base = slot * 32 - at;
  const a = keyArena;
  if (keyLens[slot] === len) {
    let i = at;
    while (i < stop && a[base + i] === b[i]) i++;
    if (i === stop) return keyStrs[slot]!;
  }
  const str = len > 32 ? b.utf8Slice(at, stop) : internalize(b.utf8Slice(at, stop));
  if (len > 32) return str;
  for (let i = at; i < stop; i++) a[base + i] = b[i]!;
  keyLens[slot] = len;
  keyStrs[slot] = str;
  return str;
}

/**
 * The engine's canonical copy of a string: a property key comes back internalized, so later
 * `o[key] = ...` stores (and comparisons) with the cached key skip the string-table lookup.
 */
function internalize(s: string): string {
  const probe: Record<string, 0> = {};
  probe[s] = 0;
  for (const k in probe) return k;
  return s;
}

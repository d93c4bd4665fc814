/**
 * A msgpack decoder for the shapes journal payloads are made of (maps with string keys, arrays,
 * strings, numbers, booleans, nil, bin), tuned for replay: it decodes the envelope array straight
 * into an Envelope and remembers short strings (event types, keys, repository names, media types)
 * by their bytes, so a repeated string costs a compare instead of a UTF-8 decode and an allocation.
 *
 * Anything outside that subset (ext types such as Date or undefined, 64-bit integers, non-string
 * map keys) makes it throw `UNSUPPORTED`, and the caller decodes the payload with msgpackr, so the
 * result is always what msgpackr (`useRecords: false`, `copyBuffers: true`) would return.
 *
 * It is over 400 lines because it is one decoder: its readers share the module-level cursor
 * (`src`, `pos`, `end`) and caches, which is what makes replay fast; split into files they would
 * need that state passed around or exported, at a cost on every value decoded.
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
  depth = 0;
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
  const e = readEnvelope();
  finish();
  return e;
}

/**
 * Decodes a frame payload, a batch (`dd <u32 count>` + envelopes) or one bare envelope, into
 * out[0, n) (entries past n are left as they were); returns n. Throws when the payload has another shape.
 */
export function fastDecodeFrame(buf: Buffer, start: number, stop: number, out: Envelope[]): number {
  setSource(buf, start, stop);
  if (src[pos] === 0x95) {
    out[0] = readEnvelope();
    finish();
    return 1;
  }
  if (src[pos] !== 0xdd) throw new Error('frame payload is neither a batch nor an envelope');
  const n = view.getUint32(need(5) + 1);
  if (n === 0) throw new Error('frame payload is an empty batch');
  if (n > end - pos) throw new Error('unexpected end of msgpack data');
  for (let i = 0; i < n; i++) out[i] = readEnvelope();
  finish();
  return n;
}

function readEnvelope(): Envelope {
  if (src[pos++] !== 0x95) throw new Error('frame payload is not a [seq, type, v, time, data] array');
  const seq = read();
  // Event types go through the key cache: internalized strings make the
  // lookups by type in the decider and evolver tables cheap (their hashes are cached).
  const t = src[pos];
  let type: unknown;
  if (t !== undefined && t >= 0xa0 && t <= 0xbf) {
    pos++;
    type = readKey(t & 0x1f);
  } else type = read();
  const v = read();
  const time = read();
  const data = read();
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

function nextKey(): string {
  const t = src[pos];
  let key: unknown;
  if (t !== undefined && t >= 0xa0 && t < 0xc0) {
    pos++;
    key = readKey(t & 0x1f);
  } else key = read();
  if (typeof key !== 'string' || key === '__proto__') throw UNSUPPORTED;
  return key;
}

/**
 * Maps are built by a factory per key sequence ("shape"): an object literal with fixed keys is
 * created by V8 in one step with its final hidden class, where assigning key by key walks the
 * transition tree with a megamorphic keyed store for each property. Shapes are remembered by
 * first key and key count, a few per pair (events of different types share first keys such as
 * `account` or `uploadId`, and often their count too); a factory is made the second time a key
 * sequence is seen, so maps with ever-changing keys do not compile functions.
 */
interface Shape {
  keys: string[];
  make: ((v: unknown[]) => Record<string, unknown>) | undefined;
  /** the keys as msgpackr writes them (fixstr), back to back; key i is enc[ends[i - 1], ends[i]) */
  enc: Uint8Array | undefined;
  encView: DataView | undefined;
  ends: Int32Array | undefined;
}
const MAX_SHAPE_KEYS = 24;
/** Shapes a (first key, key count) pair keeps, most recently added first. */
const SHAPES_PER_PAIR = 4;
/** first key -> shapes by key count */
const shapes = new Map<string, (Shape[] | undefined)[]>();
let shapeCount = 0;
/** Value arrays for maps being read, one per nesting depth (reset with the source). */
const scratch: unknown[][] = [];
let depth = 0;

function readMap(n: number): Record<string, unknown> {
  if (n === 0) return {};
  if (n > MAX_SHAPE_KEYS) return readMapByKeys(n);
  const first = nextKey();
  const vals = (scratch[depth] ??= new Array<unknown>(MAX_SHAPE_KEYS));
  depth++;
  vals[0] = read();
  const candidates = shapes.get(first)?.[n];
  let shape = candidates?.[0];
  if (shape === undefined) return finishMap(first, [first], vals, 1, n);
  for (let i = 1; i < n; i++) {
    // the key's bytes as the shape expects them: no decode, no cache lookup
    if (shape.ends === undefined || !skipKey(shape.enc!, shape.encView!, shape.ends[i - 1]!, shape.ends[i]!)) {
      const key = nextKey();
      if (key !== shape.keys[i]) {
        const other = otherShape(candidates!, shape.keys, i, key);
        if (other === undefined) {
          const names = shape.keys.slice(0, i);
          names.push(key);
          vals[i] = read();
          return finishMap(first, names, vals, i + 1, n);
        }
        shape = other;
      }
    }
    vals[i] = read();
  }
  depth--;
  if (shape.make === undefined) {
    shape.make = makeFactory(shape.keys);
    encodeKeys(shape);
  }
  return shape.make(vals);
}

/** A shape among `candidates` whose keys start with keys[0, i) then `key`. */
function otherShape(candidates: Shape[], keys: string[], i: number, key: string): Shape | undefined {
  search: for (const c of candidates) {
    if (c.keys[i] !== key) continue;
    for (let k = 1; k < i; k++) if (c.keys[k] !== keys[k]) continue search;
    return c;
  }
  return undefined;
}

/** Reads the rest of a map whose first `i` keys are in `names` (values in `vals`), then remembers its shape. */
function finishMap(first: string, names: string[], vals: unknown[], i: number, n: number): Record<string, unknown> {
  for (; i < n; i++) {
    names.push(nextKey());
    vals[i] = read();
  }
  depth--;
  if (shapeCount > 4096) {
    shapes.clear();
    shapeCount = 0;
  }
  let byCount = shapes.get(first);
  if (byCount === undefined) shapes.set(first, (byCount = []));
  const list = (byCount[n] ??= []);
  list.unshift({ keys: names, make: undefined, enc: undefined, encView: undefined, ends: undefined });
  if (list.length > SHAPES_PER_PAIR) list.pop();
  else shapeCount++;
  const o: Record<string, unknown> = {};
  for (let k = 0; k < n; k++) o[names[k]!] = vals[k];
  return o;
}

/** If the bytes at pos equal enc[from, to), skips them and returns true. */
function skipKey(enc: Uint8Array, ev: DataView, from: number, to: number): boolean {
  const len = to - from;
  if (pos + len > end) return false;
  if (len >= 4) {
    const v = view;
    let i = 0;
    while (i < len - 4 && ev.getInt32(from + i) === v.getInt32(pos + i)) i += 4;
    if (i < len - 4 || ev.getInt32(to - 4) !== v.getInt32(pos + len - 4)) return false;
  } else {
    for (let i = 0; i < len; i++) if (enc[from + i] !== src[pos + i]) return false;
  }
  pos += len;
  return true;
}

/** Fills a shape's `enc`/`ends` with its keys (after the first) as fixstr; left empty when a key is too long. */
function encodeKeys(shape: Shape): void {
  const parts = shape.keys.slice(1).map((k) => Buffer.from(k, 'utf8'));
  if (parts.some((p) => p.length > 31)) return;
  const enc = new Uint8Array(parts.reduce((sum, p) => sum + 1 + p.length, 0));
  const ends = new Int32Array(shape.keys.length);
  let at = 0;
  parts.forEach((p, i) => {
    enc[at] = 0xa0 | p.length;
    enc.set(p, at + 1);
    at += 1 + p.length;
    ends[i + 1] = at;
  });
  shape.enc = enc;
  shape.encView = new DataView(enc.buffer);
  shape.ends = ends;
}

function readMapByKeys(n: number): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) {
    const key = nextKey();
    o[key] = read();
  }
  return o;
}

function makeFactory(keys: string[]): (v: unknown[]) => Record<string, unknown> {
  // Keys are written as JSON string literals; '__proto__' never gets here (see nextKey).
  const body = `return {${keys.map((k, i) => `${JSON.stringify(k)}: v[${i}]`).join(', ')}};`;
  return new Function('v', body) as (v: unknown[]) => Record<string, unknown>;
}

/**
 * Strings of 4 to MAX_CACHED bytes (event types, repository names, media types, digests) go
 * through a direct-mapped cache: slot = hash(length, first and last 8 bytes); the slot keeps a copy
 * of the bytes (in one arena, no allocation per entry) and the decoded string, compared 4 bytes at a
 * time. A hit returns the same string object, which also keeps its hash for Map lookups in
 * projections. Short ASCII strings that miss (and strings under 4 bytes) are decoded in JS, with no
 * call into the runtime.
 */
const SHORT = 16;
const SLOTS = 4096;
const MAX_CACHED = 96;
const arena = new Uint8Array(SLOTS * MAX_CACHED);
const arenaView = new DataView(arena.buffer);
const lens = new Int32Array(SLOTS).fill(-1);
const strs: string[] = new Array<string>(SLOTS).fill('');

function readStr(len: number): string {
  const at = need(len);
  const b = src;
  const stop = pos;
  if (len < 4) return len === 0 ? '' : jsStr(at, len);
  if (len > MAX_CACHED) return b.utf8Slice(at, stop);
  const v = view;
  const w3 = v.getInt32(stop - 4);
  let h = Math.imul(len ^ v.getInt32(at), 0x01000193);
  h = Math.imul(h ^ w3, 0x01000193);
  if (len >= 8) {
    h = Math.imul(h ^ v.getInt32(at + 4), 0x01000193);
    h = Math.imul(h ^ v.getInt32(stop - 8), 0x01000193);
  }
  const slot = (h ^ (h >>> 15)) & (SLOTS - 1);
  const base = slot * MAX_CACHED;
  if (lens[slot] === len) {
    const av = arenaView;
    let i = 0;
    while (i < len - 4 && av.getInt32(base + i) === v.getInt32(at + i)) i += 4;
    if (i >= len - 4 && av.getInt32(base + len - 4) === w3) return strs[slot]!;
  }
  const str = len <= SHORT ? jsStr(at, len) : b.utf8Slice(at, stop);
  // copied 4 bytes at a time, the last word overlapping (len >= 4)
  const av = arenaView;
  for (let i = 0; i < len - 4; i += 4) av.setInt32(base + i, v.getInt32(at + i));
  av.setInt32(base + len - 4, w3);
  lens[slot] = len;
  strs[slot] = str;
  return str;
}

/** src[at, at + len) as a string: ASCII decoded in JS, anything else by the runtime's UTF-8 decoder. */
function jsStr(at: number, len: number): string {
  const b = src;
  let bits = 0;
  for (let i = at; i < at + len; i++) bits |= b[i]!;
  if (bits >= 0x80) return b.utf8Slice(at, at + len);
  const f = String.fromCharCode;
  switch (len) {
    case 1:
      return f(b[at]!);
    case 2:
      return f(b[at]!, b[at + 1]!);
    case 3:
      return f(b[at]!, b[at + 1]!, b[at + 2]!);
    case 4:
      return f(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!);
    case 5:
      return f(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!, b[at + 4]!);
    case 6:
      return f(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!, b[at + 4]!, b[at + 5]!);
    case 7:
      return f(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!, b[at + 4]!, b[at + 5]!, b[at + 6]!);
    case 8:
      return f(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!, b[at + 4]!, b[at + 5]!, b[at + 6]!, b[at + 7]!);
    default:
      // 13 characters or more joined by `+` make a rope (ConsString), which the first Map lookup
      // flattens into a second string: tags such as `build-0001234-5` are made flat in one call
      if (len >= 13 && len <= SHORT) return fromCodes(at, len);
      return f(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!, b[at + 4]!, b[at + 5]!, b[at + 6]!, b[at + 7]!) + jsStr(at + 8, len - 8);
  }
}

/** One reused array of char codes per length up to SHORT. */
const CODES = Array.from({ length: SHORT + 1 }, (_, n) => new Array<number>(n).fill(0));

/** src[at, at + len) (ASCII, len <= SHORT) as a flat string, made by one String.fromCharCode call. */
function fromCodes(at: number, len: number): string {
  const codes = CODES[len]!;
  for (let i = 0; i < len; i++) codes[i] = src[at + i]!;
  return String.fromCharCode.apply(null, codes);
}

/** Map keys: a separate small cache whose strings are internalized (see below), read like readStr. */
const KEY_SLOTS = 1024;
const MAX_KEY = 32;
const keyArena = new Uint8Array(KEY_SLOTS * MAX_KEY);
const keyArenaView = new DataView(keyArena.buffer);
const keyLens = new Int32Array(KEY_SLOTS).fill(-1);
const keyStrs: string[] = new Array<string>(KEY_SLOTS).fill('');

function readKey(len: number): string {
  const at = need(len);
  const b = src;
  const stop = pos;
  if (len > MAX_KEY) return b.utf8Slice(at, stop);
  let slot: number;
  if (len >= 4) {
    const v = view;
    const w1 = v.getInt32(stop - 4);
    const h = Math.imul(Math.imul(len ^ v.getInt32(at), 0x01000193) ^ w1, 0x01000193);
    slot = (h ^ (h >>> 15)) & (KEY_SLOTS - 1);
    if (keyLens[slot] === len) {
      const base = slot * MAX_KEY;
      const av = keyArenaView;
      let i = 0;
      while (i < len - 4 && av.getInt32(base + i) === v.getInt32(at + i)) i += 4;
      if (i >= len - 4 && av.getInt32(base + len - 4) === w1) return keyStrs[slot]!;
    }
  } else {
    let h = len;
    for (let i = at; i < stop; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
    slot = (h ^ (h >>> 15)) & (KEY_SLOTS - 1);
    if (keyLens[slot] === len) {
      const base = slot * MAX_KEY - at;
      let i = at;
      while (i < stop && keyArena[base + i] === b[i]) i++;
      if (i === stop) return keyStrs[slot]!;
    }
  }
  const str = internalize(len === 0 ? '' : b.utf8Slice(at, stop));
  const base = slot * MAX_KEY;
  for (let i = 0; i < len; i++) keyArena[base + i] = b[at + i]!;
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

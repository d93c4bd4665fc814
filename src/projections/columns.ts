/**
 * Columns of a checkpoint form: arrays of numbers stored as one msgpack bin each (little-endian
 * u8, u32, i32 or f64 values back to back), and lists of strings stored as one string and a u32
 * column of their lengths (in UTF-16 code units, as JavaScript counts them). A checkpoint of
 * 100,000 images holds millions of numbers and strings; one msgpack value per column instead of
 * one per number or string is what makes it decode in a fraction of the time.
 *
 * Decoding copies a numeric column into an aligned typed array of its own (the bin may sit at
 * any offset of the checkpoint's buffer); strings are slices of the one decoded string, made when first asked for (TextList).
 */
import { endianness } from 'node:os';

const LITTLE = endianness() === 'LE';

type NumberArray = Uint8Array | Uint32Array | Int32Array | Float64Array;
type NumberArrayType = { new (n: number): NumberArray; readonly BYTES_PER_ELEMENT: number };

/** Swaps the bytes of each element (on a big-endian host, where the stored form stays little-endian). */
function swapped(bytes: Uint8Array, width: number): Uint8Array {
  if (width === 1) return bytes;
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += width) for (let k = 0; k < width; k++) out[i + k] = bytes[i + width - 1 - k]!;
  return out;
}

function toBin(a: NumberArray): Buffer {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  return Buffer.from(LITTLE ? bytes : swapped(bytes, a.BYTES_PER_ELEMENT));
}

function fromBin<T extends NumberArray>(Type: NumberArrayType, bin: Uint8Array, what: string): T {
  const width = Type.BYTES_PER_ELEMENT;
  if (!(bin instanceof Uint8Array) || bin.byteLength % width !== 0) throw new Error(`column ${what} is not a bin of ${width}-byte values`);
  const out = new Type(bin.byteLength / width);
  new Uint8Array(out.buffer).set(LITTLE ? bin : swapped(bin, width));
  return out as T;
}

export const u8Column = (values: ArrayLike<number>): Buffer => toBin(Uint8Array.from(values));
export const u32Column = (values: ArrayLike<number>): Buffer => toBin(Uint32Array.from(values));
export const i32Column = (values: ArrayLike<number>): Buffer => toBin(Int32Array.from(values));
export const f64Column = (values: ArrayLike<number>): Buffer => toBin(Float64Array.from(values));

export const readU8 = (bin: Uint8Array, what: string): Uint8Array => fromBin(Uint8Array, bin, what);
export const readU32 = (bin: Uint8Array, what: string): Uint32Array => fromBin(Uint32Array, bin, what);
export const readI32 = (bin: Uint8Array, what: string): Int32Array => fromBin(Int32Array, bin, what);
export const readF64 = (bin: Uint8Array, what: string): Float64Array => fromBin(Float64Array, bin, what);

/** A list of strings as [all of them joined, u32 column of their lengths]. */
export type TextColumn = [string, Buffer];

export function textColumn(strings: readonly string[]): TextColumn {
  const lengths = new Uint32Array(strings.length);
  for (let i = 0; i < strings.length; i++) lengths[i] = strings[i]!.length;
  return [strings.join(''), toBin(lengths)];
}

/**
 * A text column read on demand: string i is sliced the first time it is asked for, and the same
 * string object is returned after that (Map keys keep their hash). A start from a checkpoint of
 * 100,000 images asks for few of its 500,000 digests.
 */
export class TextList {
  readonly #text: string;
  readonly #ends: Uint32Array;
  readonly #made: (string | undefined)[];

  constructor(column: unknown, what: string) {
    if (!Array.isArray(column) || typeof column[0] !== 'string') throw new Error(`column ${what} is not [text, lengths]`);
    this.#text = column[0] as string;
    const lengths = readU32(column[1] as Uint8Array, what);
    const ends = new Uint32Array(lengths.length);
    let at = 0;
    for (let i = 0; i < lengths.length; i++) ends[i] = at += lengths[i]!;
    if (at !== this.#text.length) throw new Error(`column ${what}: its lengths do not add up to its text`);
    this.#ends = ends;
    this.#made = new Array<string | undefined>(lengths.length);
  }

  get length(): number {
    return this.#ends.length;
  }

  /** String i (0 <= i < length). */
  at(i: number): string {
    const made = this.#made[i];
    if (made !== undefined) return made;
    if (!(i >= 0 && i < this.#ends.length)) throw new RangeError(`text column index ${i} out of range`);
    const s = this.#text.slice(i === 0 ? 0 : this.#ends[i - 1]!, this.#ends[i]!);
    this.#made[i] = s;
    return s;
  }
}

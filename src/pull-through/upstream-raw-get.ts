/**
 * A GET over plain HTTP/1.1 (a loopback mirror, `--upstream NAME=http://...`) whose body is read
 * straight from the socket into reused memory (net's `onread`): into four reused 256 KiB buffers,
 * handed on as lent chunks (support/lent-chunks.ts), or, when the reader asks for it (`FILLS`:
 * the staging of an upstream's blob, write-body.ts), into the reader's own batch buffers, so the
 * bytes are not copied again on the event loop. node:http reads a socket through a fresh 64 KiB
 * buffer per read: 64 MiB of short-lived buffers per 64 MiB layer, and with the registry's heap
 * in place that costs several full collections (measured: ~200 ms of CPU per 64 MiB cold pull here).
 *
 * Only what a registry's blob answer needs: the status, the headers, and a body framed by
 * Content-Length (or by the end of the connection). An answer this reader does not handle (a
 * chunked body, an informational status) is reported as `unsupported`: the caller asks again
 * through node:http. One connection per request (`Connection: close`).
 */
import { connect, type Socket } from 'node:net';
import { FILLS, LENT, type LentChunks } from '../support/lent-chunks.ts';

/** Bytes of each read buffer, and how many there are (a socket reads into the next free one). */
const REGION = 256 * 1024;
const REGIONS = 4;
/** Full batches read ahead of a reader that has them filled (FILLS) before the socket pauses. */
const FILLED_AHEAD = 2;
/** The most header bytes accepted. */
const MAX_HEAD = 64 * 1024;

export interface RawAnswer {
  status: number;
  /** A header's value (lower-case name; repeated headers joined by ", "). */
  header(name: string): string | undefined;
  /** The body, its chunks lent; read it once, or call discard(). */
  body: LentChunks;
  /** Closes the connection without reading the body. */
  discard(): void;
}

type Parsed = { status: number; headers: Map<string, string>; bodyAt: number } | 'unsupported' | undefined;

function parseHead(head: Buffer): Parsed {
  const end = head.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const lines = head.toString('latin1', 0, end).split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
  if (!m) throw new Error(`the upstream's answer does not start with an HTTP/1.x status line`);
  const status = Number(m[1]);
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const had = headers.get(name);
    headers.set(name, had === undefined ? value : `${had}, ${value}`);
  }
  if (status < 200 || headers.has('transfer-encoding')) return 'unsupported';
  return { status, headers, bodyAt: end + 4 };
}

/** A reader's batch buffers being filled (FILLS): the one the socket reads into, and its bytes of body so far. */
interface Filling {
  take: () => Uint8Array;
  give: (b: Uint8Array) => void;
  into: Uint8Array | undefined;
  filled: number;
}

/**
 * One GET on its own connection: the socket reads into `regions` and the body's reader takes the
 * chunks in order; or, once the reader asked to have its buffers filled, into those buffers.
 */
class RawGet {
  readonly #regions = Array.from({ length: REGIONS }, () => Buffer.allocUnsafeSlow(REGION));
  #next = 0;
  /** Chunks read and not yet asked for (lent); when filling, the full buffers not yet yielded. */
  readonly #queue: Uint8Array[] = [];
  /** Whether the reader holds a chunk (lent until it asks for the next). */
  #held = false;
  #filling: Filling | undefined;
  /** Whether the body is being read (iterated or filled): it is read once. */
  #reading = false;
  /** Header bytes so far; undefined once the headers are parsed. */
  #head: Buffer | undefined = Buffer.alloc(0);
  #remaining = Infinity;
  #ended = false;
  #failure: Error | undefined;
  #paused = false;
  #wake: (() => void) | undefined;
  readonly #socket: Socket;
  readonly answer: Promise<RawAnswer | 'unsupported'>;
  #answered!: (a: RawAnswer | 'unsupported') => void;
  #refused!: (err: Error) => void;

  constructor(url: URL, authorization: string | undefined) {
    this.answer = new Promise((resolve, reject) => {
      this.#answered = resolve;
      this.#refused = reject;
    });
    this.#socket = connect({
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: Number(url.port || 80),
      onread: { buffer: () => this.#target(), callback: (n: number, buf: Buffer) => this.#onRead(n, buf) },
    });
    this.#socket.on('error', (err) => this.#finish(err));
    this.#socket.on('end', () =>
      this.#finish(
        this.#remaining === Infinity ? undefined : new Error(`the upstream closed the connection ${this.#remaining} bytes short`),
      ),
    );
    this.#socket.on('close', () =>
      this.#finish(
        this.#remaining === Infinity || this.#remaining === 0 ? undefined : new Error('the connection to the upstream was closed'),
      ),
    );
    this.#socket.resume();
    const auth = authorization ? `Authorization: ${authorization}\r\n` : '';
    this.#socket.write(`GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nAccept: */*\r\n${auth}Connection: close\r\n\r\n`);
  }

  /** Where the socket reads next: the free end of the buffer being filled, or the next region. */
  #target(): Uint8Array {
    const into = this.#filling?.into;
    return into === undefined ? this.#regions[this.#next]! : into.subarray(this.#filling!.filled);
  }

  /** The socket read `n` bytes into `buf` (what #target gave); false pauses it (the reader is behind). */
  #onRead(n: number, buf: Buffer): boolean {
    const filling = this.#filling;
    if (filling?.into !== undefined && buf.buffer === filling.into.buffer) this.#filled(filling, n);
    else {
      // a region: its bytes are copied when filling (the read that was set up before the reader asked)
      this.#next = (this.#next + 1) % REGIONS;
      if (this.#head !== undefined) this.#onHead(buf.subarray(0, n));
      else if (!this.#ended) this.#take(buf.subarray(0, n));
    }
    this.#paused = !this.#ended && this.#behind();
    return !this.#paused;
  }

  /** Whether the reader is far enough behind for the socket to wait. */
  #behind(): boolean {
    if (this.#filling) return this.#queue.length >= FILLED_AHEAD;
    return this.#queue.length + (this.#held ? 1 : 0) >= REGIONS - 1;
  }

  #onHead(bytes: Uint8Array): void {
    const head = Buffer.concat([this.#head!, bytes]);
    this.#head = head;
    const parsed = parseHead(head);
    if (parsed === undefined) {
      if (head.length > MAX_HEAD) this.#finish(new Error(`the upstream's headers exceed ${MAX_HEAD} bytes`));
      return;
    }
    this.#head = undefined;
    if (parsed === 'unsupported') {
      this.#finish();
      this.#answered('unsupported');
      return;
    }
    const length = parsed.headers.get('content-length');
    if (length !== undefined) this.#remaining = Number(length);
    if (this.#remaining !== Infinity && !(Number.isSafeInteger(this.#remaining) && this.#remaining >= 0)) {
      this.#remaining = Infinity;
      this.#head = head;
      this.#finish(new Error(`the upstream's Content-Length ${length} is not a length`));
      return;
    }
    const body: LentChunks = {
      [LENT]: true,
      [Symbol.asyncIterator]: () => {
        this.#startReading();
        return { next: () => this.#read(), return: () => this.#return() };
      },
      [FILLS]: (take, give) => this.#startFilling(take, give),
    };
    this.#answered({ status: parsed.status, header: (name) => parsed.headers.get(name), body, discard: () => this.#finish() });
    // the body bytes that came with the headers are copied (`head` is a copy already)
    this.#take(head.subarray(parsed.bodyAt));
  }

  /** Bytes read into a region (or that came with the headers): queued as they are, or copied into the buffers being filled. */
  #take(bytes: Uint8Array): void {
    const part = bytes.byteLength > this.#remaining ? bytes.subarray(0, this.#remaining) : bytes;
    this.#remaining -= part.byteLength;
    if (this.#filling) this.#copyIn(this.#filling, part);
    else if (part.byteLength > 0) this.#queue.push(part);
    if (this.#remaining === 0) this.#finish();
    this.#poke();
  }

  /** The socket read `n` bytes into the free end of `filling.into`. */
  #filled(filling: Filling, n: number): void {
    if (this.#ended) return;
    const part = Math.min(n, this.#remaining);
    this.#remaining -= part;
    filling.filled += part;
    if (filling.filled === filling.into!.byteLength) this.#yieldFull(filling);
    if (this.#remaining === 0) this.#finish();
    this.#poke();
  }

  #copyIn(filling: Filling, bytes: Uint8Array): void {
    for (let from = 0; from < bytes.byteLength; ) {
      filling.into ??= filling.take();
      const n = Math.min(bytes.byteLength - from, filling.into.byteLength - filling.filled);
      filling.into.set(bytes.subarray(from, from + n), filling.filled);
      filling.filled += n;
      from += n;
      if (filling.filled === filling.into.byteLength) this.#yieldFull(filling);
    }
  }

  /** The buffer being filled is full: queued for the reader, and the socket reads into a new one. */
  #yieldFull(filling: Filling): void {
    this.#queue.push(filling.into!);
    filling.into = this.#ended ? undefined : filling.take();
    filling.filled = 0;
  }

  #poke(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #finish(err?: Error): void {
    if (this.#ended) return;
    this.#ended = true;
    if (err) this.#failure = err;
    this.#socket.destroy();
    // the socket reads no more: the buffer it was filling is the reader's (the body's last bytes) or given back
    const filling = this.#filling;
    if (filling?.into !== undefined) {
      if (err === undefined && filling.filled > 0) this.#queue.push(filling.into.subarray(0, filling.filled));
      else filling.give(filling.into);
      filling.into = undefined;
    }
    if (this.#head !== undefined) this.#refused(err ?? new Error('the upstream closed the connection before its answer'));
    this.#poke();
  }

  #startReading(): void {
    if (this.#reading) throw new Error("the upstream's body is read once");
    this.#reading = true;
  }

  /** Fills the reader's buffers from here on: the chunks already read are copied into the first. */
  #startFilling(take: () => Uint8Array, give: (b: Uint8Array) => void): AsyncIterator<Uint8Array> {
    this.#startReading();
    const filling: Filling = { take, give, into: undefined, filled: 0 };
    const queued = this.#queue.splice(0);
    this.#filling = filling;
    for (const c of queued) this.#copyIn(filling, c);
    if (!this.#ended) filling.into ??= take();
    else if (filling.into !== undefined) {
      // the whole body came before the reader asked: its last bytes are in the buffer filled last
      if (filling.filled > 0 && !this.#failure) this.#queue.push(filling.into.subarray(0, filling.filled));
      else give(filling.into);
      filling.into = undefined;
    }
    return { next: () => this.#read(), return: () => this.#return() };
  }

  async #read(): Promise<IteratorResult<Uint8Array>> {
    // the chunk lent before is given back: its region may be read into again
    this.#held = false;
    this.#resumeIfAhead();
    while (this.#queue.length === 0 || (this.#filling && this.#failure)) {
      if (this.#failure) {
        this.#giveQueued();
        throw this.#failure;
      }
      if (this.#ended) return { done: true, value: undefined };
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
    this.#held = this.#filling === undefined;
    const value = this.#queue.shift()!;
    this.#resumeIfAhead();
    return { done: false, value };
  }

  #resumeIfAhead(): void {
    if (this.#paused && !this.#ended && !this.#behind()) {
      this.#paused = false;
      this.#socket.resume();
    }
  }

  /** Filled buffers not yielded go back to the reader's pool (lent chunks are merely dropped). */
  #giveQueued(): void {
    const queued = this.#queue.splice(0);
    if (this.#filling) for (const b of queued) this.#filling.give(b);
  }

  async #return(): Promise<IteratorResult<Uint8Array>> {
    this.#held = false;
    this.#finish();
    this.#giveQueued();
    return { done: true, value: undefined };
  }
}

/**
 * Sends `GET url` (plain http) and resolves once the status and headers arrived; 'unsupported' when
 * the answer is not one this reader handles (nothing was read of its body). Rejects with the
 * socket's error when the upstream cannot be reached or closes before its headers.
 */
export function rawGet(url: URL, authorization: string | undefined): Promise<RawAnswer | 'unsupported'> {
  return new RawGet(url, authorization).answer;
}

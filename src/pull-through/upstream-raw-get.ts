/**
 * A GET over plain HTTP/1.1 (a loopback mirror, `--upstream NAME=http://...`) whose body is read
 * straight from the socket into four reused 256 KiB buffers (net's `onread`) and handed on as lent
 * chunks (support/lent-chunks.ts). node:http reads a socket through a fresh 64 KiB buffer per read:
 * 64 MiB of short-lived buffers per 64 MiB layer, and with the registry's heap in place that
 * costs several full collections (measured: ~200 ms of CPU per 64 MiB cold pull here).
 *
 * Only what a registry's blob answer needs: the status, the headers, and a body framed by
 * Content-Length (or by the end of the connection). An answer this reader does not handle (a
 * chunked body, an informational status) is reported as `unsupported`: the caller asks again
 * through node:http. One connection per request (`Connection: close`).
 */
import { connect, type Socket } from 'node:net';
import { LENT, type LentChunks } from '../support/lent-chunks.ts';

/** Bytes of each read buffer, and how many there are (a socket reads into the next free one). */
const REGION = 256 * 1024;
const REGIONS = 4;
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

/** One GET on its own connection: the socket reads into `regions`, the body's reader takes the chunks in order. */
class RawGet {
  readonly #regions = Array.from({ length: REGIONS }, () => Buffer.allocUnsafeSlow(REGION));
  #next = 0;
  /** Chunks read and not yet asked for. */
  readonly #queue: Uint8Array[] = [];
  /** Whether the reader holds a chunk (lent until it asks for the next). */
  #held = false;
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
      onread: { buffer: () => this.#regions[this.#next]!, callback: (n: number, buf: Buffer) => this.#onRead(buf.subarray(0, n)) },
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

  /** The socket read `bytes` into the current region; false pauses it (every other region holds bytes not yet given back). */
  #onRead(bytes: Buffer): boolean {
    this.#next = (this.#next + 1) % REGIONS;
    if (this.#head !== undefined) this.#onHead(bytes);
    else if (!this.#ended) this.#take(bytes);
    this.#paused = !this.#ended && this.#queue.length + (this.#held ? 1 : 0) >= REGIONS - 1;
    return !this.#paused;
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
    this.#answered({
      status: parsed.status,
      header: (name) => parsed.headers.get(name),
      body: { [LENT]: true, [Symbol.asyncIterator]: () => ({ next: () => this.#read(), return: () => this.#return() }) },
      discard: () => this.#finish(),
    });
    // the body bytes that came with the headers are copied (`head` is a copy already)
    this.#take(head.subarray(parsed.bodyAt));
  }

  #take(bytes: Uint8Array): void {
    const part = bytes.byteLength > this.#remaining ? bytes.subarray(0, this.#remaining) : bytes;
    if (part.byteLength > 0) this.#queue.push(part);
    this.#remaining -= part.byteLength;
    if (this.#remaining === 0) this.#finish();
    this.#poke();
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
    if (this.#head !== undefined) this.#refused(err ?? new Error('the upstream closed the connection before its answer'));
    this.#poke();
  }

  async #read(): Promise<IteratorResult<Uint8Array>> {
    // the chunk lent before is given back: its region may be read into again
    this.#held = false;
    if (this.#paused && this.#queue.length < REGIONS - 1) {
      this.#paused = false;
      this.#socket.resume();
    }
    while (this.#queue.length === 0) {
      if (this.#failure) throw this.#failure;
      if (this.#ended) return { done: true, value: undefined };
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
    this.#held = true;
    return { done: false, value: this.#queue.shift()! };
  }

  async #return(): Promise<IteratorResult<Uint8Array>> {
    this.#held = false;
    this.#queue.length = 0;
    this.#finish();
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

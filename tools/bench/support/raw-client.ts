/**
 * A lean HTTP/1.1 client for the registry benchmark's manifest requests (PUT, GET and HEAD) and its
 * large blob pulls (pullLarge, below): one keep-alive connection per request in flight, one request
 * at a time on it, answers framed by Content-Length (what both registries send for these requests;
 * anything else is an error here, never a wrong figure).
 *
 * Why not node:http: its client spends ~65 µs of CPU per request on this machine, as much as
 * ecr-rewind's server spends answering a manifest GET, and on 2 cores the client's CPU is taken
 * from the server being measured (a ratio then measures the client as much as the servers). The
 * registry clients that pull and push manifests (docker, containerd, crane, skopeo: Go) spend far
 * less per request. Both servers are measured with this client alike. `--node-client` runs these
 * rows on node:http instead (registry-client.ts `call`).
 */
import { connect, type Socket } from 'node:net';
import { type Answer, MiB, pool, type Target } from './registry-client.ts';

const HEAD_END = Buffer.from('\r\n\r\n');

interface Pending {
  head: boolean;
  resolve: (a: Answer) => void;
  reject: (err: Error) => void;
}

/** One keep-alive connection; `request` is not called again before its answer arrived. */
class Connection {
  readonly #socket: Socket;
  #buffered: Buffer = Buffer.alloc(0);
  #pending: Pending | undefined;
  /** Once the head is read: the answer so far and the body bytes still to come. */
  #answer: Answer | undefined;
  #remaining = 0;
  #failed: Error | undefined;

  /** `readBuffer`: bytes of one buffer every read of the socket lands in, reused (large answers); else a fresh Buffer per read. */
  constructor(url: URL, readBuffer?: number) {
    const at = { host: url.hostname, port: Number(url.port), noDelay: true };
    if (readBuffer === undefined) {
      this.#socket = connect(at);
      this.#socket.on('data', (chunk: Buffer) => this.#read(chunk));
    } else {
      const buffer = Buffer.allocUnsafe(readBuffer);
      // the buffer is read into again after the callback: #read copies what it keeps
      this.#socket = connect({
        ...at,
        onread: {
          buffer,
          callback: (n: number): boolean => {
            this.#read(buffer.subarray(0, n), true);
            return true;
          },
        },
      });
    }
    this.#socket.on('error', (err) => this.#fail(err));
    this.#socket.on('close', () => this.#fail(new Error('the server closed the connection')));
  }

  request(method: string, host: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<Answer> {
    if (this.#failed) return Promise.reject(this.#failed);
    let head = `${method} ${path} HTTP/1.1\r\nHost: ${host}\r\nContent-Length: ${body?.length ?? 0}\r\n`;
    for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
    head += '\r\n';
    return new Promise<Answer>((resolve, reject) => {
      this.#pending = { head: method === 'HEAD', resolve, reject };
      if (body && body.length > 0) this.#socket.write(Buffer.concat([Buffer.from(head, 'latin1'), body]));
      else this.#socket.write(head, 'latin1');
    });
  }

  /** Whether it can take no more requests (the server closed it, or an answer could not be read). */
  get broken(): boolean {
    return this.#failed !== undefined;
  }

  close(): void {
    this.#failed ??= new Error('closed');
    this.#socket.destroy();
  }

  /** `reused`: `chunk` is read into again once this returns (it is copied when kept). */
  #read(chunk: Buffer, reused = false): void {
    if (this.#answer) {
      this.#remaining -= chunk.length;
      this.#answer.bytes += chunk.length;
      if (this.#remaining <= 0) this.#done();
      return;
    }
    this.#buffered = this.#buffered.length === 0 ? (reused ? Buffer.from(chunk) : chunk) : Buffer.concat([this.#buffered, chunk]);
    const end = this.#buffered.indexOf(HEAD_END);
    if (end < 0) return;
    const lines = this.#buffered.toString('latin1', 0, end).split('\r\n');
    const rest = this.#buffered.length - end - 4;
    this.#buffered = Buffer.alloc(0);
    const status = Number(lines[0]?.split(' ')[1]);
    const headers: Record<string, string> = {};
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    if (headers['transfer-encoding'] !== undefined) {
      this.#fail(new Error('a chunked answer: this client reads Content-Length only'));
      return;
    }
    const length = this.#pending?.head || status === 204 || status === 304 ? 0 : Number(headers['content-length'] ?? 0);
    this.#answer = { status, headers, bytes: rest };
    this.#remaining = length - rest;
    if (this.#remaining <= 0) this.#done();
  }

  #done(): void {
    const answer = this.#answer!;
    this.#answer = undefined;
    if (this.#remaining < 0) {
      this.#fail(new Error('more bytes than the answer said'));
      return;
    }
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.resolve(answer);
  }

  #fail(err: Error): void {
    this.#failed ??= err;
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.reject(err);
  }
}

/** Connections to one target, lent to one request at a time (as many as requests in flight). */
export interface RawClient {
  call(method: string, path: string, body?: Buffer, headers?: Record<string, string>): Promise<Answer>;
  close(): void;
}

/** `readBuffer`: each connection reads into one reused buffer of that many bytes (large answers; Connection). */
export function rawClient(target: Target, readBuffer?: number): RawClient {
  const idle: Connection[] = [];
  const all: Connection[] = [];
  const host = target.url.host;
  return {
    async call(method, path, body, headers = {}) {
      let c = idle.pop();
      while (c?.broken) c = idle.pop();
      if (c === undefined) {
        c = new Connection(target.url, readBuffer);
        all.push(c);
      }
      const answer = await c.request(method, host, path, headers, body);
      idle.push(c);
      return answer;
    },
    close() {
      for (const c of all) c.close();
    },
  };
}

/** Who pulls the large blobs (printed with the table). */
export const largePullClient = 'this lean client, 4 keep-alive connections, each reading into one reused 4 MiB buffer';

/**
 * Pulls every blob of `digests` from `repo` `passes` times over (each pass in the same order), 4 at
 * a time; answers the seconds and the bytes received.
 *
 * The client is this one, each connection reading the socket into one 4 MiB buffer it reuses
 * (`onread`), so a 16 MiB pull costs it ~4 ms of CPU. It was curl (4 processes), which spent
 * 18-22 ms per 16 MiB pull here, 2-3 times what either server did: on 2 cores the row then
 * measured curl more than the servers, and both at half the speed they reach with this client
 * (~1,100 instead of ~2,200 MiB/s for ecr-rewind). node:http's client was dropped before that
 * for the same reason (it saturated its core at ~700 MB/s).
 */
export async function pullLarge(target: Target, repo: string, digests: string[], passes = 1): Promise<{ secs: number; bytes: number }> {
  const all = Array.from({ length: passes }, () => digests).flat();
  const client = rawClient(target, 4 * MiB);
  let bytes = 0;
  try {
    const secs = await pool(all.length, 4, async (i) => {
      const got = await client.call('GET', `/v2/${repo}/blobs/${all[i]}`);
      if (got.status !== 200) throw new Error(`GET blob: ${got.status}`);
      bytes += got.bytes; // after the await: `x += await f()` would lose concurrent updates
    });
    return { secs, bytes };
  } finally {
    client.close();
  }
}

/**
 * A lean HTTP/1.1 client for the registry benchmark's small requests (manifest PUT, GET and HEAD):
 * one keep-alive connection per request in flight, one request at a time on it, answers framed by
 * Content-Length (what both registries send for these requests; anything else is an error here,
 * never a wrong figure).
 *
 * Why not node:http: its client spends ~65 µs of CPU per request on this machine, as much as
 * ecr-rewind's server spends answering a manifest GET, and on 2 cores the client's CPU is taken
 * from the server being measured (a ratio then measures the client as much as the servers). The
 * registry clients that pull and push manifests (docker, containerd, crane, skopeo: Go) spend far
 * less per request. Both servers are measured with this client alike. `--node-client` runs these
 * rows on node:http instead (registry-client.ts `call`).
 */
import { connect, type Socket } from 'node:net';
import type { Answer, Target } from './registry-client.ts';

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

  constructor(url: URL) {
    this.#socket = connect({ host: url.hostname, port: Number(url.port), noDelay: true });
    this.#socket.on('data', (chunk: Buffer) => this.#read(chunk));
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

  #read(chunk: Buffer): void {
    if (this.#answer) {
      this.#remaining -= chunk.length;
      this.#answer.bytes += chunk.length;
      if (this.#remaining <= 0) this.#done();
      return;
    }
    this.#buffered = this.#buffered.length === 0 ? chunk : Buffer.concat([this.#buffered, chunk]);
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

export function rawClient(target: Target): RawClient {
  const idle: Connection[] = [];
  const all: Connection[] = [];
  const host = target.url.host;
  return {
    async call(method, path, body, headers = {}) {
      let c = idle.pop();
      while (c?.broken) c = idle.pop();
      if (c === undefined) {
        c = new Connection(target.url);
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

/**
 * The ceiling benchmark's minimal registries (ceiling.ts): only the bytes path of a blob push and
 * pull, with no journal, no state beyond a map of open uploads, no validation beyond the digest:
 *
 *   POST  /v2/<name>/blobs/uploads/          202, Location of a new upload
 *   PATCH /v2/<name>/blobs/uploads/<id>      body hashed (sha256) and written to uploads/<id> in
 *                                            1 MiB writes, fdatasync'ed (and uploads/ fsync'ed for a
 *                                            new file) before the 202, as ecr-rewind does
 *   PUT   /v2/<name>/blobs/uploads/<id>?digest=  digest checked, file renamed into blobs/,
 *                                            blobs/ fsync'ed, 201
 *   GET   /v2/<name>/blobs/<digest>          the file with its Content-Length, read in 4 MiB slices
 *
 * Two front ends over the same store: `http` (node:http, which copies every body fragment into a
 * fresh Buffer) and `net` (a raw socket with a hand-written HTTP/1.1 reader that reads request
 * bodies straight into the write batch: `onread` with a buffer generator, no allocation per read).
 * Not a registry: it exists to show what Node can reach on this machine for the same bytes.
 *
 *   node --import tsx minimal-registry.ts http|net <dir>   prints "READY <port>"
 */
import { createHash, type Hash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { type FileHandle, open, rename } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer, Socket as NetSocket, type Socket } from 'node:net';
import { join } from 'node:path';

const BATCH = 1024 * 1024;
const SEND = 4 * 1024 * 1024;
const [mode = 'http', root = '/tmp/minimal-registry'] = process.argv.slice(2);
const uploadsDir = join(root, 'uploads');
const blobsDir = join(root, 'blobs');
mkdirSync(uploadsDir, { recursive: true });
mkdirSync(blobsDir, { recursive: true });

interface Upload {
  hash: Hash;
  length: number;
}
const uploads = new Map<string, Upload>();
let nextId = 0;

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Batch buffers kept between uploads. */
const spare: Buffer[] = [];

/**
 * Gathers body bytes into 1 MiB batches, one written while the next fills: a full batch waits for
 * the write in flight (one at a time per file, as the calibration and ecr-rewind write), and the
 * caller is asked to wait meanwhile.
 */
class Sink {
  #last: Promise<void> = Promise.resolve();
  #pending = 0;
  #at: number;
  #buf = spare.pop() ?? Buffer.allocUnsafeSlow(BATCH);
  #filled = 0;
  constructor(
    readonly fh: FileHandle,
    at: number,
    readonly hash: Hash,
  ) {
    this.#at = at;
  }
  /** Hashes and copies a chunk in; answers a promise when the caller must wait before the next. */
  take(chunk: Uint8Array): Promise<void> | undefined {
    this.hash.update(chunk);
    for (let from = 0; from < chunk.byteLength; ) {
      const n = Math.min(chunk.byteLength - from, BATCH - this.#filled);
      this.#buf.set(n === chunk.byteLength ? chunk : chunk.subarray(from, from + n), this.#filled);
      this.#filled += n;
      from += n;
      if (this.#filled === BATCH) this.#start();
    }
    return this.#pending > 1 ? this.#last : undefined;
  }
  #start(): void {
    const buf = this.#buf;
    const n = this.#filled;
    const at = this.#at;
    this.#at += n;
    this.#buf = spare.pop() ?? Buffer.allocUnsafeSlow(BATCH);
    this.#filled = 0;
    this.#pending++;
    this.#last = this.#last.then(async () => {
      await this.fh.write(buf, 0, n, at);
      spare.push(buf);
      this.#pending--;
    });
  }
  async end(): Promise<void> {
    if (this.#filled > 0) this.#start();
    spare.push(this.#buf);
    await this.#last;
    await this.fh.datasync();
  }
}

/** The exchange a request path and method name; `body` feeds the request body to a sink. */
async function answer(
  method: string,
  path: string,
  body: (sink: Sink) => Promise<number>,
): Promise<{ status: number; headers: Record<string, string>; file?: { path: string; size: number } }> {
  const url = new URL(path, 'http://x');
  const m = /^\/v2\/(.+)\/blobs\/(uploads\/([^/]*)|([^/]+))$/.exec(url.pathname);
  if (!m) return { status: 404, headers: {} };
  const [, name, , id, digest] = m;
  const location = (uid: string): string => `/v2/${name}/blobs/uploads/${uid}`;
  if (method === 'POST' && id === '') {
    const uid = String(nextId++);
    uploads.set(uid, { hash: createHash('sha256'), length: 0 });
    return { status: 202, headers: { location: location(uid), range: '0-0' } };
  }
  if (method === 'PATCH' && id) {
    const up = uploads.get(id);
    if (!up) return { status: 404, headers: {} };
    const file = join(uploadsDir, id);
    const fh = await open(file, up.length === 0 ? 'w' : 'r+');
    try {
      const n = await body(new Sink(fh, up.length, up.hash));
      if (up.length === 0) await syncDir(uploadsDir);
      up.length += n;
    } finally {
      await fh.close();
    }
    return { status: 202, headers: { location: location(id), range: `0-${up.length - 1}` } };
  }
  if (method === 'PUT' && id) {
    const up = uploads.get(id);
    const want = url.searchParams.get('digest') ?? '';
    if (!up || want !== `sha256:${up.hash.digest('hex')}`) return { status: 400, headers: {} };
    uploads.delete(id);
    await rename(join(uploadsDir, id), join(blobsDir, want.slice(7)));
    await syncDir(blobsDir);
    return { status: 201, headers: { location: `/v2/${name}/blobs/${want}`, 'docker-content-digest': want } };
  }
  if (method === 'GET' && digest) {
    const path = join(blobsDir, digest.slice(7));
    const fh = await open(path, 'r').catch(() => undefined);
    if (!fh) return { status: 404, headers: {} };
    const { size } = await fh.stat();
    await fh.close();
    return { status: 200, headers: { 'content-type': 'application/octet-stream' }, file: { path, size } };
  }
  return { status: 405, headers: {} };
}

/** Writes a file to `write` in 4 MiB slices, two buffers alternating, each reused once its write flushed. */
async function sendFile(path: string, size: number, write: (chunk: Buffer, done: () => void) => void): Promise<void> {
  const fh = await open(path, 'r');
  const bufs = [Buffer.allocUnsafeSlow(SEND), Buffer.allocUnsafeSlow(SEND)];
  try {
    let flushed: Promise<void> = Promise.resolve();
    for (let pos = 0, i = 0; pos < size; i++) {
      const buf = bufs[i & 1]!;
      const { bytesRead } = await fh.read(buf, 0, Math.min(SEND, size - pos), pos);
      if (bytesRead === 0) throw new Error('short file');
      pos += bytesRead;
      await flushed;
      flushed = new Promise((resolve) => write(bytesRead === SEND ? buf : buf.subarray(0, bytesRead), resolve));
    }
    await flushed;
  } finally {
    await fh.close();
  }
}

function serveHttp(): ReturnType<typeof createHttpServer> {
  return createHttpServer((req, res) => {
    const body = (sink: Sink): Promise<number> =>
      new Promise<number>((resolve, reject) => {
        let n = 0;
        req.on('data', (chunk: Buffer) => {
          n += chunk.length;
          const wait = sink.take(chunk);
          if (wait !== undefined) {
            req.pause();
            void wait.then(() => req.resume());
          }
        });
        req.once('end', () => sink.end().then(() => resolve(n), reject));
        req.once('error', reject);
      });
    answer(req.method ?? '', req.url ?? '/', body).then(
      async ({ status, headers, file }) => {
        if (!file) {
          res.writeHead(status, { ...headers, 'content-length': '0' }).end();
          return;
        }
        res.writeHead(status, { ...headers, 'content-length': String(file.size) });
        await sendFile(file.path, file.size, (c, done) => res.write(c, () => done()));
        res.end();
      },
      (err: unknown) => {
        process.stderr.write(`minimal http: ${String(err)}\n`);
        res.destroy(err as Error);
      },
    );
  });
}

/**
 * A raw HTTP/1.1 connection (no pipelining, Content-Length bodies only): every read lands in one
 * 256 KiB buffer of the connection's own (`onread`), a body's bytes are hashed and copied from it
 * into the upload's batch.
 */
function serveConnection(handle: unknown): void {
  const readBuf = Buffer.allocUnsafeSlow(256 * 1024);
  let head = Buffer.alloc(0);
  let sink: Sink | undefined;
  let remaining = 0;
  /** Body bytes that came before the sink was ready (with the head). */
  let early: Buffer[] = [];
  let bodyDone: (() => void) | undefined;
  let busy = false;
  const socket: Socket = new NetSocket({ handle, onread: { buffer: readBuf, callback: (n: number) => onRead(n) } } as never);
  const feed = (chunk: Buffer): void => {
    const part = chunk.subarray(0, Math.min(chunk.length, remaining));
    remaining -= part.length;
    const wait = sink!.take(part);
    if (remaining === 0) {
      socket.pause();
      const done = bodyDone!;
      void (wait ?? Promise.resolve()).then(done);
    } else if (wait) {
      socket.pause();
      void wait.then(() => socket.resume());
    }
  };
  const onHead = (): void => {
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) return;
    const [line = '', ...fields] = head.subarray(0, end).toString('latin1').split('\r\n');
    const rest = head.subarray(end + 4);
    head = Buffer.alloc(0);
    const [method = '', path = ''] = line.split(' ');
    let length = 0;
    for (const f of fields) if (/^content-length:/i.test(f)) length = Number(f.slice(15).trim());
    busy = true;
    socket.pause();
    remaining = length;
    early = rest.length > 0 ? [Buffer.from(rest)] : [];
    const body = (s: Sink): Promise<number> =>
      new Promise<void>((resolve) => {
        sink = s;
        bodyDone = resolve;
        const pending = early;
        early = [];
        for (const c of pending) feed(c);
        if (remaining === 0) resolve();
        else socket.resume();
      }).then(async () => {
        sink = undefined;
        await s.end();
        return length;
      });
    answer(method, path, body).then(
      async ({ status, headers, file }) => {
        const h = Object.entries({ ...headers, 'content-length': String(file?.size ?? 0) })
          .map(([k, v]) => `${k}: ${v}\r\n`)
          .join('');
        socket.write(`HTTP/1.1 ${status} X\r\n${h}\r\n`);
        if (file) await sendFile(file.path, file.size, (c, done) => socket.write(c, () => done()));
        busy = false;
        socket.resume();
      },
      (err: unknown) => {
        process.stderr.write(`minimal net: ${String(err)}\n`);
        socket.destroy(err as Error);
      },
    );
  };
  const onRead = (n: number): void => {
    if (sink && remaining > 0) {
      feed(readBuf.subarray(0, n));
      return;
    }
    if (busy) {
      early.push(Buffer.from(readBuf.subarray(0, n)));
      return;
    }
    head = Buffer.concat([head, readBuf.subarray(0, n)]);
    onHead();
  };
  socket.on('error', () => undefined);
  socket.on('end', () => socket.end());
  socket.resume();
}

const ready = (server: { address(): unknown }): void => {
  const addr = server.address() as { port: number };
  process.stdout.write(`READY ${addr.port}\n`);
};
if (mode === 'http') {
  const server = serveHttp();
  // ecr-rewind's keep-alive (server-limits.ts): node's 5 s default closed sockets the bench's agent reused after a pause (socket hang up)
  server.keepAliveTimeout = 30_000;
  server.listen(0, '127.0.0.1', () => ready(server));
} else {
  // each accepted connection's handle goes to a socket of our own that reads with `onread`
  const server = createNetServer({ pauseOnConnect: true }, (raw) => {
    const r = raw as unknown as { _handle: unknown };
    const handle = r._handle;
    r._handle = null;
    serveConnection(handle);
  });
  server.listen(0, '127.0.0.1', () => ready(server));
}

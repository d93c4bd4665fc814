/**
 * The registry benchmark's client side: plain HTTP/1.1 exchanges on keep-alive agents,
 * a worker pool, and the /v2 pushes and pulls it times (whole, chunked, large pulls by curl).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { type Agent, type IncomingMessage, request } from 'node:http';
import { performance } from 'node:perf_hooks';

export const MiB = 1024 * 1024;

export interface Target {
  name: string;
  /** The server's process id: its CPU time is read from /proc. */
  pid: number;
  url: URL;
  agent: Agent;
  stop(): Promise<void>;
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  bytes: number;
  body?: Buffer;
}

/**
 * One HTTP exchange on a keep-alive agent; the answer body is counted, and kept when asked. A path
 * (what the bench sends, and most Location headers) goes straight to the request; only a whole URL
 * is parsed: a client's own cost per request is the same for both servers, and on this 2-core
 * machine what it spends is taken from whichever server is measured.
 */
export function call(
  target: Target,
  method: string,
  path: string,
  body?: Buffer,
  headers: Record<string, string> = {},
  keep = false,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const options = { method, agent: target.agent, headers: { ...headers, 'content-length': String(body?.length ?? 0) } };
    const answer = (res: IncomingMessage): void => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        if (keep) chunks.push(c);
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes, ...(keep ? { body: Buffer.concat(chunks) } : {}) }),
      );
      res.on('error', reject);
    };
    const req = path.startsWith('/')
      ? request({ ...options, hostname: target.url.hostname, port: target.url.port, path }, answer)
      : request(new URL(path, target.url), options, answer);
    req.on('error', reject);
    req.end(body);
  });
}

export function expect(a: Answer, status: number, what: string): Answer {
  if (a.status !== status)
    throw new Error(`${what}: expected ${status}, got ${a.status}${a.body ? `: ${a.body.toString().slice(0, 200)}` : ''}`);
  return a;
}

export const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

const digests = new WeakMap<Buffer, string>();

/**
 * The digest a push sends for `bytes`, computed once per body. The bench computes its bodies'
 * digests when it makes them, before the clock runs: a client's hashing is not the server's
 * work, and on this 2-core machine it would take CPU from whichever server is measured.
 */
export function digestOf(bytes: Buffer): string {
  let digest = digests.get(bytes);
  if (digest === undefined) digests.set(bytes, (digest = sha256(bytes)));
  return digest;
}

/** Runs `count` jobs on `concurrency` workers; each worker takes the next index after its await. Returns seconds. */
export async function pool(count: number, concurrency: number, job: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < count; i = next++) await job(i);
    }),
  );
  return (performance.now() - t0) / 1000;
}

/** POST, one PATCH with the whole body, PUT ?digest=. */
export async function pushBlob(target: Target, repo: string, bytes: Buffer): Promise<string> {
  return pushChunked(target, repo, bytes, bytes.length);
}

/** POST, PATCHes of `chunk` bytes (with Content-Range), PUT ?digest=. */
export async function pushChunked(target: Target, repo: string, bytes: Buffer, chunk: number): Promise<string> {
  const digest = digestOf(bytes);
  const post = expect(await call(target, 'POST', `/v2/${repo}/blobs/uploads/`, undefined, {}, true), 202, 'POST upload');
  let location = String(post.headers.location);
  for (let at = 0; at < bytes.length; at += chunk) {
    const part = bytes.subarray(at, Math.min(bytes.length, at + chunk));
    const headers = { 'content-type': 'application/octet-stream', 'content-range': `${at}-${at + part.length - 1}` };
    const patch = expect(await call(target, 'PATCH', location, part, headers, true), 202, 'PATCH');
    location = String(patch.headers.location);
  }
  const next = new URL(location, target.url);
  next.searchParams.set('digest', digest);
  expect(await call(target, 'PUT', next.pathname + next.search, undefined, {}, true), 201, 'PUT upload');
  return digest;
}

export function blobOf(size: number, tag: string): Buffer {
  const b = Buffer.alloc(size, 0x5a);
  b.write(`${tag}:${performance.now()}:${Math.random()}`);
  return b;
}

/**
 * curl, for the pull through cache's row (pull-through.ts): one process fetching an image's
 * manifest, config and layer in order on one keep-alive connection, as a registry's clients do.
 *
 * A curl process is started before the clock runs and waits for its URLs on stdin (`-K -`): the
 * clock starts when it is blocked reading it. Starting one is a fork of this process, which holds
 * every body of the round (0.3-1 GiB): 4 forks took 130-280 ms, most of a timed pull of
 * 8 x 16 MiB (190-320 ms), whichever server was measured.
 */
export const curl = existsSync('/usr/bin/curl') ? '/usr/bin/curl' : undefined;

/** Resolves when process `pid` is blocked reading its stdin (Linux: /proc/<pid>/syscall reads `0 0x0 ...`), or after 2 s. */
async function readingStdin(pid: number): Promise<void> {
  for (const t0 = performance.now(); performance.now() - t0 < 2000; ) {
    let now = '';
    try {
      now = readFileSync(`/proc/${pid}/syscall`, 'utf8');
    } catch {
      break; // no /proc: the wait below is all there is
    }
    if (now.startsWith('0 0x0 ')) return;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await new Promise((resolve) => setTimeout(resolve, 50));
}

/**
 * A curl process started for `urls`, fetched in order on one connection, each saved to /dev/null
 * (with `headers` on every request): `ready` once it waits for them, `go()` hands them over;
 * `bytes`, the bytes it received.
 */
export function curlFor(urls: string[], headers: string[] = []): { ready: Promise<void>; go(): void; bytes: Promise<number> } {
  const child = spawn(curl!, ['--silent', '--show-error', '--fail', '-K', '-'], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  const bytes = new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0
        ? resolve(out.split('\n').reduce((sum, line) => sum + (Number(line) || 0), 0))
        : reject(new Error(`curl exited with ${code}`)),
    );
  });
  const spawned = new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  return {
    ready: spawned.then(() => readingStdin(child.pid!)),
    go: () =>
      child.stdin.end(
        headers.map((h) => `header = "${h}"\n`).join('') +
          urls.map((u) => `url = "${u}"\noutput = "/dev/null"\nwrite-out = "%{size_download}\\n"\n`).join(''),
      ),
    bytes,
  };
}

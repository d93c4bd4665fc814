/**
 * What one HTTP server of the emulator holds on to, and for how long: every limit answers with a
 * clear error instead of a reset connection or an unbounded wait.
 *
 *   headers    the request line and headers must arrive within `headersTimeoutMs` (408) and fit
 *              in `maxHeaderBytes` (431: a 100k-character path is refused, not a reset)
 *   idle       a connection on which nothing moves for `idleTimeoutMs` is closed (408 when the
 *              request has no answer yet), unless the server is still working on a request that
 *              has arrived; between requests, keep-alive lasts `keepAliveMs`
 *   request    a whole request (a blob upload too) must arrive within `requestTimeoutMs`
 *   connections at most `maxConnections` at once: the next one is answered 503 and closed
 *
 * Request bodies read whole (ECR JSON, admin JSON, manifests) have their own caps and a deadline
 * (request-body.ts); the ECR face also bounds the memory its bodies take at once (ecr-face.ts).
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '../support/logger.ts';

export interface ServerLimits {
  headersTimeoutMs: number;
  maxHeaderBytes: number;
  idleTimeoutMs: number;
  keepAliveMs: number;
  requestTimeoutMs: number;
  maxConnections: number;
  /** A body read whole (JSON, a manifest) must arrive within this long. */
  bodyTimeoutMs: number;
  /** Bytes of ECR request bodies held in memory at once; more wait (then ThrottlingException). */
  ecrBodyBudgetBytes: number;
  /** How long an ECR request waits for its share of that budget. */
  ecrBodyWaitMs: number;
}

export const DEFAULT_LIMITS: Readonly<ServerLimits> = Object.freeze({
  headersTimeoutMs: 20_000,
  maxHeaderBytes: 16 * 1024,
  idleTimeoutMs: 60_000,
  keepAliveMs: 30_000,
  requestTimeoutMs: 6 * 60 * 60 * 1000,
  maxConnections: 1000,
  bodyTimeoutMs: 120_000,
  ecrBodyBudgetBytes: 128 * 1024 * 1024,
  ecrBodyWaitMs: 10_000,
});

/** The options `http.createServer` takes for these limits. */
export const serverOptions = (l: ServerLimits) => ({
  headersTimeout: l.headersTimeoutMs,
  requestTimeout: l.requestTimeoutMs,
  keepAliveTimeout: l.keepAliveMs,
  maxHeaderSize: l.maxHeaderBytes,
  // how often Node checks the header and request deadlines
  connectionsCheckingInterval: Math.min(1000, Math.max(10, Math.floor(l.headersTimeoutMs / 4))),
});

/** A raw HTTP/1.1 answer for a connection that never became a request Koa sees; JSON in both faces' shapes. */
function rawAnswer(status: number, reason: string, code: string, message: string): string {
  const body = JSON.stringify({ errors: [{ code, message, detail: null }], __type: code, message });
  return `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/** Sends `answer` and closes without a reset: what the client still sends is read and dropped for a moment. */
function answerAndClose(socket: Socket, answer: string): void {
  if (socket.destroyed) return;
  socket.on('data', () => undefined);
  socket.on('error', () => undefined);
  if (socket.writable) socket.end(answer);
  setTimeout(() => socket.destroy(), 2000).unref();
}

/**
 * Applies the limits that `createServer` options cannot: the idle timeout with a 408, the
 * connection cap with a 503, and clear answers to requests Node refuses before Koa sees them.
 */
export function applyServerLimits(server: Server, limits: ServerLimits, log: Logger): void {
  const current = new WeakMap<Socket, ServerResponse>();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    current.set(req.socket, res);
    res.once('finish', () => {
      if (current.get(req.socket) === res) current.delete(req.socket);
    });
  });

  server.setTimeout(limits.idleTimeoutMs, (socket: Socket) => {
    const res = current.get(socket);
    // Not answered yet, and the whole request arrived or bytes of it wait unread: the server is the
    // one working (a first request loading its face, a long commit, a lock another request holds),
    // not an idle client. The connection is watched again from now.
    if (res && !res.headersSent && (res.req.complete || res.req.readableLength > 0)) {
      socket.setTimeout(limits.idleTimeoutMs);
      return;
    }
    if (res && !res.headersSent) {
      const message = `nothing arrived for ${limits.idleTimeoutMs / 1000} s: the request is closed`;
      res.writeHead(408, { Connection: 'close', 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code: 'UNKNOWN', message, detail: null }], __type: 'RequestTimeoutException', message }));
      setTimeout(() => socket.destroy(), 2000).unref();
    } else socket.destroy();
  });

  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    if (err.code === 'HPE_HEADER_OVERFLOW')
      answerAndClose(
        socket,
        rawAnswer(
          431,
          'Request Header Fields Too Large',
          'UNSUPPORTED',
          `the request line and headers exceed ${limits.maxHeaderBytes} bytes (a path or header too long)`,
        ),
      );
    else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT')
      answerAndClose(
        socket,
        rawAnswer(
          408,
          'Request Timeout',
          'UNKNOWN',
          `the request did not arrive in time (headers within ${limits.headersTimeoutMs / 1000} s)`,
        ),
      );
    else answerAndClose(socket, rawAnswer(400, 'Bad Request', 'UNSUPPORTED', `malformed HTTP request (${err.code ?? err.message})`));
  });

  // The connection cap: Node's own maxConnections drops new sockets without a word; this answers them.
  let open = 0;
  const [httpListener] = server.listeners('connection') as ((socket: Socket) => void)[];
  if (httpListener === undefined) throw new Error('applyServerLimits: the server has no connection listener');
  server.removeListener('connection', httpListener);
  let warned = 0;
  server.on('connection', (socket: Socket) => {
    if (open >= limits.maxConnections) {
      if (Date.now() - warned > 10_000) {
        warned = Date.now();
        log.warn({ maxConnections: limits.maxConnections }, 'connection cap reached: new connections are answered 503');
      }
      answerAndClose(
        socket,
        rawAnswer(
          503,
          'Service Unavailable',
          'TOOMANYREQUESTS',
          `too many connections (at most ${limits.maxConnections} at once): retry later`,
        ),
      );
      return;
    }
    open++;
    socket.once('close', () => open--);
    httpListener.call(server, socket);
  });
}

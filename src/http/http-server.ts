/**
 * The one HTTP server of an emulator: its limits (server-limits.ts), and a stop that drains.
 * close() stops taking connections, closes the idle ones, lets the requests in flight finish
 * for at most `drainMs` (closing each keep-alive connection as it goes idle), then closes
 * whatever is left.
 */
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../support/logger.ts';
import { applyServerLimits, serverOptions, type ServerLimits } from './server-limits.ts';

export interface HttpServer {
  /** Listens; resolves with the port (a free one for port 0). */
  listen(port: number, host: string): Promise<number>;
  /** Resolves once every connection is closed: after the requests in flight finished, or `drainMs`. */
  close(drainMs: number): Promise<void>;
}

export function httpServer(app: RequestListener, limits: ServerLimits, log: Logger): HttpServer {
  const server = createServer(serverOptions(limits), app);
  applyServerLimits(server, limits, log);
  let inFlight = 0;
  let draining: (() => void) | undefined;
  server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    inFlight++;
    res.once('close', () => {
      inFlight--;
      if (draining === undefined) return;
      // between requests a keep-alive connection is idle: while stopping, it closes
      server.closeIdleConnections();
      if (inFlight === 0) draining();
    });
  });
  const drained = (ms: number): Promise<boolean> =>
    new Promise<boolean>((resolve) => {
      if (inFlight === 0) return resolve(true);
      const timer = setTimeout(() => resolve(false), ms);
      draining = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
  return {
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
      }),
    async close(drainMs) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      draining ??= () => undefined;
      server.closeIdleConnections();
      if (!(await drained(drainMs))) log.warn({ drainMs, requests: inFlight }, 'stopping: requests still in flight are cut off');
      server.closeAllConnections();
      await closed;
    },
  };
}

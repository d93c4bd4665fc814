/**
 * Request bodies read whole, up to a cap and within a deadline: manifests (bytes as
 * they came) and JSON (the ECR and admin faces). There is no global body parser: the
 * /v2 blob routes stream their bodies to the upload service.
 */
import type { IncomingMessage } from 'node:http';

export class BodyError extends Error {
  constructor(
    readonly kind: 'too-large' | 'malformed' | 'timeout',
    message: string,
  ) {
    super(message);
  }
}

export interface BodyOptions {
  /** The whole body must have arrived within this long (default: no deadline). */
  timeoutMs?: number;
}

/** The whole body, refused past `limit` bytes (declared or received) or past the deadline. */
export function readBody(req: IncomingMessage, limit: number, opts: BodyOptions = {}): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limit) return Promise.reject(new BodyError('too-large', `body of ${declared} bytes exceeds the limit of ${limit}`));
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const timer =
      opts.timeoutMs === undefined
        ? undefined
        : setTimeout(() => finish(new BodyError('timeout', `the body did not arrive within ${opts.timeoutMs! / 1000} s`)), opts.timeoutMs);
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) finish(new BodyError('too-large', `body exceeds the limit of ${limit} bytes`));
      else chunks.push(chunk);
    };
    const onEnd = (): void => finish();
    const onClose = (): void => {
      if (!req.complete) finish(Object.assign(new Error('the request body ended early'), { code: 'ECONNRESET' }));
    };
    const finish = (err?: Error): void => {
      if (timer) clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', finish);
      req.off('close', onClose);
      if (err) {
        // what is still coming is read and dropped, so the answer can be sent
        req.resume();
        reject(err);
      } else resolve(Buffer.concat(chunks, size));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', finish);
    req.on('close', onClose);
  });
}

/** The body parsed as JSON (`{}` when empty). */
export async function readJsonBody(req: IncomingMessage, limit: number, opts: BodyOptions = {}): Promise<unknown> {
  const raw = await readBody(req, limit, opts);
  if (raw.length === 0) return {};
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new BodyError('malformed', 'body is not valid JSON');
  }
}

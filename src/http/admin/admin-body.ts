/** The JSON body of an admin request, which must be an object (`{}` when empty). */
import type { IncomingMessage } from 'node:http';
import { BodyError, readJsonBody } from '../request-body.ts';

const LIMIT = 64 * 1024;

export async function readObject(req: IncomingMessage, timeoutMs: number): Promise<Record<string, unknown>> {
  const body = await readJsonBody(req, LIMIT, { timeoutMs });
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BodyError('malformed', 'the body must be a JSON object');
  return body as Record<string, unknown>;
}

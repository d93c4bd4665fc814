// Requests to the admin API (/_rewind) the way its rules want them (issue 10): a body is JSON
// sent as `Content-Type: application/json`, and the registry's credentials go along (the token
// of GetAuthorizationToken as `Bearer`), which an emulator under `--auth none` ignores.
import { RegistryDriver } from '../../src/testkit/registry-driver.ts';

/**
 * A token GetAuthorizationToken gives for `endpoint`. A fresh one for every request: a token
 * lasts 12 hours on the emulator's clock, which the tests move.
 */
export async function adminToken(endpoint: string): Promise<string> {
  const out = (await new RegistryDriver(endpoint).ecr('GetAuthorizationToken', {})) as {
    authorizationData: { authorizationToken: string }[];
  };
  return Buffer.from(out.authorizationData[0]!.authorizationToken, 'base64').toString('utf8').slice('AWS:'.length);
}

/** `method` on `/_rewind<path>` with `body` as JSON (when given) and the registry's credentials. */
export async function adminRequest(
  endpoint: string,
  method: string,
  path: string,
  body?: unknown,
  opts: { signal?: AbortSignal } = {},
): Promise<Response> {
  const headers: Record<string, string> = { Authorization: `Bearer ${await adminToken(endpoint)}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  return fetch(`${endpoint}/_rewind${path}`, { method, headers, ...opts, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
}

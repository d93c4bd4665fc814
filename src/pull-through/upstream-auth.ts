/**
 * How the pull through cache authenticates to an upstream registry, as registries ask for it
 * in their 401 challenges:
 *
 *   Basic realm=...                  HTTP Basic with the rule's credentials (a Secrets Manager
 *                                    secret's username and password, --upstream-credentials), or,
 *                                    for an ECR upstream, `AWS:<token>` from its GetAuthorizationToken
 *   Bearer realm=,service=,scope=    the token flow of Docker Hub, GHCR and Quay: GET realm?service=&scope=
 *                                    (with Basic credentials when the rule has some), then
 *                                    `Authorization: Bearer <token>`
 *
 * An ECR upstream's token is asked for with a SigV4-signed request whose access key is the upstream
 * registry's account (the emulator reads the account and region of the credential scope).
 */
import { createHash, createHmac } from 'node:crypto';

export interface Credentials {
  username: string;
  password: string;
}

export interface Challenge {
  scheme: 'basic' | 'bearer';
  params: Record<string, string>;
}

/** The first challenge of a WWW-Authenticate header. */
export function parseChallenge(header: string | null): Challenge | undefined {
  if (!header) return undefined;
  const m = /^\s*(Basic|Bearer)\b(.*)$/i.exec(header);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  for (const p of (m[2] ?? '').matchAll(/([a-zA-Z_]+)\s*=\s*(?:"([^"]*)"|([^\s,]+))/g)) params[p[1]!.toLowerCase()] = p[2] ?? p[3] ?? '';
  return { scheme: m[1]!.toLowerCase() as 'basic' | 'bearer', params };
}

export const basic = (c: Credentials): string => `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;

/** A bearer token from the challenge's realm (Docker's token authentication specification). */
export async function bearerToken(challenge: Challenge, fallbackScope: string, credentials: Credentials | undefined): Promise<string> {
  const realm = challenge.params.realm;
  if (!realm) throw new Error('the Bearer challenge names no realm');
  const url = new URL(realm);
  if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
  url.searchParams.set('scope', challenge.params.scope ?? fallbackScope);
  const res = await fetch(url, { headers: credentials ? { authorization: basic(credentials) } : {} });
  if (!res.ok) throw new Error(`the token service ${url.origin} answered ${res.status}`);
  const body = (await res.json()) as { token?: unknown; access_token?: unknown };
  const token = typeof body.token === 'string' ? body.token : body.access_token;
  if (typeof token !== 'string' || token === '') throw new Error(`the token service ${url.origin} gave no token`);
  return token;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const hmac = (key: Buffer | string, text: string): Buffer => createHmac('sha256', key).update(text).digest();

/** `AWS:<token>` from an ECR upstream's GetAuthorizationToken, as a Basic header. */
export async function ecrToken(endpoint: string, account: string, region: string, now = new Date()): Promise<string> {
  const url = new URL('/', endpoint);
  const body = '{}';
  const amzDate = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const date = amzDate.slice(0, 8);
  const target = 'AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken';
  const headers: Record<string, string> = {
    'content-type': 'application/x-amz-json-1.1',
    host: url.host,
    'x-amz-date': amzDate,
    'x-amz-target': target,
  };
  const signed = Object.keys(headers).sort();
  const canonical = ['POST', '/', '', ...signed.map((h) => `${h}:${headers[h]}`), '', signed.join(';'), sha256(body)].join('\n');
  const scope = `${date}/${region}/ecr/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  const key = hmac(hmac(hmac(hmac('AWS4ecr-rewind', date), region), 'ecr'), 'aws4_request');
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  const { host: _host, ...sent } = headers;
  const res = await fetch(url, {
    method: 'POST',
    body,
    headers: {
      ...sent,
      authorization: `AWS4-HMAC-SHA256 Credential=${account}/${scope}, SignedHeaders=${signed.join(';')}, Signature=${signature}`,
    },
  });
  if (!res.ok) throw new Error(`GetAuthorizationToken at ${url.origin} answered ${res.status}`);
  const out = (await res.json()) as { authorizationData?: { authorizationToken?: string }[] };
  const token = out.authorizationData?.[0]?.authorizationToken;
  if (!token) throw new Error(`GetAuthorizationToken at ${url.origin} gave no token`);
  return `Basic ${token}`;
}

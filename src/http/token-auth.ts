/**
 * ECR registry tokens: what GetAuthorizationToken hands out and what /v2
 * accepts as HTTP Basic `AWS:<token>`.
 *
 * A token is `ecrr1.<payload>.<signature>`:
 *   payload   = base64url(JSON {"a": account, "r": region, "e": expiresAt ms, "n": nonce})
 *   signature = base64url(HMAC-SHA256(secret, "ecrr1." + payload))
 * so verifying needs no state but the secret, and a token keeps working after a
 * restart on the same journal until it expires on the (injected) clock.
 *
 * The secret lives in the journal folder, `<journal>/token-secret` (32 bytes hex,
 * mode 0600), written on first use. When the emulator runs with a seed it is
 * derived from that seed (sha256 of "ecr-rewind token secret <seed>"), so a
 * seeded recording with a stepping clock hands out the same tokens every run.
 * A forked or restored journal without the file gets a new secret: tokens from
 * before then are refused (clients simply log in again).
 *
 * The scope of a /v2 request is the token's account and region: each account
 * and region is its own registry.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.ts';
import type { RegistryScope } from '../domain/scope.ts';
import type { Clock } from '../support/clock.ts';
import { type AuthResult, parseBasic, type RegistryAuth } from './registry-auth.ts';

export const TOKEN_SECRET_FILE = 'token-secret';
/** GetAuthorizationToken's tokens are valid for 12 hours. */
export const TOKEN_TTL_MS = 12 * 60 * 60 * 1000;
const PREFIX = 'ecrr1';

export interface TokenClaims extends RegistryScope {
  readonly expiresAt: number;
}

export interface TokenSigner {
  /** A token for `scope` valid until `expiresAt` (ms); `nonce` comes from the IdSource. */
  issue(scope: RegistryScope, expiresAt: number, nonce: string): string;
  /** The token's claims when its signature holds, else undefined (expiry is the caller's check). */
  verify(token: string): TokenClaims | undefined;
  /** HMAC of any text with the same secret (signed layer download URLs). */
  sign(text: string): string;
}

function loadSecret(config: Pick<Config, 'journal' | 'seed'>): Buffer {
  const file = join(config.journal, TOKEN_SECRET_FILE);
  try {
    const hex = readFileSync(file, 'utf8').trim();
    if (/^[0-9a-f]{64}$/.test(hex)) return Buffer.from(hex, 'hex');
  } catch {
    // not written yet
  }
  const secret =
    config.seed !== undefined ? createHash('sha256').update(`ecr-rewind token secret ${config.seed}`).digest() : randomBytes(32);
  writeFileSync(file, `${secret.toString('hex')}\n`, { mode: 0o600 });
  return secret;
}

export function createTokenSigner(config: Pick<Config, 'journal' | 'seed'>): TokenSigner {
  let secret: Buffer | undefined;
  const key = (): Buffer => (secret ??= loadSecret(config));
  const mac = (text: string): string => createHmac('sha256', key()).update(text).digest('base64url');
  return {
    issue(scope, expiresAt, nonce) {
      const payload = Buffer.from(JSON.stringify({ a: scope.account, r: scope.region, e: expiresAt, n: nonce })).toString('base64url');
      return `${PREFIX}.${payload}.${mac(`${PREFIX}.${payload}`)}`;
    },
    verify(token) {
      const [prefix, payload, signature, ...rest] = token.split('.');
      if (prefix !== PREFIX || !payload || !signature || rest.length > 0) return undefined;
      const expected = Buffer.from(mac(`${PREFIX}.${payload}`));
      const given = Buffer.from(signature);
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
      try {
        const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { a?: unknown; r?: unknown; e?: unknown };
        if (typeof claims.a !== 'string' || typeof claims.r !== 'string' || typeof claims.e !== 'number') return undefined;
        return { account: claims.a, region: claims.r, expiresAt: claims.e };
      } catch {
        return undefined;
      }
    },
    sign: mac,
  };
}

/** Authorization headers remembered with their verified claims (a client sends the same one on every request). */
const KNOWN_HEADERS = 1024;

/**
 * /v2 auth in `token` mode: Basic `AWS:<token>` with a valid, unexpired token. A header whose token
 * verified is remembered with its claims (the signature is a function of the token and this process's
 * secret, so it holds the next time too): later requests with it skip the base64, JSON and HMAC, and
 * only its expiry is checked again, on the clock, every time.
 */
export function createTokenAuth(deps: { config: Config; clock: Clock; signer: TokenSigner }): RegistryAuth {
  const { signer } = deps;
  const known = new Map<string, { claims: TokenClaims; scope: RegistryScope }>();
  const verify = (authorization: string | undefined): AuthResult | { claims: TokenClaims; scope: RegistryScope } => {
    const hit = authorization === undefined ? undefined : known.get(authorization);
    if (hit) return hit;
    const creds = parseBasic(authorization);
    if (!creds) return { ok: false, reason: 'authentication required' };
    if (creds.user !== 'AWS') return { ok: false, reason: 'user must be AWS' };
    const claims = signer.verify(creds.password);
    if (!claims) return { ok: false, reason: 'the authorization token is not valid for this registry' };
    const verified = { claims, scope: { account: claims.account, region: claims.region } };
    if (known.size >= KNOWN_HEADERS) known.clear();
    known.set(authorization!, verified);
    return verified;
  };
  return {
    authenticate(authorization) {
      const verified = verify(authorization);
      if ('ok' in verified) return verified;
      if (verified.claims.expiresAt <= deps.clock.now()) return { ok: false, reason: 'the authorization token has expired' };
      return { ok: true, scope: verified.scope };
    },
  };
}

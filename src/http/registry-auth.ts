/**
 * Who a /v2 request acts as. ECR's registry takes HTTP Basic `AWS:<token>`
 * with a token from GetAuthorizationToken; dev modes accept any credentials
 * (`any`) or none at all (`none`).
 */
import type { RegistryScope } from '../domain/scope.ts';

export type AuthResult = { ok: true; scope: RegistryScope } | { ok: false; reason: string };

export interface RegistryAuth {
  /** Checks an Authorization header of a /v2 request. */
  authenticate(authorization: string | undefined): AuthResult;
}

/** Decodes `Basic base64(user:password)`, or undefined when the header is not Basic. */
export function parseBasic(authorization: string | undefined): { user: string; password: string } | undefined {
  if (!authorization) return undefined;
  const m = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(authorization);
  if (!m?.[1]) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** Dev modes: `any` needs some Basic credentials, `none` needs nothing. */
export function devAuth(mode: 'any' | 'none', scope: RegistryScope): RegistryAuth {
  return {
    authenticate(authorization) {
      if (mode === 'none') return { ok: true, scope };
      if (!parseBasic(authorization) && !/^Bearer\s+\S+/i.test(authorization ?? ''))
        return { ok: false, reason: 'authentication required' };
      return { ok: true, scope };
    },
  };
}

/**
 * /v2 auth with ECR tokens (GetAuthorizationToken). Placeholder until the
 * ECR face lands: it accepts Basic credentials with user AWS.
 */
import type { Config } from '../config.ts';
import type { Clock } from '../support/clock.ts';
import { parseBasic, type RegistryAuth } from './registry-auth.ts';

export function createTokenAuth(deps: { config: Config; clock: Clock }): RegistryAuth {
  return {
    authenticate(authorization) {
      const creds = parseBasic(authorization);
      if (!creds) return { ok: false, reason: 'authentication required' };
      if (creds.user !== 'AWS') return { ok: false, reason: 'user must be AWS' };
      return { ok: true, scope: { account: deps.config.account, region: deps.config.region } };
    },
  };
}

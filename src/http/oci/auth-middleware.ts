/**
 * HTTP Basic on /v2: who the request acts as (its registry scope), or a 401
 * challenge as ECR sends it. In auth mode `none` every request is let in.
 */
import type { Middleware } from 'koa';
import type { RegistryAuth } from '../registry-auth.ts';
import { OciError } from './oci-error.ts';
import type { OciState } from './oci-context.ts';

export function ociAuth(auth: RegistryAuth, registryHost: () => string): Middleware<OciState> {
  // not async: the error middleware around it catches what it throws
  return (ctx, next) => {
    const result = auth.authenticate(ctx.get('authorization') || undefined);
    if (!result.ok) {
      const realm = `http://${ctx.get('host') || registryHost()}/`;
      throw new OciError(401, 'UNAUTHORIZED', result.reason, null, {
        'WWW-Authenticate': `Basic realm="${realm}",service="ecr.amazonaws.com"`,
      });
    }
    ctx.state.scope = result.scope;
    return next();
  };
}

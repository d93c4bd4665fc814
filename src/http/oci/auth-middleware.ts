/**
 * HTTP Basic on /v2: who the request acts as (its registry scope), or a 401
 * challenge as ECR sends it. In auth mode `none` every request is let in.
 */
import type { Middleware, ParameterizedContext } from 'koa';
import type { RegistryAuth } from '../registry-auth.ts';
import { OciError } from './oci-error.ts';
import type { OciState } from './oci-context.ts';

export function ociAuth(auth: RegistryAuth, registryHost: () => string): Middleware<OciState> {
  const authorize = ociAuthorize(auth, registryHost);
  // not async: the error middleware around it catches what it throws
  return (ctx, next) => {
    authorize(ctx);
    return next();
  };
}

/** The check itself: sets the request's registry scope, or throws the 401 challenge. */
export function ociAuthorize(auth: RegistryAuth, registryHost: () => string): (ctx: ParameterizedContext<OciState>) => void {
  return (ctx) => {
    const result = auth.authenticate(ctx.get('authorization') || undefined);
    if (!result.ok) {
      const realm = `http://${ctx.get('host') || registryHost()}/`;
      throw new OciError(401, 'UNAUTHORIZED', result.reason, null, {
        'WWW-Authenticate': `Basic realm="${realm}",service="ecr.amazonaws.com"`,
      });
    }
    ctx.state.scope = result.scope;
  };
}

/** The OCI Distribution v1.1 face (/v2). Placeholder until the registry face lands. */
import type { Middleware } from 'koa';
import type { FaceDeps } from '../face-deps.ts';

export function createOciFace(deps: FaceDeps): Middleware {
  void deps;
  return async (_ctx, next) => {
    await next();
  };
}

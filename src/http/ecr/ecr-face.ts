/** The ECR JSON 1.1 face (POST /). Placeholder until the ECR face lands. */
import type { Middleware } from 'koa';
import type { FaceDeps } from '../face-deps.ts';

export function createEcrFace(deps: FaceDeps): Middleware {
  void deps;
  return async (_ctx, next) => {
    await next();
  };
}

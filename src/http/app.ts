/** The one Koa application: admin (/_rewind), registry (/v2) and ECR (POST /) faces. */
import Koa from 'koa';
import { createAdminFace } from './admin/admin-face.ts';
import { createEcrFace } from './ecr/ecr-face.ts';
import type { FaceDeps } from './face-deps.ts';
import { createOciFace } from './oci/oci-face.ts';

export function createApp(deps: FaceDeps): Koa {
  const app = new Koa();
  app.proxy = false;
  app.silent = true;
  app.on('error', (err: unknown) => deps.log.error({ err }, 'unhandled request error'));
  app.use(createAdminFace(deps));
  app.use(createOciFace(deps));
  app.use(createEcrFace(deps));
  return app;
}

/**
 * The pull through cache's upstream credentials, what AWS keeps in Secrets Manager:
 *
 *   POST   /_rewind/upstream-credentials {"credentialArn", "username", "password"}   set (204)
 *   GET    /_rewind/upstream-credentials                                           the ARNs held, never the secrets
 *   DELETE /_rewind/upstream-credentials?credentialArn=ARN                         forget (204, or 404)
 *
 * They live in memory only (not in the journal): a restart keeps those of --upstream-credentials.
 */
import type Router from '@koa/router';
import type { FaceDeps } from '../face-deps.ts';
import { readJsonBody } from '../request-body.ts';

const SECRET_ARN = /^arn:aws(-\w+)*:secretsmanager:[a-zA-Z0-9-:]+:secret:ecr-pullthroughcache\/[a-zA-Z0-9/_+=.@-]+$/;

export function addUpstreamRoutes(router: Router, deps: FaceDeps): void {
  router.get('/upstream-credentials', (ctx) => {
    ctx.body = { credentialArns: deps.upstreamCredentials.arns() };
  });
  router.post('/upstream-credentials', async (ctx) => {
    const body = (await readJsonBody(ctx.req, 64 * 1024)) as { credentialArn?: unknown; username?: unknown; password?: unknown } | null;
    const { credentialArn, username, password } = body ?? {};
    if (
      typeof credentialArn !== 'string' ||
      !SECRET_ARN.test(credentialArn) ||
      typeof username !== 'string' ||
      typeof password !== 'string'
    ) {
      ctx.status = 400;
      ctx.body = {
        error: 'BadRequest',
        message: 'expected {"credentialArn": "arn:aws:secretsmanager:...:secret:ecr-pullthroughcache/...", "username", "password"}',
      };
      return;
    }
    deps.upstreamCredentials.set(credentialArn, { username, password });
    ctx.status = 204;
    ctx.body = '';
  });
  router.delete('/upstream-credentials', (ctx) => {
    const arn = ctx.query.credentialArn;
    const removed = typeof arn === 'string' && deps.upstreamCredentials.delete(arn);
    ctx.status = removed ? 204 : 404;
    ctx.body = removed ? '' : { error: 'NotFound', message: `no credentials held for '${String(arn)}'` };
  });
}

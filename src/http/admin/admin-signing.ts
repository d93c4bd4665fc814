/**
 * GET /_rewind/signing/certificates: the test certificates managed signing signs with
 * (queries/signing-certificates.ts). JSON by default; `?format=pem` (or Accept:
 * application/x-pem-file) gives them as one PEM bundle, a trust store for notation or
 * node's crypto. `?profile=ARN` keeps one signing profile's.
 */
import type Router from '@koa/router';
import { signingCertificates } from '../../queries/signing-certificates.ts';
import type { FaceDeps } from '../face-deps.ts';

const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

export function addSigningRoutes(router: Router, deps: FaceDeps): void {
  router.get('/signing/certificates', (ctx) => {
    const certificates = signingCertificates(deps.engine.state, one(ctx.query.profile));
    const format = one(ctx.query.format);
    const pem =
      format === 'pem' || (format !== 'json' && ctx.accepts('application/json', 'application/x-pem-file') === 'application/x-pem-file');
    if (pem) {
      ctx.type = 'application/x-pem-file';
      ctx.body = certificates.map((c) => c.pem).join('');
      return;
    }
    ctx.body = { certificates };
  });
}

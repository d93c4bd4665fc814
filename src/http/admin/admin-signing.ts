/**
 * GET /_rewind/signing/certificates: the test certificates managed signing signs with,
 * from the state (so a view of the past and a restored snapshot publish them too).
 * JSON by default: one entry per certificate, each a chain of one self-signed certificate,
 * the current one of each profile marked. `?format=pem` (or Accept: application/x-pem-file)
 * gives them as one PEM bundle, a trust store for notation or node's crypto.
 * `?profile=ARN` keeps one signing profile's.
 */
import { X509Certificate } from 'node:crypto';
import type Router from '@koa/router';
import { certificatePem, thumbprint } from '../../signing/test-certificate.ts';
import type { FaceDeps } from '../face-deps.ts';

interface PublishedCertificate {
  signingProfileArn: string;
  registryId: string;
  region: string;
  current: boolean;
  subject: string;
  notBefore: string;
  notAfter: string;
  sha256: string;
  pem: string;
}

const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

export function addSigningRoutes(router: Router, deps: FaceDeps): void {
  router.get('/signing/certificates', (ctx) => {
    const profile = one(ctx.query.profile);
    const certificates: PublishedCertificate[] = [];
    for (const [scope, reg] of deps.engine.state.registries) {
      const [account = '', region = ''] = scope.split(':');
      for (const [profileArn, ders] of Object.entries(reg.signingCertificates ?? {})) {
        if (profile !== undefined && profile !== profileArn) continue;
        ders.forEach((der, i) => {
          const x = new X509Certificate(der);
          certificates.push({
            signingProfileArn: profileArn,
            registryId: account,
            region,
            current: i === ders.length - 1,
            subject: x.subject.split('\n').join(', '),
            notBefore: new Date(x.validFrom).toISOString(),
            notAfter: new Date(x.validTo).toISOString(),
            sha256: thumbprint(der),
            pem: certificatePem(der),
          });
        });
      }
    }
    const wantsPem =
      one(ctx.query.format) === 'pem' ||
      (ctx.accepts('application/json', 'application/x-pem-file') === 'application/x-pem-file' && one(ctx.query.format) !== 'json');
    if (wantsPem) {
      ctx.type = 'application/x-pem-file';
      ctx.body = certificates.map((c) => c.pem).join('');
      return;
    }
    ctx.body = { certificates };
  });
}

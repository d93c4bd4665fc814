/**
 * The test certificates managed signing signs with, as GET /_rewind/signing/certificates
 * publishes them: read from the registry state (so a view of the past and a restored
 * snapshot publish them too), each a chain of one self-signed certificate, the current
 * one of each signing profile marked.
 */
import { createHash, X509Certificate } from 'node:crypto';
import type { RegistryState } from '../domain/state.ts';

export interface PublishedCertificate {
  signingProfileArn: string;
  registryId: string;
  region: string;
  /** The certificate the profile signs with now (earlier ones still verify older signatures). */
  current: boolean;
  subject: string;
  notBefore: string;
  notAfter: string;
  /** Lowercase hex SHA-256 of the DER bytes (what `io.cncf.notary.x509chain.thumbprint#S256` lists). */
  sha256: string;
  pem: string;
}

const pemOf = (der: Uint8Array): string =>
  `-----BEGIN CERTIFICATE-----\n${Buffer.from(der)
    .toString('base64')
    .replace(/.{1,64}/g, '$&\n')}-----END CERTIFICATE-----\n`;

/** Every published certificate, or one signing profile's. */
export function signingCertificates(state: RegistryState, profile?: string): PublishedCertificate[] {
  const out: PublishedCertificate[] = [];
  for (const [scope, reg] of state.registries) {
    const [account = '', region = ''] = scope.split(':');
    for (const [profileArn, ders] of Object.entries(reg.signingCertificates ?? {})) {
      if (profile !== undefined && profile !== profileArn) continue;
      ders.forEach((der, i) => {
        const x = new X509Certificate(der);
        out.push({
          signingProfileArn: profileArn,
          registryId: account,
          region,
          current: i === ders.length - 1,
          subject: x.subject.split('\n').join(', '),
          notBefore: new Date(x.validFrom).toISOString(),
          notAfter: new Date(x.validTo).toISOString(),
          sha256: createHash('sha256').update(der).digest('hex'),
          pem: pemOf(der),
        });
      });
    }
  }
  return out;
}

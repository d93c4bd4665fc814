/** Shared helpers of the managed-signing tests: waiting for signing, and a Notary Project JWS verifier on node's crypto. */
import { createHash, verify, X509Certificate } from 'node:crypto';
import { DescribeImageSigningStatusCommand, type ECRClient, type ImageSigningStatus } from '@aws-sdk/client-ecr';

export const PROFILE = 'arn:aws:signer:us-east-1:000000000000:/signing-profiles/release_signer';
export const NOTARY = 'application/vnd.cncf.notary.signature';

/** Polls DescribeImageSigningStatus until no status is IN_PROGRESS. */
export async function signingSettled(
  ecr: ECRClient,
  repositoryName: string,
  imageDigest: string,
  timeoutMs = 15_000,
): Promise<ImageSigningStatus[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const out = await ecr.send(new DescribeImageSigningStatusCommand({ repositoryName, imageId: { imageDigest } }));
    const statuses = out.signingStatuses ?? [];
    if (!statuses.some((s) => s.status === 'IN_PROGRESS')) return statuses;
    if (Date.now() > until) throw new Error(`signing of ${imageDigest} still in progress after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The DER certificates of a PEM bundle. */
export const pemCertificates = (pem: string): Buffer[] =>
  [...pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)].map((m) =>
    Buffer.from(m[1]!.replace(/\s/g, ''), 'base64'),
  );

export type Verdict = { ok: true; signingTime: string } | { ok: false; reason: string };

/**
 * Verifies a Notary Project JWS signature envelope over `signedManifest` the way a
 * verifier does: the signing certificate is one of the trusted ones, it is valid at the
 * signing time, the ES384 signature over `protected.payload` holds, and the payload's
 * target artifact is exactly these manifest bytes.
 */
export function verifyNotarySignature(envelopeBytes: Uint8Array, signedManifest: Uint8Array, trustedPem: string): Verdict {
  const env = JSON.parse(Buffer.from(envelopeBytes).toString('utf8')) as {
    payload: string;
    protected: string;
    header: { x5c?: string[] };
    signature: string;
  };
  const header = JSON.parse(Buffer.from(env.protected, 'base64url').toString('utf8')) as Record<string, unknown>;
  if (header.alg !== 'ES384') return { ok: false, reason: `alg ${String(header.alg)}` };
  if (header.cty !== 'application/vnd.cncf.notary.payload.v1+json') return { ok: false, reason: 'content type' };
  if (header['io.cncf.notary.signingScheme'] !== 'notary.x509') return { ok: false, reason: 'signing scheme' };
  if (!Array.isArray(header.crit) || !header.crit.includes('io.cncf.notary.signingScheme')) return { ok: false, reason: 'crit' };
  const leaf = Buffer.from(env.header.x5c?.[0] ?? '', 'base64');
  if (!pemCertificates(trustedPem).some((der) => der.equals(leaf))) return { ok: false, reason: 'the signing certificate is not trusted' };
  const cert = new X509Certificate(leaf);
  const signingTime = String(header['io.cncf.notary.signingTime']);
  const at = Date.parse(signingTime);
  if (!(at >= Date.parse(cert.validFrom) && at <= Date.parse(cert.validTo)))
    return { ok: false, reason: 'certificate not valid at signing time' };
  const signed = Buffer.from(`${env.protected}.${env.payload}`, 'ascii');
  if (!verify('sha384', signed, { key: cert.publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(env.signature, 'base64url')))
    return { ok: false, reason: 'signature does not verify' };
  const payload = JSON.parse(Buffer.from(env.payload, 'base64url').toString('utf8')) as {
    targetArtifact: { digest: string; size: number };
  };
  const digest = `sha256:${createHash('sha256').update(signedManifest).digest('hex')}`;
  if (payload.targetArtifact.digest !== digest || payload.targetArtifact.size !== signedManifest.byteLength)
    return { ok: false, reason: 'the signed artifact is not this manifest' };
  return { ok: true, signingTime };
}

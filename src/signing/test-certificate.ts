/**
 * The self-signed test certificate of a signing profile: an X.509 v3 certificate over
 * the profile's P-384 key, built with @peculiar/asn1-x509 and signed with deterministic
 * ECDSA (RFC 6979, @noble/curves), so the same key always gives the same DER bytes.
 *
 * It meets the Notary Project's requirements for a chain of one certificate (the root
 * doubles as the signing certificate): keyUsage digitalSignature (critical), basicConstraints
 * cA=false (critical), extendedKeyUsage codeSigning, ecdsa-with-SHA384, and a fixed validity
 * of 2000-01-01 to 2099-12-31 that covers any clock a recording uses.
 *
 * The ASN.1 libraries load on the first certificate, not with the server: they are about
 * a third of what a start would otherwise load.
 */
import { createHash, createPublicKey } from 'node:crypto';
import type * as Asn1 from '@peculiar/asn1-schema';
import type * as X509 from '@peculiar/asn1-x509';
import { loadP384, p384 } from './p384.ts';

type Libraries = { asn1: typeof Asn1; x509: typeof X509 };
let libraries: Promise<Libraries> | undefined;
const loadLibraries = (): Promise<Libraries> =>
  (libraries ??= Promise.all([import('@peculiar/asn1-schema'), import('@peculiar/asn1-x509')]).then(([asn1, x509]) => ({ asn1, x509 })));

const ECDSA_WITH_SHA384 = '1.2.840.10045.4.3.3';
const NOT_BEFORE = new Date('2000-01-01T00:00:00Z');
const NOT_AFTER = new Date('2099-12-31T23:59:59Z');

/** The uncompressed public point of a P-384 secret key, as a node KeyObject-ready JWK. */
export function publicJwk(secretKey: Uint8Array): { kty: 'EC'; crv: 'P-384'; x: string; y: string } {
  const point = p384().getPublicKey(secretKey, false);
  return {
    kty: 'EC',
    crv: 'P-384',
    x: Buffer.from(point.subarray(1, 49)).toString('base64url'),
    y: Buffer.from(point.subarray(49, 97)).toString('base64url'),
  };
}

/** The profile name of `arn:aws:signer:<region>:<account>:/signing-profiles/<name>` (the ARN itself otherwise). */
export const profileName = (arn: string): string => /\/signing-profiles\/([^/]+)$/.exec(arn)?.[1] ?? arn;

function subjectName({ x509 }: Libraries, profileArn: string): X509.Name {
  const rdn = (type: string, value: X509.AttributeValue): X509.RelativeDistinguishedName =>
    new x509.RelativeDistinguishedName([new x509.AttributeTypeAndValue({ type, value })]);
  const utf8 = (s: string) => new x509.AttributeValue({ utf8String: s });
  return new x509.Name([
    rdn('2.5.4.6', new x509.AttributeValue({ printableString: 'US' })), // C
    rdn('2.5.4.8', utf8('WA')), // ST
    rdn('2.5.4.7', utf8('Seattle')), // L
    rdn('2.5.4.10', utf8('ecr-rewind')), // O
    rdn('2.5.4.11', utf8('managed signing test certificate')), // OU
    rdn('2.5.4.3', utf8(profileName(profileArn).slice(0, 64))), // CN
  ]);
}

const arrayBuffer = (b: Uint8Array): ArrayBuffer => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;

/** The DER bytes of the profile's self-signed certificate over `secretKey`. */
export async function testCertificate(profileArn: string, secretKey: Uint8Array): Promise<Uint8Array> {
  const [libs] = await Promise.all([loadLibraries(), loadP384()]);
  const { AsnConvert, OctetString } = libs.asn1;
  const { x509 } = libs;
  const extension = (id: string, critical: boolean, value: unknown): X509.Extension =>
    new x509.Extension({ extnID: id, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
  const spki = createPublicKey({ key: publicJwk(secretKey), format: 'jwk' }).export({ type: 'spki', format: 'der' });
  // A positive serial derived from the profile and key: the same inputs, the same certificate.
  const serial = createHash('sha256').update(profileArn).update(spki).digest().subarray(0, 16);
  serial[0] = (serial[0]! & 0x7f) | 0x40;
  const algorithm = new x509.AlgorithmIdentifier({ algorithm: ECDSA_WITH_SHA384 });
  const name = subjectName(libs, profileArn);
  const tbs = new x509.TBSCertificate({
    version: x509.Version.v3,
    serialNumber: arrayBuffer(serial),
    signature: algorithm,
    issuer: name,
    validity: new x509.Validity({ notBefore: NOT_BEFORE, notAfter: NOT_AFTER }),
    subject: name,
    subjectPublicKeyInfo: AsnConvert.parse(spki, x509.SubjectPublicKeyInfo),
    extensions: new x509.Extensions([
      extension(x509.id_ce_basicConstraints, true, new x509.BasicConstraints({ cA: false })),
      extension(x509.id_ce_keyUsage, true, new x509.KeyUsage(x509.KeyUsageFlags.digitalSignature)),
      extension(x509.id_ce_extKeyUsage, false, new x509.ExtendedKeyUsage([x509.id_kp_codeSigning])),
      extension(
        x509.id_ce_subjectKeyIdentifier,
        false,
        new x509.SubjectKeyIdentifier(arrayBuffer(createHash('sha1').update(spki).digest())),
      ),
    ]),
  });
  const signature = p384().sign(new Uint8Array(AsnConvert.serialize(tbs)), secretKey, { format: 'der' });
  const cert = new x509.Certificate({ tbsCertificate: tbs, signatureAlgorithm: algorithm, signatureValue: arrayBuffer(signature) });
  return new Uint8Array(AsnConvert.serialize(cert));
}

/** PEM text of a DER certificate. */
export function certificatePem(der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  return `-----BEGIN CERTIFICATE-----\n${b64.replace(/.{1,64}/g, '$&\n')}-----END CERTIFICATE-----\n`;
}

/** The lowercase hex SHA-256 of a certificate (what `io.cncf.notary.x509chain.thumbprint#S256` lists). */
export const thumbprint = (der: Uint8Array): string => createHash('sha256').update(der).digest('hex');

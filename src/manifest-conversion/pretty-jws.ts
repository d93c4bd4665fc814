/**
 * libtrust's "pretty" JSON Web Signature, the form signed Docker schema 1 manifests take
 * (`application/vnd.docker.distribution.manifest.v1+prettyjws`):
 *
 *   the payload (the manifest without signatures) is cut before its closing `}`; a `signatures`
 *   member is written there, then the cut tail. Each signature's protected header records that cut
 *   (`formatLength`, `formatTail`), so a verifier rebuilds the payload from the signed bytes:
 *   payload = bytes[0, formatLength) + formatTail, and checks the signature over
 *   base64url(protected) "." base64url(payload) with the JWK in the signature's header.
 *
 * The payload's sha256 is the manifest's digest (Docker-Content-Digest of a schema 1 manifest).
 */
import { createHash, sign, verify, createPublicKey, type KeyObject } from 'node:crypto';

const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');
const notSpace = (c: number): boolean => c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09;

/** libtrust's key id: 240 bits of the SHA-256 of the PKIX DER key, base32, in groups of four. */
export function libtrustKeyId(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  const hash = createHash('sha256').update(der).digest().subarray(0, 30);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of hash) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out.match(/.{4}/g)!.join(':');
}

/** The indent of the payload's first member (libtrust keeps it for the signatures it writes). */
function detectIndent(payload: string): string {
  const m = /^\{\n([ \t]+)"/.exec(payload);
  return m?.[1] ?? '';
}

/**
 * Signs `payload` (a JSON object, pretty-printed) with an RSA key as RS256 and returns the signed
 * manifest bytes. `time` goes into the protected header (pass a fixed one: the bytes stay the same).
 */
export function prettySign(payload: Buffer, privateKey: KeyObject, time: string): Buffer {
  let close = payload.length - 1;
  while (close >= 0 && !notSpace(payload[close]!)) close--;
  if (payload[close] !== 0x7d) throw new Error('a JWS payload must be a JSON object');
  let last = close - 1;
  while (last >= 0 && !notSpace(payload[last]!)) last--;
  const formatLength = last + 1;
  const formatTail = payload.subarray(formatLength);
  const protectedHeader = b64url(JSON.stringify({ formatLength, formatTail: b64url(formatTail), time }));
  const signature = sign('sha256', Buffer.from(`${protectedHeader}.${b64url(payload)}`), privateKey);
  const publicKey = createPublicKey(privateKey);
  const jwk = publicKey.export({ format: 'jwk' }) as { n: string; e: string };
  const signatures = [
    {
      header: { jwk: { e: jwk.e, kid: libtrustKeyId(publicKey), kty: 'RSA', n: jwk.n }, alg: 'RS256' },
      signature: b64url(signature),
      protected: protectedHeader,
    },
  ];
  const indent = detectIndent(payload.toString('utf8'));
  const list = indent ? indentJson(signatures, indent) : JSON.stringify(signatures);
  const head = payload.subarray(0, formatLength).toString('utf8');
  const joined = indent ? `${head},\n${indent}"signatures": ${list}\n}` : `${head},"signatures":${list}}`;
  return Buffer.from(joined, 'utf8');
}

/** Go's json.MarshalIndent(v, prefix=indent, indent=indent). */
function indentJson(value: unknown, indent: string): string {
  return JSON.stringify(value, null, indent).replace(/\n/g, `\n${indent}`);
}

export interface VerifiedJws {
  /** The payload that was signed: the manifest without its signatures. */
  payload: Buffer;
  keyIds: string[];
}

/** Checks every signature of a pretty-signed manifest against its embedded key (what clients do). */
export function prettyVerify(bytes: Buffer): VerifiedJws {
  const doc = JSON.parse(bytes.toString('utf8')) as {
    signatures?: { header: { jwk: Record<string, string>; alg: string }; signature: string; protected: string }[];
  };
  if (!doc.signatures?.length) throw new Error('no signatures');
  let payload: Buffer | undefined;
  const keyIds: string[] = [];
  for (const s of doc.signatures) {
    const header = JSON.parse(Buffer.from(s.protected, 'base64url').toString('utf8')) as { formatLength: number; formatTail: string };
    const p = Buffer.concat([bytes.subarray(0, header.formatLength), Buffer.from(header.formatTail, 'base64url')]);
    if (payload && !payload.equals(p)) throw new Error('signatures over different payloads');
    payload = p;
    if (s.header.alg !== 'RS256') throw new Error(`unsupported alg ${s.header.alg}`);
    const key = createPublicKey({ key: { kty: 'RSA', n: s.header.jwk.n!, e: s.header.jwk.e! }, format: 'jwk' });
    if (s.header.jwk.kid !== undefined && s.header.jwk.kid !== libtrustKeyId(key)) throw new Error('the JWK key id does not match the key');
    const ok = verify('sha256', Buffer.from(`${s.protected}.${b64url(p)}`), key, Buffer.from(s.signature, 'base64url'));
    if (!ok) throw new Error('bad signature');
    keyIds.push(s.header.jwk.kid ?? '');
  }
  return { payload: payload!, keyIds };
}

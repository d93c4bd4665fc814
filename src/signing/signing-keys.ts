/**
 * The signing keys of the emulator's signing profiles, one P-384 key and test
 * certificate per profile ARN, kept as files in the journal folder:
 *
 *   <journal>/signing/keys/<first 32 hex of sha256(profile ARN)>.json
 *     { "signingProfileArn": "...", "privateKey": "<PKCS#8 PEM>", "certificate": "<PEM>" }
 *
 * The private key is never in the journal; the certificate is also recorded there
 * (SigningCertificateIssued) so that every view of the registry can publish it. Under
 * `--seed` a key is derived from the seed and the profile ARN (HKDF-SHA512), so a recording
 * run twice signs with the same key and the same certificate; without a seed it is random.
 * Once a key file exists it is used as it is, whatever the seed. Snapshot files carry
 * the folder `signing/` along (pack-format.ts).
 */
import { createHash, createPrivateKey, hkdfSync } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileDurably } from '../support/durable-file.ts';
import { certificatePem, publicJwk, testCertificate } from './test-certificate.ts';
import { loadP384, p384 } from './p384.ts';

/** The journal folder's subfolder of signing material (carried by snapshot files). */
export const SIGNING_DIR = 'signing';

export interface SigningKey {
  readonly profileArn: string;
  /** The P-384 secret scalar (48 bytes). */
  readonly secretKey: Uint8Array;
  /** DER of the self-signed test certificate. */
  readonly certificate: Uint8Array;
}

interface KeyFile {
  signingProfileArn: string;
  privateKey: string;
  certificate: string;
}

export const keyFileName = (profileArn: string): string => `${createHash('sha256').update(profileArn).digest('hex').slice(0, 32)}.json`;

/** The secret key a seed gives a profile. */
export function derivedSecretKey(seed: number, profileArn: string): Uint8Array {
  const material = hkdfSync(
    'sha512',
    Buffer.from(`ecr-rewind seed ${seed}`),
    Buffer.from('ecr-rewind managed signing'),
    Buffer.from(profileArn),
    72,
  );
  return p384().utils.randomSecretKey(new Uint8Array(material));
}

const pkcs8Pem = (secretKey: Uint8Array): string =>
  createPrivateKey({ key: { ...publicJwk(secretKey), d: Buffer.from(secretKey).toString('base64url') }, format: 'jwk' })
    .export({ type: 'pkcs8', format: 'pem' })
    .toString();

function secretOfPem(pem: string): Uint8Array {
  const jwk = createPrivateKey(pem).export({ format: 'jwk' });
  if (jwk.crv !== 'P-384' || typeof jwk.d !== 'string') throw new Error('a signing key file holds no P-384 private key');
  return new Uint8Array(Buffer.from(jwk.d, 'base64url'));
}

const derOfPem = (pem: string): Uint8Array =>
  new Uint8Array(Buffer.from(pem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s/g, ''), 'base64'));

export class SigningKeys {
  readonly dir: string;
  readonly #seed: number | undefined;
  readonly #durable: boolean;
  readonly #keys = new Map<string, Promise<SigningKey>>();

  constructor(journalDir: string, opts: { seed?: number | undefined; durable: boolean }) {
    this.dir = join(journalDir, SIGNING_DIR, 'keys');
    this.#seed = opts.seed;
    this.#durable = opts.durable;
  }

  /** The profile's key: from its file, else made (derived from the seed, or random) and written first. */
  get(profileArn: string): Promise<SigningKey> {
    let key = this.#keys.get(profileArn);
    if (!key) {
      key = this.#load(profileArn);
      this.#keys.set(profileArn, key);
      key.catch(() => this.#keys.delete(profileArn));
    }
    return key;
  }

  async #load(profileArn: string): Promise<SigningKey> {
    // the key signs (notary-signature.ts) with the curve loaded here
    await loadP384();
    const file = join(this.dir, keyFileName(profileArn));
    const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    if (text !== undefined) {
      const k = JSON.parse(text) as KeyFile;
      if (k.signingProfileArn !== profileArn) throw new Error(`${file} holds the key of ${k.signingProfileArn}, not ${profileArn}`);
      return { profileArn, secretKey: secretOfPem(k.privateKey), certificate: derOfPem(k.certificate) };
    }
    const secretKey = this.#seed === undefined ? p384().utils.randomSecretKey() : derivedSecretKey(this.#seed, profileArn);
    const key: SigningKey = { profileArn, secretKey, certificate: await testCertificate(profileArn, secretKey) };
    const body: KeyFile = { signingProfileArn: profileArn, privateKey: pkcs8Pem(secretKey), certificate: certificatePem(key.certificate) };
    await mkdir(this.dir, { recursive: true });
    await writeFileDurably(file, [Buffer.from(`${JSON.stringify(body, null, 2)}\n`)], { fsync: this.#durable });
    return key;
  }
}

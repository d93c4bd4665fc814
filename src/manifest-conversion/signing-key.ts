/**
 * The key that signs Docker schema 1 manifests converted on pull.
 *
 * A schema 1 manifest carries a JWS signature whose key is in the signature itself (libtrust's
 * self-signed form): clients check that the signature matches that key, not who owns it. So any key
 * will do, but it must not change: the same pull must give the same bytes, on every run and every
 * emulator (recordings replay byte for byte). Node cannot make an RSA key from a seed, and ECDSA
 * signatures are randomized, so the key is an RSA-2048 key derived here from a fixed seed (two
 * primes found from a SHA-256 counter stream; Miller-Rabin over fixed bases) and signatures are
 * RS256 (RSASSA-PKCS1-v1_5, deterministic). It is made once per process, on the first conversion.
 */
import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';

const SEED = 'ecr-rewind: Docker schema 1 signing key, version 1';
const E = 65537n;

/** A deterministic byte stream: SHA-256(seed || label || counter). */
function stream(label: string): () => Buffer {
  let counter = 0;
  return () => createHash('sha256').update(`${SEED}\0${label}\0${counter++}`).digest();
}

const toBigInt = (bytes: Buffer): bigint => BigInt(`0x${bytes.toString('hex')}`);

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
    e >>= 1n;
  }
  return result;
}

/** The odd primes below 2000, for trial division: made on the first key derivation, not at start-up (~5 ms of BigInt work). */
let smallPrimes: readonly bigint[] | undefined;
function oddPrimesBelow2000(): readonly bigint[] {
  if (smallPrimes === undefined) {
    const out: bigint[] = [];
    for (let n = 3; n < 2000; n += 2) if (out.every((p) => BigInt(n) % p !== 0n)) out.push(BigInt(n));
    smallPrimes = out;
  }
  return smallPrimes;
}
const WITNESSES = [2n, 3n, 5n, 7n, 11n, 13n, 17n, 19n, 23n, 29n, 31n, 37n, 41n, 43n, 47n, 53n, 59n, 61n, 67n, 71n];

function isProbablePrime(n: bigint): boolean {
  for (const p of oddPrimesBelow2000()) if (n % p === 0n) return n === p;
  let d = n - 1n;
  let s = 0;
  while ((d & 1n) === 0n) {
    d >>= 1n;
    s++;
  }
  witness: for (const a of WITNESSES) {
    let x = modPow(a, d, n);
    if (x === 1n || x === n - 1n) continue;
    for (let r = 1; r < s; r++) {
      x = (x * x) % n;
      if (x === n - 1n) continue witness;
    }
    return false;
  }
  return true;
}

/** A 1024-bit prime p with gcd(p - 1, e) = 1, the top two bits set (so p * q has 2048 bits). */
function prime(label: string): bigint {
  const next = stream(label);
  for (;;) {
    const bytes = Buffer.concat([next(), next(), next(), next()]); // 128 bytes
    bytes[0]! |= 0xc0;
    bytes[127]! |= 0x01;
    const candidate = toBigInt(bytes);
    if ((candidate - 1n) % E !== 0n && isProbablePrime(candidate)) return candidate;
  }
}

function modInverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [a % m, m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  return ((oldS % m) + m) % m;
}

const b64url = (n: bigint): string => {
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  return Buffer.from(hex, 'hex').toString('base64url');
};

export interface SigningKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

let key: SigningKey | undefined;

/** The emulator's schema 1 signing key (the same on every run). */
export function schema1SigningKey(): SigningKey {
  if (key) return key;
  const p = prime('p');
  const q = prime('q');
  const n = p * q;
  const d = modInverse(E, (p - 1n) * (q - 1n));
  const jwk = {
    kty: 'RSA',
    n: b64url(n),
    e: b64url(E),
    d: b64url(d),
    p: b64url(p),
    q: b64url(q),
    dp: b64url(d % (p - 1n)),
    dq: b64url(d % (q - 1n)),
    qi: b64url(modInverse(q, p)),
  };
  const privateKey = createPrivateKey({ key: jwk, format: 'jwk' });
  key = { privateKey, publicKey: createPublicKey(privateKey) };
  return key;
}

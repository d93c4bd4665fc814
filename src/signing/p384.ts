/**
 * ECDSA P-384 (@noble/curves), loaded on first use: building the curve's tables costs
 * ~10 ms, which a start of the emulator (that signs nothing until a signing rule and a push
 * meet) should not pay. Every way to a signing key goes through `SigningKeys.get()` or
 * `testCertificate()`, which await `loadP384()`; the synchronous helpers that take a key
 * (`publicJwk`, `jwsEnvelope`, ...) run after one of them and use `p384()`.
 */
import type { p384 as P384 } from '@noble/curves/nist.js';

let curve: typeof P384 | undefined;
let loading: Promise<typeof P384> | undefined;

export async function loadP384(): Promise<typeof P384> {
  loading ??= import('@noble/curves/nist.js').then((m) => {
    curve = m.p384;
    return m.p384;
  });
  return loading;
}

/** The curve, once `loadP384()` has resolved. */
export function p384(): typeof P384 {
  if (curve === undefined) throw new Error('P-384 is used before loadP384() resolved');
  return curve;
}

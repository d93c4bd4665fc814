import { randomUUID } from 'node:crypto';

/**
 * Ids (upload ids, tokens' nonces) enter the domain only through an IdSource,
 * so a seeded recording produces the same ids every run.
 */
export interface IdSource {
  /** A UUID-shaped id (8-4-4-4-12 lowercase hex). */
  uuid(): string;
  /** `n` bytes of hex. */
  hex(bytes: number): string;
}

export function randomIds(): IdSource {
  return {
    uuid: () => randomUUID(),
    hex: (bytes) => {
      let out = '';
      while (out.length < bytes * 2) out += randomUUID().replaceAll('-', '');
      return out.slice(0, bytes * 2);
    },
  };
}

/** Deterministic ids from a 32-bit seed (mulberry32): same seed, same ids. */
export function seededIds(seed: number): IdSource {
  let a = seed >>> 0;
  const next32 = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const hex = (bytes: number): string => {
    let out = '';
    while (out.length < bytes * 2) out += next32().toString(16).padStart(8, '0');
    return out.slice(0, bytes * 2);
  };
  return {
    hex,
    uuid: () => {
      const h = hex(16);
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16] ?? '0', 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
    },
  };
}

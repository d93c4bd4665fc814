/**
 * The canonical form of a registry state: what "the same state" means for
 * replay checks, resets, snapshots and compaction. Maps become entry lists
 * sorted by key, object keys are sorted, manifest bytes are replaced by their
 * sha256, and the sequence number is left out (two histories of different
 * lengths can reach the same state). Derived indexes (a repository's
 * `tagsByDigest`, rebuilt from its tags) are left out too: the facts they are
 * derived from are in, and states hashed before they existed keep their hash.
 */
import { createHash } from 'node:crypto';
import type { RegistryState } from '../domain/state.ts';

/** Fields that are derived from others in the state (not facts of their own). */
const DERIVED = new Set(['tagsByDigest']);

function canonical(value: unknown): unknown {
  if (value instanceof Uint8Array) return { sha256: createHash('sha256').update(value).digest('hex') };
  if (value instanceof Map) {
    return [...value.entries()]
      .map(([k, v]) => [String(k), canonical(v)] as const)
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      if (DERIVED.has(k)) continue;
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = canonical(v);
    }
    return out;
  }
  return value;
}

/** Any value as key-sorted JSON (Maps as sorted entries, bytes as their sha256). */
export const canonicalJson = (value: unknown): string => JSON.stringify(canonical(value)) ?? 'undefined';

/** The state as plain, key-sorted JSON-able data, without `seq`. */
export function canonicalState(state: RegistryState): unknown {
  const { seq: _seq, ...rest } = state;
  void _seq;
  return canonical(rest);
}

/** sha256 (hex) of the canonical state: equal hashes, equal registries. */
export function stateHash(state: RegistryState): string {
  return createHash('sha256')
    .update(JSON.stringify(canonicalState(state)))
    .digest('hex');
}

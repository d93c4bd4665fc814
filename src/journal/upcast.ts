import type { Envelope } from './envelope.ts';

/** Turns the data of one event type from schema version v into version v + 1. */
export type Upcaster = (data: unknown) => unknown;

/** upcasters[type][fromVersion] lifts `data` of that type from `fromVersion` to `fromVersion + 1`. */
export type UpcastTable = Record<string, Record<number, Upcaster>>;

/**
 * Brings an envelope to the newest version its type has an upcaster chain for.
 * Files are never rewritten: old versions stay on disk and are lifted on every read.
 * Returns the same object when nothing applies (the common case on the replay hot path).
 */
export function upcast(e: Envelope, table: UpcastTable): Envelope {
  const chain = table[e.type];
  if (chain === undefined) return e;
  let step = chain[e.v];
  if (step === undefined) return e;
  let { v, data } = e;
  while (step !== undefined) {
    data = step(data);
    v += 1;
    step = chain[v];
  }
  return { seq: e.seq, type: e.type, v, time: e.time, data };
}

/** True when the table holds no upcaster at all, so readers may skip the lookup. */
export function isEmptyTable(table: UpcastTable | undefined): boolean {
  return table === undefined || Object.keys(table).length === 0;
}

/**
 * One journal record: the envelope every event travels in.
 *
 * - `seq`  gap-free sequence number, starting at 1, assigned by the journal on append;
 * - `type` the event type (`RepositoryCreated`, ...);
 * - `v`    the schema version of `data` for that type (see upcast.ts);
 * - `time` milliseconds since the Unix epoch, decided when the event was created, never at replay;
 * - `data` the event's payload, any msgpack-encodable value.
 */
export interface Envelope {
  seq: number;
  type: string;
  v: number;
  time: number;
  data: unknown;
}

/** What a caller hands to `Journal.append`: an envelope before the journal numbers it. */
export type NewRecord = Omit<Envelope, 'seq'>;

/** Refuses a record the journal cannot store as it is (checked before anything is written). */
export function checkRecord(r: NewRecord): void {
  if (typeof r.type !== 'string' || r.type.length === 0) throw new TypeError('record type must be a non-empty string');
  if (!Number.isSafeInteger(r.v) || r.v < 0) throw new TypeError(`record ${r.type}: v must be a non-negative integer`);
  if (!Number.isFinite(r.time)) throw new TypeError(`record ${r.type}: time must be a finite number (ms since epoch)`);
}

/** Anything thrown, as an Error. */
export const toError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

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

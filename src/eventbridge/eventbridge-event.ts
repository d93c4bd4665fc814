/**
 * An event as Amazon EventBridge delivers it (the envelope every AWS service event has):
 * version, id, detail-type, source, account, time, region, resources, detail.
 *
 * The id is derived from the journal position it came from, so a replay gives the same ids:
 * `IIIIIIII-0000-8000-8000-SSSSSSSSSSSS`, with S the journal sequence number and I the
 * event's index among those that sequence number gave (hex, zero-padded; a UUID of
 * version 8, "custom"). A consumer can resume right after an id with `from=<seq of it>`.
 */
export interface EventBridgeEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: 'aws.ecr';
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

/** What a mapping gives for one journal event: the rest of the envelope comes from the event. */
export interface EventBridgeDraft {
  detailType: string;
  account: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

export const eventBridgeId = (seq: number, index: number): string =>
  `${index.toString(16).padStart(8, '0')}-0000-8000-8000-${seq.toString(16).padStart(12, '0')}`;

/** The journal position of an id made by eventBridgeId, or undefined for any other string. */
export function positionOfId(id: string): { seq: number; index: number } | undefined {
  const m = /^([0-9a-f]{8})-0000-8000-8000-([0-9a-f]{12})$/.exec(id);
  return m ? { seq: parseInt(m[2]!, 16), index: parseInt(m[1]!, 16) } : undefined;
}

/** EventBridge's time: ISO 8601 in whole seconds, UTC. */
export const eventBridgeTime = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

export function envelope(seq: number, index: number, time: number, d: EventBridgeDraft): EventBridgeEvent {
  return {
    version: '0',
    id: eventBridgeId(seq, index),
    'detail-type': d.detailType,
    source: 'aws.ecr',
    account: d.account,
    time: eventBridgeTime(time),
    region: d.region,
    resources: d.resources,
    detail: d.detail,
  };
}

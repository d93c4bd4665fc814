/**
 * One line of history per event, for `ecr-rewind log` and GET /_rewind/events:
 * the repository it concerns, the tag or digest it names, and a short summary.
 * Event types this file does not know (ECR settings events) get a generic
 * summary from their data, so the log never hides an event.
 */
import type { RecordedEvent } from '../domain/events.ts';

export interface EventRow {
  seq: number;
  time: string;
  type: string;
  repository: string;
  ref: string;
  summary: string;
}

const short = (digest: string): string => (digest.startsWith('sha256:') ? digest.slice(0, 19) : digest);
const sizeText = (n: number): string =>
  n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 / 1024).toFixed(1)} MiB`;

function summarize(e: RecordedEvent): { ref: string; summary: string } {
  switch (e.type) {
    case 'RepositoryCreated':
      return { ref: '', summary: `created (${e.data.cause}, ${e.data.imageTagMutability})` };
    case 'RepositoryDeleted':
      return { ref: '', summary: 'deleted' };
    case 'UploadStarted':
      return { ref: e.data.uploadId, summary: `upload started via ${e.data.via}` };
    case 'ChunkAppended':
      return {
        ref: e.data.uploadId,
        summary: `${sizeText(e.data.length)} at ${e.data.offset}${e.data.part ? ` (part ${e.data.part})` : ''}`,
      };
    case 'UploadCompleted':
      return { ref: short(e.data.digest), summary: `blob committed, ${sizeText(e.data.size)}` };
    case 'UploadCancelled':
      return { ref: e.data.uploadId, summary: 'upload cancelled' };
    case 'UploadExpired':
      return { ref: e.data.uploadId, summary: e.data.reason === 'ttl' ? 'upload expired' : 'upload closed: staged bytes missing' };
    case 'BlobMounted':
      return { ref: short(e.data.digest), summary: `blob mounted${e.data.from ? ` from ${e.data.from}` : ''}` };
    case 'BlobDeleted':
      return { ref: short(e.data.digest), summary: 'blob unlinked' };
    case 'ManifestPut':
      return {
        ref: short(e.data.digest),
        summary: `manifest ${e.data.mediaType.replace(/^application\//, '')}, ${sizeText(e.data.size)}${e.data.subject ? `, refers to ${short(e.data.subject)}` : ''}`,
      };
    case 'TagPut':
      return {
        ref: e.data.tag,
        summary: e.data.previous ? `moved ${short(e.data.previous)} -> ${short(e.data.digest)}` : `-> ${short(e.data.digest)}`,
      };
    case 'TagDeleted':
      return { ref: e.data.tag, summary: `untagged ${short(e.data.digest)}` };
    case 'ImageDeleted':
      return { ref: short(e.data.digest), summary: 'image deleted' };
    case 'ImagePulled':
      return { ref: short(e.data.digest), summary: 'pulled' };
    case 'MarkSet':
      return { ref: e.data.name, summary: `mark '${e.data.name}' at seq ${e.data.at}` };
    case 'Rewound':
      return { ref: e.data.mark ?? '', summary: `rewound to seq ${e.data.to}${e.data.mark ? ` (mark '${e.data.mark}')` : ''}` };
    default: {
      const { account: _a, region: _r, repository: _n, ...rest } = e.data as unknown as Record<string, unknown>;
      const text = JSON.stringify(rest, (_k, v: unknown) => (v instanceof Uint8Array ? `<${v.byteLength} bytes>` : v));
      return { ref: '', summary: text.length > 80 ? `${text.slice(0, 77)}...` : text };
    }
  }
}

/**
 * The repository an event concerns, or ''. Upload events after the first name
 * their upload only: `uploads` (upload id -> repository, filled from the
 * UploadStarted events seen so far) supplies it.
 */
export function repositoryOf(e: RecordedEvent, uploads?: Map<string, string>): string {
  const d = e.data as { repository?: unknown; uploadId?: unknown };
  if (typeof d.repository === 'string') {
    if (e.type === 'UploadStarted') uploads?.set(e.data.uploadId, d.repository);
    return d.repository;
  }
  return typeof d.uploadId === 'string' ? (uploads?.get(d.uploadId) ?? '') : '';
}

export function eventRow(e: RecordedEvent, uploads?: Map<string, string>): EventRow {
  return { seq: e.seq, time: new Date(e.time).toISOString(), type: e.type, repository: repositoryOf(e, uploads), ...summarize(e) };
}

/** An event as one JSON line: the envelope, with manifest bytes as base64. */
export function eventJson(e: RecordedEvent): string {
  return JSON.stringify({ seq: e.seq, time: new Date(e.time).toISOString(), type: e.type, v: e.v, data: e.data }, (_k, v: unknown) =>
    v instanceof Uint8Array ? { base64: Buffer.from(v).toString('base64') } : v,
  );
}

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

export const short = (digest: string): string => (digest.startsWith('sha256:') ? digest.slice(0, 19) : digest);
const iso = (ms: number): string => new Date(ms).toISOString();
const sizeText = (n: number): string =>
  n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 / 1024).toFixed(1)} MiB`;

/** The scanning events' lines (domain/scanning), or undefined for any other event. */
function scanSummary(e: RecordedEvent): { ref: string; summary: string } | undefined {
  switch (e.type) {
    case 'AdvisoriesPut':
      return { ref: '', summary: `${e.data.advisories.length} advisories${e.data.source ? ` (${e.data.source})` : ''}` };
    case 'ImageScanStarted':
      return { ref: short(e.data.digest), summary: `${e.data.scanType.toLowerCase()} scan started (${e.data.trigger})` };
    case 'ImageInventoried': {
      const i = e.data.inventory;
      const os = i.os ? `${i.os.id}${i.os.versionId ? ` ${i.os.versionId}` : ''}` : 'no distribution';
      return {
        ref: short(e.data.digest),
        summary: i.kind === 'artifact' ? 'inventory: not a container image' : `inventory: ${os}, ${i.packages.length} packages`,
      };
    }
    case 'ImageScanCompleted': {
      const counts = new Map<string, number>();
      for (const f of e.data.findings) counts.set(f.severity, (counts.get(f.severity) ?? 0) + 1);
      const text = [...counts].map(([s, n]) => `${n} ${s}`).join(', ');
      return {
        ref: short(e.data.digest),
        summary: `${e.data.scanType.toLowerCase()} scan ${e.data.status}${text ? `: ${text}` : e.data.findings.length === 0 && (e.data.status === 'COMPLETE' || e.data.status === 'ACTIVE') ? ': no findings' : ''}`,
      };
    }
    case 'ImageScanStatusChanged':
      return { ref: short(e.data.digest), summary: `${e.data.scanType.toLowerCase()} scan ${e.data.status}` };
    default:
      return undefined;
  }
}

function summarize(e: RecordedEvent): { ref: string; summary: string } {
  const scan = scanSummary(e);
  if (scan) return scan;
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
    case 'ImageExpired':
      return {
        ref: short(e.data.digest),
        summary: `expired by lifecycle rule ${e.data.rulePriority} (run as of ${iso(e.data.evaluatedAt)})${e.data.tags.length > 0 ? `, tags ${e.data.tags.join(', ')}` : ''}`,
      };
    case 'ImageTransitioned':
      return {
        ref: short(e.data.digest),
        summary: `archived by lifecycle rule ${e.data.rulePriority} (run as of ${iso(e.data.evaluatedAt)})`,
      };
    case 'LifecyclePolicyEvaluated':
      return {
        ref: '',
        summary: `lifecycle policy ran as of ${iso(e.data.evaluatedAt)} (${e.data.trigger}): ${e.data.expired} expired, ${e.data.transitioned} archived`,
      };
    case 'LifecyclePolicyPut':
      return { ref: '', summary: 'lifecycle policy put' };
    case 'LifecyclePolicyDeleted':
      return { ref: '', summary: 'lifecycle policy deleted' };
    case 'LifecyclePolicyPreviewStarted':
      return { ref: '', summary: 'lifecycle policy preview started' };
    case 'LifecyclePolicyPreviewCompleted':
      return { ref: '', summary: `lifecycle policy preview as of ${iso(e.data.evaluatedAt)}: ${e.data.results.length} images acted on` };
    case 'ClockAdvanced':
      return { ref: '', summary: `clock advanced by ${e.data.byMs} ms (offset ${e.data.offsetMs} ms)` };
    default: {
      const { account: _a, region: _r, repository: _n, ...rest } = e.data as unknown as Record<string, unknown>;
      const text = JSON.stringify(rest, (_k, v: unknown) => (v instanceof Uint8Array ? `<${v.byteLength} bytes>` : v));
      return { ref: '', summary: text.length > 80 ? `${text.slice(0, 77)}...` : text };
    }
  }
}

/** The one-line summary of an event (what `log` shows beside its type). */
export const summaryOf = (e: RecordedEvent): string => summarize(e).summary;

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

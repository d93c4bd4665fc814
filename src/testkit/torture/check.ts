/**
 * What a torture client checks after each restart: the operation in flight at the kill either
 * happened or did not (an upload in flight still answers and completes, or is cleanly unknown);
 * then every acknowledged blob and manifest reads back byte-identical and every acknowledged
 * delete stays deleted. A 5xx anywhere is a failure: "stuck" for uploads, "lost" for the rest.
 */
import { type ClientModel, ecr, HttpFailure, type Wire } from './client.ts';

export interface ClientCheck {
  lost: string[];
  stuck: string[];
  /** Acknowledged items read back. */
  checked: number;
}

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

async function get(w: Wire, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set('Authorization', w.basic);
  return fetch(`${w.endpoint}${path}`, { ...init, headers, signal: AbortSignal.timeout(60_000) });
}

/** Finishes an upload that was open at the kill, from where the registry says it is. */
async function finishUpload(
  w: Wire,
  m: ClientModel,
  p: Extract<ClientModel['pending'], { kind: 'upload' }>,
  out: ClientCheck,
): Promise<void> {
  const status = await get(w, p.location);
  await status.arrayBuffer();
  if (status.status === 404) return; // closed (its bytes were gone): the client pushes again
  if (status.status !== 204) {
    out.stuck.push(`${m.repo} upload ${p.location}: status answers ${status.status}`);
    return;
  }
  const last = Number((status.headers.get('range') ?? '0-0').split('-')[1]);
  // `0-0` is an empty upload or one of one byte
  for (const offset of last === 0 ? [0, 1] : [last + 1]) {
    const rest = p.bytes.subarray(offset);
    const res = await get(w, `${p.location}?digest=${p.digest}`, { method: 'PUT', ...(rest.length > 0 ? { body: rest } : {}) });
    const text = await res.text();
    if (res.status === 201) {
      m.blobs.set(p.digest, p.bytes);
      m.acked.blobs++;
      return;
    }
    if (res.status >= 500) break;
    if (offset === 1 || last !== 0) {
      out.stuck.push(`${m.repo} upload ${p.location}: completing it answers ${res.status} ${text.slice(0, 200)}`);
      return;
    }
  }
  out.stuck.push(`${m.repo} upload ${p.location}: completing it answers a server error`);
}

async function finishEcrUpload(
  w: Wire,
  m: ClientModel,
  p: Extract<ClientModel['pending'], { kind: 'ecr-upload' }>,
  out: ClientCheck,
): Promise<void> {
  const res = await ecr(
    w,
    'CompleteLayerUpload',
    { repositoryName: m.repo, uploadId: p.uploadId, layerDigests: [p.digest] },
    [200, 400],
  ).catch((err: unknown) => err);
  if (res instanceof HttpFailure) out.stuck.push(`${m.repo} ECR upload ${p.uploadId}: ${res.message}`);
  else if (res instanceof Error) throw res;
  else if ((res as { status: number }).status === 200) {
    m.blobs.set(p.digest, p.bytes);
    m.acked.blobs++;
  }
}

/** Settles the operation in flight at the kill: it happened (the model learns it) or it did not. */
async function settlePending(w: Wire, m: ClientModel, out: ClientCheck): Promise<void> {
  const p = m.pending;
  m.pending = undefined;
  if (p === undefined) return;
  if (p.kind === 'upload') return finishUpload(w, m, p, out);
  if (p.kind === 'ecr-upload') return finishEcrUpload(w, m, p, out);
  if (p.kind === 'blob') {
    const res = await get(w, `/v2/${m.repo}/blobs/${p.digest}`);
    const bytes = Buffer.from(await res.arrayBuffer());
    if (res.status === 200 && bytes.equals(p.bytes)) {
      m.blobs.set(p.digest, p.bytes);
      m.acked.blobs++;
    } else if (res.status !== 404) out.lost.push(`${m.repo} blob ${p.digest} in flight: ${res.status}, ${bytes.length} bytes`);
    return;
  }
  if (p.kind === 'manifest') {
    const res = await get(w, `/v2/${m.repo}/manifests/${p.tag}`, { headers: { Accept: OCI_MANIFEST } });
    const bytes = Buffer.from(await res.arrayBuffer());
    if (res.status === 200 && bytes.equals(p.bytes)) {
      m.images.set(p.tag, { digest: p.digest, bytes: p.bytes });
      m.acked.manifests++;
    } else if (res.status !== 404) out.lost.push(`${m.repo}:${p.tag} in flight: ${res.status}`);
    return;
  }
  const res = await get(w, `/v2/${m.repo}/manifests/${p.digest}`, { method: 'HEAD', headers: { Accept: OCI_MANIFEST } });
  if (res.status === 404) {
    m.images.delete(p.tag);
    m.deleted.add(p.digest);
    m.acked.deletes++;
  } else if (res.status !== 200) out.lost.push(`${m.repo}@${p.digest} delete in flight: ${res.status}`);
}

/** Reads back what the client was told is stored (all of it, or a sample of `sample` per kind). */
async function readBack(w: Wire, m: ClientModel, out: ClientCheck, sample: number | undefined): Promise<void> {
  const pick = <T>(items: T[]): T[] =>
    sample === undefined || items.length <= sample ? items : items.sort(() => Math.random() - 0.5).slice(0, sample);
  for (const [digest, bytes] of pick([...m.blobs])) {
    const res = await get(w, `/v2/${m.repo}/blobs/${digest}`);
    const got = Buffer.from(await res.arrayBuffer());
    out.checked++;
    if (res.status !== 200 || !got.equals(bytes))
      out.lost.push(`${m.repo} blob ${digest}: ${res.status}, ${got.length} of ${bytes.length} bytes`);
  }
  for (const [tag, image] of pick([...m.images])) {
    const res = await get(w, `/v2/${m.repo}/manifests/${tag}`, { headers: { Accept: OCI_MANIFEST } });
    const got = Buffer.from(await res.arrayBuffer());
    out.checked++;
    if (res.status !== 200 || !got.equals(image.bytes)) out.lost.push(`${m.repo}:${tag}: ${res.status}`);
  }
  for (const digest of pick([...m.deleted])) {
    if ([...m.images.values()].some((i) => i.digest === digest)) continue; // pushed again since
    const res = await get(w, `/v2/${m.repo}/manifests/${digest}`, { method: 'HEAD', headers: { Accept: OCI_MANIFEST } });
    out.checked++;
    if (res.status !== 404) out.lost.push(`${m.repo}@${digest} was deleted, answers ${res.status}`);
  }
}

/** The checks of one client after a restart. */
export async function checkClient(w: Wire, m: ClientModel, sample?: number): Promise<ClientCheck> {
  const out: ClientCheck = { lost: [], stuck: [], checked: 0 };
  await settlePending(w, m, out);
  await readBack(w, m, out, sample);
  return out;
}

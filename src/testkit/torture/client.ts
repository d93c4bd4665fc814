/**
 * One torture client: a repository of its own, driven through both faces with mixed traffic
 * (whole-blob and chunked /v2 pushes, ECR layer uploads, /v2 and ECR manifest pushes, /v2 and ECR
 * deletes, reads), one operation at a time. It remembers what the registry acknowledged, and the
 * one operation that was in flight when the server died (its outcome is either before or after).
 */
import { createHash, randomBytes } from 'node:crypto';

export const sha256 = (bytes: Uint8Array): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** An operation whose answer never came: after a restart it either happened or not. */
export type Pending =
  | { kind: 'blob'; digest: string; bytes: Buffer }
  | { kind: 'upload'; location: string; digest: string; bytes: Buffer }
  | { kind: 'ecr-upload'; uploadId: string; digest: string; bytes: Buffer }
  | { kind: 'manifest'; tag: string; digest: string; bytes: Buffer }
  | { kind: 'delete'; tag: string; digest: string };

export interface ClientModel {
  readonly repo: string;
  /** Acknowledged blobs of the repository. */
  readonly blobs: Map<string, Buffer>;
  /** Acknowledged images: tag -> manifest (one tag per manifest). */
  readonly images: Map<string, { digest: string; bytes: Buffer }>;
  /** Acknowledged deletions (manifest digests). */
  readonly deleted: Set<string>;
  pending: Pending | undefined;
  /** Counts of acknowledged operations. */
  readonly acked: { blobs: number; manifests: number; deletes: number };
}

export const newModel = (repo: string): ClientModel => ({
  repo,
  blobs: new Map(),
  images: new Map(),
  deleted: new Set(),
  pending: undefined,
  acked: { blobs: 0, manifests: 0, deletes: 0 },
});

/** Where a client talks: the endpoint and the credentials of this server run. */
export interface Wire {
  endpoint: string;
  /** `Basic AWS:<token>` for /v2 */
  basic: string;
  account: string;
}

/** A random source of its own (mulberry32), so that a seed gives the same traffic. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

export class HttpFailure extends Error {
  constructor(
    readonly status: number,
    what: string,
    body: string,
  ) {
    super(`${what}: HTTP ${status} ${body.slice(0, 300)}`);
  }
}

async function call(wire: Wire, path: string, init: RequestInit, what: string, ok: number[]): Promise<Response> {
  const headers = new Headers(init.headers);
  if (path.startsWith('/v2')) headers.set('Authorization', wire.basic);
  const res = await fetch(`${wire.endpoint}${path}`, { ...init, headers, signal: AbortSignal.timeout(60_000) });
  if (!ok.includes(res.status)) throw new HttpFailure(res.status, what, await res.text());
  return res;
}

export async function ecr(
  wire: Wire,
  operation: string,
  input: unknown,
  ok = [200],
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${wire.endpoint}/`, {
    method: 'POST',
    signal: AbortSignal.timeout(60_000),
    headers: {
      'Content-Type': 'application/x-amz-json-1.1',
      'X-Amz-Target': `AmazonEC2ContainerRegistry_V20150921.${operation}`,
      Authorization: `AWS4-HMAC-SHA256 Credential=${wire.account}/20260101/us-east-1/ecr/aws4_request, SignedHeaders=host, Signature=${'0'.repeat(64)}`,
    },
    body: JSON.stringify(input),
  });
  const text = await res.text();
  if (!ok.includes(res.status)) throw new HttpFailure(res.status, `ECR ${operation}`, text);
  return { status: res.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

const blobBytes = (rnd: () => number, max: number): Buffer => randomBytes(1 + Math.floor(rnd() * max));

async function pushWhole(w: Wire, m: ClientModel, rnd: () => number): Promise<void> {
  const bytes = blobBytes(rnd, 64 * 1024);
  const digest = sha256(bytes);
  m.pending = { kind: 'blob', digest, bytes };
  await call(w, `/v2/${m.repo}/blobs/uploads/?digest=${digest}`, { method: 'POST', body: bytes }, 'push blob', [201]);
  ackBlob(m, digest, bytes);
}

async function pushChunked(w: Wire, m: ClientModel, rnd: () => number): Promise<void> {
  const bytes = blobBytes(rnd, 256 * 1024);
  const digest = sha256(bytes);
  m.pending = { kind: 'blob', digest, bytes };
  const start = await call(w, `/v2/${m.repo}/blobs/uploads/`, { method: 'POST' }, 'start upload', [202]);
  let location = start.headers.get('location') ?? '';
  m.pending = { kind: 'upload', location, digest, bytes };
  // bytes [0, cut) go in 1 to 3 PATCHes, the rest (maybe nothing) with the PUT
  const cut = Math.floor(bytes.length * rnd());
  const step = Math.max(1, Math.ceil(cut / (1 + Math.floor(rnd() * 3))));
  for (let off = 0; off < cut; off += step) {
    const part = bytes.subarray(off, Math.min(cut, off + step));
    const res = await call(
      w,
      location,
      { method: 'PATCH', body: part, headers: { 'Content-Range': `${off}-${off + part.length - 1}` } },
      'upload chunk',
      [202],
    );
    location = res.headers.get('location') ?? location;
  }
  const rest = bytes.subarray(cut);
  await call(w, `${location}?digest=${digest}`, { method: 'PUT', ...(rest.length > 0 ? { body: rest } : {}) }, 'finish upload', [201]);
  ackBlob(m, digest, bytes);
}

async function pushEcr(w: Wire, m: ClientModel, rnd: () => number): Promise<void> {
  const bytes = blobBytes(rnd, 64 * 1024);
  const digest = sha256(bytes);
  m.pending = { kind: 'blob', digest, bytes };
  const { body } = await ecr(w, 'InitiateLayerUpload', { repositoryName: m.repo });
  const uploadId = String(body.uploadId);
  m.pending = { kind: 'ecr-upload', uploadId, digest, bytes };
  await ecr(w, 'UploadLayerPart', {
    repositoryName: m.repo,
    uploadId,
    partFirstByte: 0,
    partLastByte: bytes.length - 1,
    layerPartBlob: bytes.toString('base64'),
  });
  const done = await ecr(w, 'CompleteLayerUpload', { repositoryName: m.repo, uploadId, layerDigests: [digest] }, [200, 400]);
  // the repository may hold this digest already (LayerAlreadyExistsException): the bytes are there either way
  if (done.status === 400 && done.body.__type !== 'LayerAlreadyExistsException')
    throw new HttpFailure(400, 'complete', JSON.stringify(done.body));
  ackBlob(m, digest, bytes);
}

function ackBlob(m: ClientModel, digest: string, bytes: Buffer): void {
  m.pending = undefined;
  if (!m.blobs.has(digest)) m.acked.blobs++;
  m.blobs.set(digest, bytes);
}

/** An image manifest over acknowledged blobs, unique by a nonce; undefined without blobs. */
function manifestOf(m: ClientModel, rnd: () => number): Buffer | undefined {
  const digests = [...m.blobs.keys()];
  if (digests.length === 0) return undefined;
  const pick = (): string => digests[Math.floor(rnd() * digests.length)]!;
  const descriptor = (mediaType: string, d: string) => ({ mediaType, digest: d, size: m.blobs.get(d)!.length });
  const layers = Array.from({ length: 1 + Math.floor(rnd() * 2) }, () => descriptor('application/vnd.oci.image.layer.v1.tar', pick()));
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: descriptor('application/vnd.oci.image.config.v1+json', pick()),
      layers,
      annotations: { nonce: randomBytes(8).toString('hex') },
    }),
  );
}

async function putManifest(w: Wire, m: ClientModel, rnd: () => number, face: 'oci' | 'ecr'): Promise<void> {
  const bytes = manifestOf(m, rnd);
  if (!bytes) return pushWhole(w, m, rnd);
  const digest = sha256(bytes);
  const tag = `t${randomBytes(6).toString('hex')}`;
  m.pending = { kind: 'manifest', tag, digest, bytes };
  if (face === 'oci')
    await call(
      w,
      `/v2/${m.repo}/manifests/${tag}`,
      { method: 'PUT', body: bytes, headers: { 'Content-Type': OCI_MANIFEST } },
      'put manifest',
      [201],
    );
  else await ecr(w, 'PutImage', { repositoryName: m.repo, imageTag: tag, imageManifest: bytes.toString('utf8') });
  m.pending = undefined;
  m.images.set(tag, { digest, bytes });
  m.acked.manifests++;
}

async function deleteImage(w: Wire, m: ClientModel, rnd: () => number, face: 'oci' | 'ecr'): Promise<void> {
  const tags = [...m.images.keys()];
  if (tags.length === 0) return putManifest(w, m, rnd, face);
  const tag = tags[Math.floor(rnd() * tags.length)]!;
  const { digest } = m.images.get(tag)!;
  m.pending = { kind: 'delete', tag, digest };
  if (face === 'oci') await call(w, `/v2/${m.repo}/manifests/${digest}`, { method: 'DELETE' }, 'delete manifest', [202]);
  else {
    const { body } = await ecr(w, 'BatchDeleteImage', { repositoryName: m.repo, imageIds: [{ imageTag: tag }] });
    if ((body.failures as unknown[] | undefined)?.length) throw new HttpFailure(200, 'BatchDeleteImage', JSON.stringify(body));
  }
  m.pending = undefined;
  m.images.delete(tag);
  m.deleted.add(digest);
  m.acked.deletes++;
}

async function readBack(w: Wire, m: ClientModel, rnd: () => number): Promise<void> {
  const tags = [...m.images.keys()];
  if (tags.length === 0) return;
  const tag = tags[Math.floor(rnd() * tags.length)]!;
  const res = await call(w, `/v2/${m.repo}/manifests/${tag}`, { headers: { Accept: OCI_MANIFEST } }, 'get manifest', [200]);
  const got = Buffer.from(await res.arrayBuffer());
  if (!got.equals(m.images.get(tag)!.bytes)) throw new Error(`${m.repo}:${tag} reads back different bytes while the server runs`);
}

/** One random operation of the mix. */
export function step(w: Wire, m: ClientModel, rnd: () => number): Promise<void> {
  const face = rnd() < 0.5 ? 'oci' : 'ecr';
  const x = rnd();
  if (x < 0.2) return pushWhole(w, m, rnd);
  if (x < 0.35) return pushChunked(w, m, rnd);
  if (x < 0.5) return pushEcr(w, m, rnd);
  if (x < 0.8) return putManifest(w, m, rnd, face);
  if (x < 0.92) return deleteImage(w, m, rnd, face);
  return readBack(w, m, rnd);
}

// The flows of the current OCI distribution-spec conformance runner (conformance/run.go and
// api.go, spec version 1.1 plus the 1.1+dev extras) replayed over raw HTTP with the request
// shapes its Go client sends: manifest PUTs and streamed PATCHes without a Content-Length
// (chunked), chunks with `Content-Range: start-end`, `?digest=` added to the upload Location.
// Titles name the runner function whose expectations each test checks.
import { createHash, randomBytes } from 'node:crypto';
import test, { type ExecutionContext } from 'ava';
import { OCI_CONFIG, OCI_EMPTY, OCI_INDEX, OCI_LAYER, OCI_MANIFEST, startRegistry, type Registry } from './registry-fixture.ts';

type Algo = 'sha256' | 'sha512';
const REPO = 'conformance/repo1';
const REPO2 = 'conformance/repo2';
const OCTET = 'application/octet-stream';
const EXAMPLE1 = 'application/vnd.example.oci.conformance.v1';
const EXAMPLE2 = 'application/vnd.example.oci.conformance.v2';
const ACCEPT = `${OCI_INDEX}, ${OCI_MANIFEST}`;

const hash = (algo: Algo, bytes: Uint8Array): string => `${algo}:${createHash(algo).update(bytes).digest('hex')}`;
const start = (): Promise<Registry> => startRegistry({}, [REPO, REPO2]);

/** Byte equality without ava's deep diff, which takes seconds on a 4 MB manifest. */
const sameBytes = async (t: ExecutionContext, res: Response, expected: Uint8Array, message?: string): Promise<void> => {
  t.true(Buffer.from(await res.arrayBuffer()).equals(expected), message ?? 'the bytes served are the bytes pushed');
};

/** A body without a length, as Go sends `req.Body` when ContentLength is left at 0. */
const chunked = (bytes: Uint8Array): RequestInit =>
  ({
    body: new ReadableStream({
      start(c) {
        c.enqueue(bytes.subarray(0, 7));
        c.enqueue(bytes.subarray(7));
        c.close();
      },
    }),
    duplex: 'half',
  }) as RequestInit;

/** `loc` with `key=value` set in its query, as the runner resolves and extends Location headers. */
const withQuery = (loc: string, key: string, value: string): string => {
  const u = new URL(loc, 'http://registry');
  u.searchParams.set(key, value);
  return `${u.pathname}${u.search}`;
};

// ---------------------------------------------------------------- blobs (TestBlobAPIs)

/** BlobVerifyLocation + TestHeadBlob + TestPullBlob + TestDeleteBlob, in that order. */
async function verifyBlobAndDelete(t: ExecutionContext, reg: Registry, loc: string | null, digest: string, bytes: Buffer): Promise<void> {
  t.truthy(loc, 'a Location header');
  const atLocation = await reg.fetch(loc!);
  t.is(atLocation.status, 200);
  await sameBytes(t, atLocation, bytes);
  const head = await reg.fetch(`/v2/${REPO}/blobs/${digest}`, { method: 'HEAD' });
  t.is(head.status, 200);
  t.is(head.headers.get('content-length'), String(bytes.length));
  t.is(head.headers.get('docker-content-digest'), digest);
  const get = await reg.fetch(`/v2/${REPO}/blobs/${digest}`);
  t.is(get.status, 200);
  t.is(get.headers.get('content-length'), String(bytes.length));
  t.is(get.headers.get('docker-content-digest'), digest);
  await sameBytes(t, get, bytes);
  t.is((await reg.fetch(`/v2/${REPO}/blobs/${digest}`, { method: 'DELETE' })).status, 202);
  t.is((await reg.fetch(`/v2/${REPO}/blobs/${digest}`, { method: 'HEAD' })).status, 404);
}

/** api.BlobPostPut: POST, then PUT ?digest= with the whole blob. */
async function postPut(reg: Registry, repo: string, digest: string, bytes: Buffer): Promise<Response> {
  const post = await reg.fetch(`/v2/${repo}/blobs/uploads/`, { method: 'POST' });
  if (post.status !== 202) throw new Error(`POST answered ${post.status}`);
  return reg.fetch(withQuery(post.headers.get('location')!, 'digest', digest), {
    method: 'PUT',
    body: bytes,
    headers: { 'content-type': OCTET },
  });
}

/**
 * api.BlobPatchChunked: three chunks of at least 1024 bytes; with `outOfOrder` each chunk is first
 * sent at the wrong offset (416), and the upload's GET (204, `Range: 0-<last>`) says where to resume.
 */
async function patchChunked(
  t: ExecutionContext,
  reg: Registry,
  digest: string,
  bytes: Buffer,
  flags: { putLastChunk?: boolean; outOfOrder?: boolean } = {},
): Promise<Response> {
  const post = await reg.fetch(`/v2/${REPO}/blobs/uploads/`, { method: 'POST', headers: { 'content-length': '0' } });
  t.is(post.status, 202);
  let loc = post.headers.get('location')!;
  const size = Math.min(Math.max(Math.floor(bytes.length / 3) + 1, 1024), bytes.length);
  let last = -1;
  while (last < bytes.length - 1) {
    if (flags.outOfOrder) {
      let badStart = last + 1 + size;
      if (badStart >= bytes.length) badStart = 0;
      const badLast = Math.min(badStart + size - 1, bytes.length - 1);
      const put = flags.putLastChunk === true && badLast === bytes.length - 1;
      const url = put ? withQuery(loc, 'digest', digest) : loc;
      const wrong = await reg.fetch(url, {
        method: put ? 'PUT' : 'PATCH',
        body: bytes.subarray(badStart, badLast + 1),
        headers: { 'content-type': OCTET, 'content-range': `${badStart}-${badLast}` },
      });
      t.is(wrong.status, 416, `chunk ${badStart}-${badLast} out of order`);
      const status = await reg.fetch(url);
      t.is(status.status, 204);
      const range = status.headers.get('range') ?? '';
      t.true(range.startsWith('0-'), `Range ${range}`);
      if (last >= 0) t.is(range, `0-${last}`);
      loc = status.headers.get('location')!;
    }
    const from = last + 1;
    last = Math.min(from + size - 1, bytes.length - 1);
    const put = flags.putLastChunk === true && last === bytes.length - 1;
    const res = await reg.fetch(put ? withQuery(loc, 'digest', digest) : loc, {
      method: put ? 'PUT' : 'PATCH',
      body: bytes.subarray(from, last + 1),
      headers: { 'content-type': OCTET, 'content-range': `${from}-${last}` },
    });
    if (put) return res;
    t.is(res.status, 202);
    loc = res.headers.get('location')!;
  }
  return reg.fetch(withQuery(loc, 'digest', digest), { method: 'PUT', headers: { 'content-type': OCTET, 'content-length': '0' } });
}

/** api.BlobPatchStream: one PATCH with a chunked body, then an empty PUT ?digest=. */
async function patchStream(reg: Registry, digest: string, bytes: Buffer): Promise<Response> {
  const post = await reg.fetch(`/v2/${REPO}/blobs/uploads/`, { method: 'POST', headers: { 'content-length': '0' } });
  const patch = await reg.fetch(post.headers.get('location')!, { method: 'PATCH', headers: { 'content-type': OCTET }, ...chunked(bytes) });
  if (patch.status !== 202) throw new Error(`PATCH answered ${patch.status}`);
  return reg.fetch(withQuery(patch.headers.get('location')!, 'digest', digest), {
    method: 'PUT',
    headers: { 'content-type': OCTET, 'content-length': '0' },
  });
}

for (const algo of ['sha256', 'sha512'] as const) {
  test(`TestBlobAPIs ${algo}: post only, post+put, chunked (single, multi, put chunk, out of order), stream; each then head, get, delete`, async (t) => {
    await using reg = await start();
    t.is((await reg.fetch(`/v2/${REPO}/blobs/${hash(algo, randomBytes(512))}`)).status, 404, 'get-missing');

    const one = randomBytes(512);
    const postOnly = await reg.fetch(`/v2/${REPO}/blobs/uploads/?digest=${hash(algo, one)}`, {
      method: 'POST',
      body: one,
      headers: { 'content-type': OCTET },
    });
    t.is(postOnly.status, 201);
    t.is(postOnly.headers.get('docker-content-digest'), hash(algo, one));
    await verifyBlobAndDelete(t, reg, postOnly.headers.get('location'), hash(algo, one), one);

    const two = randomBytes(512);
    const pp = await postPut(reg, REPO, hash(algo, two), two);
    t.is(pp.status, 201);
    await verifyBlobAndDelete(t, reg, pp.headers.get('location'), hash(algo, two), two);

    const flagSets = [{}, {}, { putLastChunk: true }, { outOfOrder: true }, { outOfOrder: true, putLastChunk: true }];
    for (const [i, flags] of flagSets.entries()) {
      const bytes = randomBytes(i === 0 ? 512 : 1024 * 3 - 5);
      const res = await patchChunked(t, reg, hash(algo, bytes), bytes, flags);
      t.is(res.status, 201, `chunked ${JSON.stringify(flags)}`);
      t.is(res.headers.get('docker-content-digest'), hash(algo, bytes));
      await verifyBlobAndDelete(t, reg, res.headers.get('location'), hash(algo, bytes), bytes);
    }

    const streamed = randomBytes(512);
    const put = await patchStream(reg, hash(algo, streamed), streamed);
    t.is(put.status, 201);
    await verifyBlobAndDelete(t, reg, put.headers.get('location'), hash(algo, streamed), streamed);
  });

  test(`TestBlobAPIs ${algo}: mount from a repository, anonymous mount, mount of a missing blob falls back to an upload (202); cancel is 204`, async (t) => {
    await using reg = await start();
    for (const from of [REPO2, null]) {
      const bytes = randomBytes(512);
      const digest = hash(algo, bytes);
      t.is((await postPut(reg, REPO2, digest, bytes)).status, 201);
      const mount = await reg.fetch(`/v2/${REPO}/blobs/uploads/?mount=${digest}${from ? `&from=${from}` : ''}`, { method: 'POST' });
      t.is(mount.status, 201, `mount from ${from}`);
      t.is(mount.headers.get('docker-content-digest'), digest);
      await verifyBlobAndDelete(t, reg, mount.headers.get('location'), digest, bytes);
      t.is((await reg.fetch(`/v2/${REPO2}/blobs/${digest}`, { method: 'DELETE' })).status, 202);
    }
    // TestPushBlobMountMissing: the suite passes only when it has to fall back to POST+PUT
    const missing = randomBytes(512);
    const digest = hash(algo, missing);
    const mount = await reg.fetch(`/v2/${REPO}/blobs/uploads/?mount=${digest}&from=${REPO2}`, { method: 'POST' });
    t.is(mount.status, 202);
    const put = await reg.fetch(withQuery(mount.headers.get('location')!, 'digest', digest), {
      method: 'PUT',
      body: missing,
      headers: { 'content-type': OCTET },
    });
    t.is(put.status, 201);
    await verifyBlobAndDelete(t, reg, put.headers.get('location'), digest, missing);
    // TestPushBlobPostCancel (1.1+dev), then deleting the never-pushed blob is a 404
    const post = await reg.fetch(`/v2/${REPO}/blobs/uploads/`, { method: 'POST' });
    t.is((await reg.fetch(post.headers.get('location')!, { method: 'DELETE', headers: { 'content-length': '0' } })).status, 204);
    t.is((await reg.fetch(`/v2/${REPO}/blobs/${hash(algo, randomBytes(8))}`, { method: 'DELETE' })).status, 404);
  });

  test(`TestBlobAPIs ${algo}: range requests, the empty blob and {} round-trip, corrupt bytes are refused with 400 by every push method`, async (t) => {
    await using reg = await start();
    const body = randomBytes(2048);
    const digest = hash(algo, body);
    t.is((await postPut(reg, REPO, digest, body)).status, 201);
    const cases: [string, number, number?, number?][] = [
      ['bytes=500-1499', 206, 500, 1499],
      ['bytes=500-', 206, 500, 2047],
      ['bytes=-500', 206, 1548, 2047],
      ['bytes=2000-5000', 206, 2000, 2047],
      ['bytes=500-0', 416],
      ['bytes=5000-10000', 416],
    ];
    for (const [range, status, from, to] of cases) {
      const res = await reg.fetch(`/v2/${REPO}/blobs/${digest}`, { headers: { range } });
      t.is(res.status, status, range);
      if (from === undefined || to === undefined) continue;
      t.is(res.headers.get('content-length'), String(to - from + 1));
      t.is(res.headers.get('content-range'), `bytes ${from}-${to}/2048`);
      await sameBytes(t, res, body.subarray(from, to + 1));
    }

    for (const bytes of [Buffer.alloc(0), Buffer.from('{}')]) {
      const res = await postPut(reg, REPO, hash(algo, bytes), bytes);
      t.is(res.status, 201);
      await verifyBlobAndDelete(t, reg, res.headers.get('location'), hash(algo, bytes), bytes);
    }

    const corrupt = (): { digest: string; bytes: Buffer } => {
      const good = randomBytes(1024 * 3 - 5);
      return { digest: hash(algo, good), bytes: Buffer.concat([good, Buffer.from('oh no')]) };
    };
    let c = corrupt();
    t.is((await reg.fetch(`/v2/${REPO}/blobs/uploads/?digest=${c.digest}`, { method: 'POST', body: c.bytes })).status, 400, 'post only');
    c = corrupt();
    t.is((await postPut(reg, REPO, c.digest, c.bytes)).status, 400, 'post+put');
    c = corrupt();
    t.is((await patchChunked(t, reg, c.digest, c.bytes)).status, 400, 'chunked');
    c = corrupt();
    t.is((await patchStream(reg, c.digest, c.bytes)).status, 400, 'stream');
  });
}

// ---------------------------------------------------------------- data sets (TestPush .. TestDelete)

interface Desc {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
  data?: string;
  urls?: string[];
  platform?: { os: string; architecture: string };
}

interface GenOptions {
  tag?: string;
  artifactType?: string;
  subject?: Desc;
  annotations?: Record<string, string>;
  /** An unknown top-level field, as genWithExtraField adds. */
  extraField?: boolean;
  /** Descriptors carry their content in `data` (genWithDescriptorData). */
  setData?: boolean;
}

/** The runner's testData: what is pushed, in which order, and what the referrers API must list. */
class TestData {
  readonly blobs = new Map<string, Buffer>();
  readonly manifests = new Map<string, Buffer>();
  readonly manOrder: string[] = [];
  readonly tags = new Map<string, string>();
  readonly referrers = new Map<string, Desc[]>();
  /** Manifests pushed only to be refused (bad-digest-image). */
  readonly expectBadDigest = new Set<string>();

  constructor(readonly algo: Algo = 'sha256') {}

  blob(bytes: Buffer, mediaType: string, opts: GenOptions = {}): Desc {
    const digest = hash(this.algo, bytes);
    this.blobs.set(digest, bytes);
    return { mediaType, digest, size: bytes.length, ...(opts.setData ? { data: bytes.toString('base64') } : {}) };
  }

  manifest(doc: Record<string, unknown>, opts: GenOptions = {}): Desc {
    const full = opts.extraField ? { ...doc, [`org.${randomBytes(8).toString('hex')}`]: randomBytes(8).toString('hex') } : doc;
    const bytes = Buffer.from(JSON.stringify(full));
    const digest = hash(this.algo, bytes);
    const mediaType = doc.mediaType as string;
    this.manifests.set(digest, bytes);
    this.manOrder.push(digest);
    if (opts.subject) {
      const config = doc.config as Desc | undefined;
      const artifactType = (doc.artifactType as string | undefined) ?? config?.mediaType;
      const list = this.referrers.get(opts.subject.digest) ?? [];
      list.push({
        mediaType,
        digest,
        size: bytes.length,
        ...(artifactType ? { artifactType } : {}),
        ...(opts.annotations ? { annotations: opts.annotations } : {}),
      });
      this.referrers.set(opts.subject.digest, list);
    }
    if (opts.tag) this.tags.set(opts.tag, digest);
    return { mediaType, digest, size: bytes.length, ...(opts.setData ? { data: bytes.toString('base64') } : {}) };
  }

  /** genManifestFull: a config and `layers` random layers (or artifact blobs) in an image manifest. */
  image(
    opts: GenOptions & {
      layers?: number;
      config?: { mediaType: string; bytes: Buffer };
      layerMediaType?: string;
      layerBytes?: Buffer;
    } = {},
  ): Desc {
    const layers: Desc[] = [];
    for (let i = 0; i < (opts.layers ?? 2); i++)
      layers.push(this.blob(opts.layerBytes ?? randomBytes(256), opts.layerMediaType ?? `${OCI_LAYER}+gzip`, opts));
    const configBytes =
      opts.config?.bytes ??
      Buffer.from(
        JSON.stringify({
          author: 'OCI Conformance Test',
          architecture: 'amd64',
          os: 'linux',
          rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
        }),
      );
    const config = this.blob(configBytes, opts.config?.mediaType ?? OCI_CONFIG, opts);
    return this.manifest(
      {
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        ...(opts.artifactType ? { artifactType: opts.artifactType } : {}),
        config,
        layers,
        ...(opts.subject ? { subject: opts.subject } : {}),
        ...(opts.annotations ? { annotations: opts.annotations } : {}),
      },
      opts,
    );
  }

  /** genIndex over already generated manifests. */
  index(children: Desc[], opts: GenOptions = {}): Desc {
    return this.manifest(
      {
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        ...(opts.artifactType ? { artifactType: opts.artifactType } : {}),
        manifests: children,
        ...(opts.subject ? { subject: opts.subject } : {}),
        ...(opts.annotations ? { annotations: opts.annotations } : {}),
      },
      opts,
    );
  }
}

/** TestPush, TestList, TestHead, TestPull, TestReferrers and TestDelete for one data set. */
async function runDataSet(t: ExecutionContext, reg: Registry, td: TestData): Promise<void> {
  // TestPush: blobs, then manifests by digest (in order), then tags
  for (const [digest, bytes] of td.blobs) t.is((await postPut(reg, REPO, digest, bytes)).status, 201, `blob ${digest}`);
  const put = async (reference: string, digest: string): Promise<void> => {
    const bytes = td.manifests.get(digest)!;
    const doc = JSON.parse(bytes.toString('utf8')) as { mediaType: string; subject?: Desc };
    const res = await reg.fetch(`/v2/${REPO}/manifests/${reference}`, {
      method: 'PUT',
      headers: { 'content-type': doc.mediaType },
      ...chunked(bytes),
    });
    if (td.expectBadDigest.has(digest)) {
      t.is(res.status, 400, `bad digest ${reference}`);
      return;
    }
    t.is(res.status, 201, `manifest PUT ${reference}: ${res.status === 201 ? '' : await res.text()}`);
    t.is(res.headers.get('docker-content-digest'), digest);
    if (doc.subject) t.is(res.headers.get('oci-subject'), doc.subject.digest);
    const at = await reg.fetch(res.headers.get('location')!, { headers: { accept: ACCEPT } });
    t.is(at.status, 200);
    t.is(at.headers.get('content-type'), doc.mediaType);
    t.is(at.headers.get('content-length'), String(bytes.length));
    await sameBytes(t, at, bytes);
  };
  for (const digest of td.manOrder) await put(digest, digest);
  for (const [tag, digest] of td.tags) await put(tag, digest);

  // TestList: every tag listed; `last` skips the first half
  const list = (await (await reg.fetch(`/v2/${REPO}/tags/list`)).json()) as { tags: string[] };
  for (const tag of td.tags.keys()) t.true(list.tags.includes(tag), `tag ${tag} listed`);
  if (list.tags.length >= 2) {
    const sorted = [...list.tags].sort();
    const end = Math.floor(sorted.length / 2);
    const rest = (await (await reg.fetch(`/v2/${REPO}/tags/list?last=${sorted[end - 1]}`)).json()) as { tags: string[] };
    t.deepEqual(rest.tags, sorted.slice(end));
  }

  // TestHead + TestPull: by tag and by digest, exact bytes, type, length and digest
  const pulled = [...[...td.tags].map(([tag, digest]) => [tag, digest] as const), ...td.manOrder.map((d) => [d, d] as const)];
  for (const [reference, digest] of pulled) {
    if (td.expectBadDigest.has(digest)) continue;
    const bytes = td.manifests.get(digest)!;
    const type = (JSON.parse(bytes.toString('utf8')) as { mediaType: string }).mediaType;
    for (const method of ['HEAD', 'GET']) {
      const res = await reg.fetch(`/v2/${REPO}/manifests/${reference}`, { method, headers: { accept: ACCEPT } });
      t.is(res.status, 200, `${method} ${reference}`);
      t.is(res.headers.get('content-type'), type);
      t.is(res.headers.get('content-length'), String(bytes.length));
      t.is(res.headers.get('docker-content-digest'), digest);
      await sameBytes(t, res, method === 'HEAD' ? Buffer.alloc(0) : bytes);
    }
  }
  for (const [digest, bytes] of td.blobs) {
    const res = await reg.fetch(`/v2/${REPO}/blobs/${digest}`);
    t.is(res.status, 200);
    await sameBytes(t, res, bytes);
  }

  // TestReferrers: every expected descriptor, then each artifactType filter
  const same = (got: Desc, goal: Desc): boolean =>
    got.digest === goal.digest &&
    got.mediaType === goal.mediaType &&
    got.size === goal.size &&
    got.artifactType === goal.artifactType &&
    Object.entries(goal.annotations ?? {}).every(([k, v]) => got.annotations?.[k] === v);
  for (const [subject, goals] of td.referrers) {
    const res = await reg.fetch(`/v2/${REPO}/referrers/${subject}`);
    t.is(res.status, 200);
    t.is(res.headers.get('content-type'), OCI_INDEX);
    const index = (await res.json()) as { schemaVersion: number; mediaType: string; manifests: Desc[] };
    t.is(index.schemaVersion, 2);
    t.is(index.mediaType, OCI_INDEX);
    for (const goal of goals)
      t.true(
        index.manifests.some((m) => same(m, goal)),
        `referrer ${goal.digest} of ${subject}`,
      );
    for (const artifactType of new Set(goals.map((g) => g.artifactType ?? ''))) {
      const filtered = await reg.fetch(`/v2/${REPO}/referrers/${subject}?artifactType=${encodeURIComponent(artifactType)}`);
      t.is(filtered.headers.get('oci-filters-applied'), 'artifactType');
      const got = ((await filtered.json()) as { manifests: Desc[] }).manifests;
      for (const goal of goals.filter((g) => g.artifactType === artifactType)) t.true(got.some((m) => same(m, goal)));
      t.true(got.every((m) => m.artifactType === artifactType));
    }
  }

  // TestDelete: tags, manifests in reverse push order, blobs; each gone at once
  for (const [tag, digest] of td.tags) {
    if (td.expectBadDigest.has(digest)) continue;
    t.is((await reg.fetch(`/v2/${REPO}/manifests/${tag}`, { method: 'DELETE' })).status, 202, `delete tag ${tag}`);
    t.is((await reg.fetch(`/v2/${REPO}/manifests/${tag}`, { method: 'HEAD', headers: { accept: ACCEPT } })).status, 404);
  }
  for (const digest of [...td.manOrder].reverse()) {
    t.true([202, 404].includes((await reg.fetch(`/v2/${REPO}/manifests/${digest}`, { method: 'DELETE' })).status));
    t.is((await reg.fetch(`/v2/${REPO}/manifests/${digest}`, { method: 'HEAD', headers: { accept: ACCEPT } })).status, 404);
  }
  for (const digest of td.blobs.keys()) {
    t.is((await reg.fetch(`/v2/${REPO}/blobs/${digest}`, { method: 'DELETE' })).status, 202);
    t.is((await reg.fetch(`/v2/${REPO}/blobs/${digest}`, { method: 'HEAD' })).status, 404);
  }
}

const conformance = { 'org.opencontainers.conformance': 'hello conformance test' };
const uniq = (): Record<string, string> => ({
  ...conformance,
  [`org.example.${randomBytes(6).toString('hex')}`]: randomBytes(6).toString('hex'),
});
const artifact = (artifactType: string, layerMediaType: string) => ({
  artifactType,
  config: { mediaType: OCI_EMPTY, bytes: Buffer.from('{}') },
  layers: 1,
  layerMediaType,
});
const platforms = (td: TestData, opts: Parameters<TestData['image']>[0] = {}): Desc[] =>
  (['amd64', 'arm64'] as const).map((architecture) => ({ ...td.image(opts), platform: { os: 'linux', architecture } }));

const dataSets: Record<string, () => TestData> = {
  'image, image-uncompressed and large-manifest': () => {
    const td = new TestData();
    td.image({ tag: 'image' });
    td.image({ tag: 'image-uncompressed', layerMediaType: OCI_LAYER });
    const large: Record<string, string> = {};
    for (let i = 0; i < 390; i++) large[`large-annotation-${i}`] = 'A'.repeat(10000);
    td.image({ tag: 'large-manifest', annotations: large });
    return td;
  },
  'index, nested-index and empty-index': () => {
    const td = new TestData();
    td.index(platforms(td), { tag: 'index' });
    const inner = [td.index(platforms(td)), td.index(platforms(td))];
    td.index(inner, { tag: 'index-of-index' });
    td.index([], { tag: 'empty-index' });
    return td;
  },
  'artifact, artifact-index and artifact-without-layers': () => {
    const td = new TestData();
    td.image({ tag: 'artifact', ...artifact(EXAMPLE1, EXAMPLE1) });
    td.index(platforms(td, artifact(EXAMPLE1, EXAMPLE1)), { tag: 'artifact-index', artifactType: EXAMPLE1 });
    td.image({ tag: 'artifact-without-layers', ...artifact(EXAMPLE1, OCI_EMPTY), layerBytes: Buffer.from('{}') });
    return td;
  },
  'artifacts-with-subject, index-with-subject and missing-subject': () => {
    const td = new TestData();
    const subject = td.image({ tag: 'image' });
    td.image({ subject });
    td.image({ subject, annotations: uniq(), tag: 'tagged-artifact1', ...artifact(EXAMPLE1, EXAMPLE1) });
    td.image({ subject, annotations: uniq(), tag: 'tagged-artifact2', ...artifact(EXAMPLE2, OCTET) });
    const indexSubject = td.index(platforms(td), { tag: 'index' });
    const children = platforms(td, { subject: indexSubject, annotations: uniq(), ...artifact(EXAMPLE1, EXAMPLE1) });
    td.index(children, { subject: indexSubject, annotations: uniq(), artifactType: EXAMPLE1, tag: 'tagged-artifact' });
    const missing = { mediaType: OCI_MANIFEST, size: 123, digest: hash('sha256', Buffer.from('missing content')) };
    td.image({ subject: missing, annotations: uniq(), tag: 'tagged-missing', ...artifact(EXAMPLE1, EXAMPLE1) });
    return td;
  },
  'data-field, custom-fields and no-layers': () => {
    const td = new TestData();
    td.image({ tag: 'data-field', setData: true });
    td.index(platforms(td, { extraField: true }), { tag: 'custom-fields', extraField: true });
    td.image({ tag: 'no-layers', layers: 0 });
    return td;
  },
  'non-distributable-layers': () => {
    const td = new TestData();
    const foreign = (mediaType: string, size: number): Desc => {
      const digest = hash('sha256', randomBytes(256));
      return { mediaType, digest, size, urls: [`https://store.example.com/blobs/sha256/${digest.slice(7)}`] };
    };
    const layers = [
      foreign('application/vnd.oci.image.layer.nondistributable.v1.tar+gzip', 123456),
      foreign('application/vnd.oci.image.layer.nondistributable.v1.tar', 12345),
      td.blob(randomBytes(256), `${OCI_LAYER}+gzip`),
    ];
    const config = td.blob(
      Buffer.from(
        JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) } }),
      ),
      OCI_CONFIG,
    );
    td.manifest({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers }, { tag: 'non-distributable-image' });
    return td;
  },
  'sha512 (an index and its images pushed by sha512 digest)': () => {
    const td = new TestData('sha512');
    td.index(platforms(td));
    return td;
  },
  'bad-digest-image (trailing whitespace after the digest was taken)': () => {
    const td = new TestData();
    const { digest } = td.image();
    td.manifests.set(digest, Buffer.concat([td.manifests.get(digest)!, Buffer.from('  ')]));
    td.expectBadDigest.add(digest);
    return td;
  },
};

for (const [name, generate] of Object.entries(dataSets)) {
  test(`TestPush, TestList, TestHead, TestPull, TestReferrers, TestDelete: ${name}`, async (t) => {
    await using reg = await start();
    await runDataSet(t, reg, generate());
  });
}

// ---------------------------------------------------------------- TestEmpty, TestManifestErrors

test('TestEmpty: an empty repository lists no tags (200) and no referrers (an empty OCI index)', async (t) => {
  await using reg = await start();
  const tags = await reg.fetch(`/v2/${REPO}/tags/list`);
  t.is(tags.status, 200);
  t.deepEqual(((await tags.json()) as { tags: string[] }).tags, []);
  const refs = await reg.fetch(`/v2/${REPO}/referrers/${hash('sha256', randomBytes(16))}`);
  t.is(refs.status, 200);
  t.is(refs.headers.get('content-type'), OCI_INDEX);
  t.deepEqual(await refs.json(), { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] });
});

test('TestManifestErrors: missing manifests are 404; a PUT to sha256:baddigeststring is 400 and a GET of it 400', async (t) => {
  await using reg = await start();
  const byDigest = await reg.fetch(`/v2/${REPO}/manifests/${hash('sha256', randomBytes(1024))}`, { headers: { accept: ACCEPT } });
  t.is(byDigest.status, 404);
  t.is((await reg.fetch(`/v2/${REPO}/manifests/missing-${randomBytes(10).toString('hex')}`, { headers: { accept: ACCEPT } })).status, 404);
  const td = new TestData();
  const { digest } = td.image({ layers: 1 });
  for (const [d, bytes] of td.blobs) t.is((await postPut(reg, REPO, d, bytes)).status, 201);
  const put = await reg.fetch(`/v2/${REPO}/manifests/sha256:baddigeststring`, {
    method: 'PUT',
    headers: { 'content-type': OCI_MANIFEST },
    ...chunked(td.manifests.get(digest)!),
  });
  t.is(put.status, 400);
  t.is((await reg.fetch(`/v2/${REPO}/manifests/sha256:baddigeststring`, { headers: { accept: ACCEPT } })).status, 400);
});

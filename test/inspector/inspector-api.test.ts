// The inspector's admin endpoints on their own (the page is one client, scripts another):
// timeline paging, filters and search; the registry at a position with platforms and
// referrers; diffs; an image's story; marks at a past position; snapshots of a past
// position; the page's files; and `ecr-rewind inspect` serving a read-only view.
import { spawn } from 'node:child_process';
import path from 'node:path';
import test from 'ava';
import { startEmulator } from '../../src/index.ts';
import { createHash } from 'node:crypto';
import { coreEvents as ev, type DomainEvent, repositoryCreated } from '../../src/domain/events.ts';
import { defaultRepoSettings } from '../../src/domain/settings/settings-state.ts';
import { EVENT_VERSIONS } from '../../src/domain/versions.ts';
import { Journal } from '../../src/journal/index.ts';
import { scenarioDir, scenarioFacts, tempDir } from '../rewind/rewind-support.ts';
import { adminRequest } from '../support/admin.ts';

interface Row {
  seq: number;
  type: string;
  face: string;
  repository: string;
  tag: string;
  digest: string;
  other: string;
  summary: string;
  jumpTo?: number;
}
interface Page {
  total: number;
  lastSeq: number;
  offset: number;
  rows: Row[];
  marks: { name: string; seq: number }[];
  located?: number;
}

const getter =
  (endpoint: string) =>
  async <T>(p: string, status = 200): Promise<T> => {
    const res = await fetch(`${endpoint}/_rewind/${p}`);
    if (res.status !== status) throw new Error(`GET ${p}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };

test('GET /_rewind/timeline pages by position, filters by type, face and repository, searches and locates a seq', async (t) => {
  await using emu = await startEmulator({ fork: scenarioDir('rewound-history'), auth: 'none', logger: false });
  const get = getter(emu.endpoint);
  const all = await get<Page>('timeline?offset=0&limit=1000');
  const facts = await scenarioFacts('rewound-history');
  t.is(all.total, facts.lastSeq);
  t.deepEqual(
    all.rows.map((r) => r.seq),
    Array.from({ length: facts.lastSeq }, (_, i) => i + 1),
  );
  t.deepEqual(
    all.marks,
    Object.entries(facts.marks).map(([name, seq]) => ({ name, seq })),
  );
  const page = await get<Page>('timeline?offset=10&limit=5');
  t.deepEqual(page.rows, all.rows.slice(10, 15));

  const admin = await get<Page>('timeline?face=admin');
  t.deepEqual(
    admin.rows.map((r) => [r.type, r.jumpTo ?? null]),
    [
      ['MarkSet', null],
      ['MarkSet', null],
      ['Rewound', 10],
    ],
  );
  const tags = await get<Page>('timeline?type=TagPut,TagDeleted&repository=app');
  t.true(tags.rows.length > 0 && tags.rows.every((r) => ['TagPut', 'TagDeleted'].includes(r.type) && r.repository === 'app'));
  const moved = all.rows.find((r) => r.type === 'TagPut' && r.other !== '')!;
  t.is(moved.tag, 'latest', 'a moved tag names the digest it moved from');
  const byDigest = await get<Page>(`timeline?q=${moved.digest.slice(7, 17)}`);
  t.true(byDigest.rows.some((r) => r.seq === moved.seq));
  t.true(byDigest.rows.every((r) => r.digest === moved.digest || r.other === moved.digest));
  const byTag = await get<Page>('timeline?q=v3');
  t.deepEqual(
    byTag.rows.map((r) => r.type),
    ['TagPut'],
  );
  const byRepo = await get<Page>('timeline?q=scrat&limit=0');
  t.is(byRepo.total, all.rows.filter((r) => r.repository === 'scratch').length);
  t.is(byRepo.rows.length, 0);

  // locate: the position of a seq (or the last one before it) in a filtered list
  t.is((await get<Page>('timeline?limit=0&locate=v2')).located, 21);
  t.is((await get<Page>('timeline?face=admin&limit=0&locate=23')).located, 1);
  t.is((await get<Page>('timeline?face=admin&limit=0&locate=5')).located, -1);
  await get('timeline?face=web', 400);
  await get('timeline?offset=x', 400);
  const facets = await get<{ types: string[]; repositories: string[]; faces: string[] }>('timeline/facets');
  t.deepEqual(facets.repositories, ['app', 'scratch']);
  t.true(facets.types.includes('Rewound'));
  t.deepEqual(facets.faces, ['either', 'oci', 'ecr', 'admin']);
});

interface Registry {
  at: string;
  seq: number;
  repositories: {
    name: string;
    imageCount: number;
    total: number;
    offset: number;
    images: {
      digest: string;
      tags: string[];
      mediaType: string;
      manifests?: { platform: string; present: boolean }[];
      partOf?: string[];
      referrers?: { digest: string; artifactType?: string; subject?: string }[];
    }[];
  }[];
}

test('GET /_rewind/registry: an index with its platforms, referrers under their subject, paged images, any position', async (t) => {
  {
    await using emu = await startEmulator({ fork: scenarioDir('multi-arch'), auth: 'none', logger: false });
    const view = await getter(emu.endpoint)<Registry>('registry');
    const repo = view.repositories[0]!;
    const index = repo.images.find((i) => i.tags.includes('1.0'))!;
    t.deepEqual(
      index.manifests?.map((m) => [m.platform, m.present]),
      [
        ['linux/amd64', true],
        ['linux/arm64', true],
      ],
    );
    t.true(repo.images.filter((i) => i.partOf?.includes(index.digest)).length === 2);
    const paged = await getter(emu.endpoint)<Registry>('registry?repository=multi&offset=1&limit=1');
    t.is(paged.repositories[0]!.images.length, 1);
    t.is(paged.repositories[0]!.total, 3);
    t.is(paged.repositories[0]!.images[0]!.digest, repo.images[1]!.digest);
  }
  {
    await using emu = await startEmulator({ fork: scenarioDir('signed-image'), auth: 'none', logger: false });
    const repo = (await getter(emu.endpoint)<Registry>('registry')).repositories[0]!;
    t.is(repo.imageCount, 2);
    t.is(repo.images.length, 1, 'the signature is not a top-level image');
    const signature = repo.images[0]!.referrers?.[0];
    t.is(signature?.subject, repo.images[0]!.digest);
    t.truthy(signature?.artifactType);
  }
  await using emu = await startEmulator({ fork: scenarioDir('rewound-history'), auth: 'none', logger: false });
  const get = getter(emu.endpoint);
  const tagsAt = async (at: string) =>
    (await get<Registry>(`registry?at=${at}`)).repositories.map((r) => [r.name, r.images.flatMap((i) => i.tags).sort()]);
  t.deepEqual(await tagsAt('v1'), [['app', ['latest', 'v1']]]);
  t.deepEqual(await tagsAt('v2'), [['app', ['latest', 'v2']]]);
  t.deepEqual(await tagsAt('24'), [['app', ['latest', 'v1']]], 'a Rewound event brings the marked state back');
  t.deepEqual(await tagsAt('0'), []);
  t.is((await get<Registry>('registry?at=2026-01-01T00:00:04.500Z')).seq, 10);
  await get('registry?at=999', 404);
  await get('registry?at=nowhere', 404);
});

/** A journal of `repos` repositories with `images` images each (pushed round robin), then a mark. */
async function manyRepositories(dir: string, repos: number, images: number): Promise<void> {
  const scope = { account: '000000000000', region: 'us-east-1' };
  const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
  const OCI = 'application/vnd.oci.image.manifest.v1+json';
  const CONFIG = 'application/vnd.oci.image.config.v1+json';
  const layer = sha('layer');
  const events: DomainEvent[] = [];
  const names = Array.from({ length: repos }, (_, i) => `team-${String(i).padStart(2, '0')}/service`);
  for (const repository of names) {
    const ref = { ...scope, repository };
    events.push(repositoryCreated(ref, defaultRepoSettings(), 'api'), ev.BlobMounted({ ...ref, digest: layer, size: 100, from: null }));
  }
  for (let n = 0; n < repos * images; n++) {
    const ref = { ...scope, repository: names[n % repos]! };
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', build: n }));
    const uploadId = `upload-${n}`;
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI,
        config: { mediaType: CONFIG, digest: sha(config), size: config.length },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layer, size: 100 }],
      }),
    );
    const digest = sha(manifest);
    events.push(
      ev.UploadStarted({ ...ref, uploadId, via: 'oci' }),
      ev.ChunkAppended({ uploadId, offset: 0, length: config.length, part: 0 }),
      ev.UploadCompleted({ uploadId, digest: sha(config), size: config.length }),
      ev.ManifestPut({
        ...ref,
        digest,
        mediaType: OCI,
        bytes: manifest,
        size: config.length + 100,
        blobs: [sha(config), layer],
        manifests: [],
        subject: null,
        artifactType: null,
        configMediaType: CONFIG,
      }),
      ev.TagPut({ ...ref, tag: `build-${n}`, digest, previous: null }),
    );
  }
  events.push(ev.MarkSet({ name: 'all', at: events.length }));
  const journal = await Journal.open(dir, { fsync: 'never' });
  const start = Date.parse('2026-01-01T00:00:00Z');
  await journal.append(events.map((e, i) => ({ type: e.type, v: EVENT_VERSIONS[e.type], time: start + i * 1000, data: e.data })));
  await journal.close();
}

test('GET /_rewind/registry?images=: images only of the repositories named and of the one the event is about, counts of all', async (t) => {
  const dir = path.join(await tempDir(t), 'journal');
  await manyRepositories(dir, 20, 3);
  await using emu = await startEmulator({ journal: dir, auth: 'none', logger: false });
  const get = getter(emu.endpoint);
  type Row = { seq: number; type: string; repository: string };
  const rows = (await get<{ rows: Row[] }>('timeline?offset=0&limit=1000')).rows;
  const push = rows.findLast((r) => r.type === 'ManifestPut')!;
  const mark = rows.find((r) => r.type === 'MarkSet')!;
  const withImages = (v: Registry) => v.repositories.filter((r) => r.images.length > 0).map((r) => r.name);
  const whole = await get<Registry>(`registry?at=${push.seq}`);
  t.is(whole.repositories.length, 20);
  t.is(withImages(whole).length, 20, 'without images=, every repository lists its images');
  const some = await get<Registry>(`registry?at=${push.seq}&images=team-03/service,nowhere`);
  t.deepEqual(withImages(some), [...new Set(['team-03/service', push.repository])].sort());
  t.deepEqual(
    some.repositories.map((r) => [r.name, r.imageCount, r.total]),
    whole.repositories.map((r) => [r.name, r.imageCount, r.total]),
    'the others keep their counts',
  );
  t.deepEqual(
    some.repositories.find((r) => r.name === push.repository)!.images,
    whole.repositories.find((r) => r.name === push.repository)!.images,
  );
  t.deepEqual(withImages(await get<Registry>(`registry?at=${push.seq}&images=`)), [push.repository]);
  t.deepEqual(withImages(await get<Registry>(`registry?at=${mark.seq}&images=`)), [], 'a mark is about no repository');
});

test('GET /_rewind/diff names what appeared, vanished and moved; a new repository lists its images and tags', async (t) => {
  await using emu = await startEmulator({ fork: scenarioDir('rewound-history'), auth: 'none', logger: false });
  const get = getter(emu.endpoint);
  type Diff = {
    same: boolean;
    repositories: {
      repository: string;
      status: string;
      imagesAdded: { digest: string; tags: string[] }[];
      imagesRemoved: { digest: string; tags: string[] }[];
      tagsAdded: { tag: string }[];
      tagsRemoved: { tag: string }[];
      tagsMoved: { tag: string; from: string; to: string }[];
    }[];
  };
  const d = await get<Diff>('diff?from=v1&to=v2');
  const app = d.repositories[0]!;
  t.is(d.repositories.length, 1);
  t.deepEqual(
    app.imagesAdded.map((i) => i.tags),
    [['latest', 'v2']],
  );
  t.deepEqual(
    app.imagesRemoved.map((i) => i.tags),
    [['latest', 'v1']],
  );
  t.deepEqual(
    app.tagsMoved.map((m) => [m.tag, m.from, m.to]),
    [['latest', app.imagesRemoved[0]!.digest, app.imagesAdded[0]!.digest]],
  );
  t.deepEqual(
    app.tagsAdded.map((x) => x.tag),
    ['v2'],
  );
  t.deepEqual(
    app.tagsRemoved.map((x) => x.tag),
    ['v1'],
  );
  const created = (await get<Diff>('diff?from=32&to=41')).repositories.find((r) => r.repository === 'scratch')!;
  t.is(created.status, 'created');
  t.deepEqual(
    created.tagsAdded.map((x) => x.tag),
    ['tmp'],
  );
  t.is(created.imagesAdded.length, 1);
  t.is((await get<Diff>('diff?from=41&to=42')).repositories[0]?.status, 'deleted');
  t.true((await get<Diff>('diff?from=v1&to=24')).same, 'the rewind to v1 restored exactly the v1 state');
  await get('diff?from=v1', 400);
});

test("GET /_rewind/image tells an image's story with its manifest and config", async (t) => {
  await using emu = await startEmulator({ fork: scenarioDir('rewound-history'), auth: 'none', logger: false });
  const get = getter(emu.endpoint);
  const v1 = (await get<Registry>('registry?at=v1')).repositories[0]!.images[0]!.digest;
  const story = await get<{
    events: { seq: number; role: string }[];
    manifest: { config: { digest: string } };
    config: { digest: string; json: { os: string } };
  }>(`image?repository=app&digest=${v1}`);
  t.deepEqual(story.events.map((e) => e.role).slice(0, 3), ['pushed', 'tagged v1', 'tagged latest']);
  t.true(story.events.some((e) => /^tag latest moved away/.test(e.role)));
  t.true(story.events.some((e) => e.role === 'deleted'));
  t.is(story.config.digest, story.manifest.config.digest);
  t.is(story.config.json.os, 'linux');
  await get(`image?repository=app&digest=sha256:${'0'.repeat(64)}`, 404);
  await get('image?repository=app', 400);
});

test('POST /_rewind/marks {at} marks a past position, and a reset to that mark brings it back', async (t) => {
  await using emu = await startEmulator({ fork: scenarioDir('rewound-history'), auth: 'none', fsync: 'never', logger: false });
  const post = (p: string, body: unknown) => adminRequest(emu.endpoint, 'POST', `/${p}`, body);
  const marked = await post('marks', { name: 'before-v3', at: 30 });
  t.is(marked.status, 201);
  t.deepEqual(await marked.json(), { name: 'before-v3', seq: 30 });
  t.is((await post('marks', { name: 'future', at: 999 })).status, 404);
  t.is((await post('marks', { name: 'bad', at: -1 })).status, 400);
  const expected = await (await fetch(`${emu.endpoint}/_rewind/state?at=30`)).json();
  t.is((await post('reset', { to: 'before-v3' })).status, 200);
  const now = (await (await fetch(`${emu.endpoint}/_rewind/state`)).json()) as { hash: string };
  t.is(now.hash, (expected as { hash: string }).hash);
});

test('GET /_rewind/snapshot?at= is a snapshot file of that position', async (t) => {
  const dir = await tempDir(t);
  await using emu = await startEmulator({ fork: scenarioDir('rewound-history'), auth: 'none', logger: false });
  const res = await fetch(`${emu.endpoint}/_rewind/snapshot?at=v2`);
  t.is(res.status, 200);
  const file = path.join(dir, 'v2.snapshot');
  const { writeFile } = await import('node:fs/promises');
  await writeFile(file, Buffer.from(await res.arrayBuffer()));
  await using copy = await startEmulator({ fromSnapshot: file, journal: path.join(dir, 'restored'), auth: 'none', logger: false });
  const tags = (await getter(copy.endpoint)<Registry>('registry')).repositories.map((r) => [
    r.name,
    r.images.flatMap((i) => i.tags).sort(),
  ]);
  t.deepEqual(tags, [['app', ['latest', 'v2']]]);
});

test('GET /_rewind/ui serves the page from the package: html, script and style, nothing from elsewhere', async (t) => {
  await using emu = await startEmulator({ auth: 'none', logger: false });
  const html = await fetch(`${emu.endpoint}/_rewind/ui`);
  t.is(html.status, 200);
  t.regex(html.headers.get('content-type') ?? '', /^text\/html/);
  const text = await html.text();
  t.regex(text, /<script type="module" src="\/_rewind\/ui\/app\.js">/);
  t.notRegex(text, /https?:\/\//, 'no external resource');
  const js = await fetch(`${emu.endpoint}/_rewind/ui/app.js`);
  t.regex(js.headers.get('content-type') ?? '', /javascript/);
  const bundle = await js.text();
  t.true(bundle.length < 120 * 1024, `the bundle is ${bundle.length} bytes`);
  t.notRegex(bundle, /https?:\/\/(?!www\.w3\.org)[a-z]/i, 'the bundle loads nothing from the network');
  const css = await fetch(`${emu.endpoint}/_rewind/ui/app.css`);
  t.regex(css.headers.get('content-type') ?? '', /^text\/css/);
  t.regex(await css.text(), /\.timeline/);
});

test('ecr-rewind inspect serves the page on a read-only view of a journal folder', async (t) => {
  const bin = path.resolve('tools/ecr-rewind.cjs');
  const child = spawn(process.execPath, [bin, 'inspect', scenarioDir('rewound-history'), '--port', '0'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGTERM');
  });
  const url = await new Promise<string>((resolve, reject) => {
    let err = '';
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString();
      const m = /inspector: (http:\/\/\S+)\/_rewind\/ui/.exec(err);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`inspect exited ${code}: ${err}`)));
  });
  t.is((await fetch(`${url}/_rewind/ui`)).status, 200);
  const health = (await (await fetch(`${url}/_rewind/health`)).json()) as { status: string; state: { seq: number } };
  t.is(health.status, 'read-only');
  t.is(health.state.seq, 42);
  t.is((await getter(url)<Page>('timeline?limit=0')).total, 42);
  const reset = await fetch(`${url}/_rewind/reset`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: '{"to":"v1"}',
  });
  t.is(reset.status, 409);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
});

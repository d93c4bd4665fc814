// The registry projection's snapshot forms: version 5 (written) round-trips every kind of
// state a scenario holds, with the order of each image's tags; versions 1 to 4 (snapshot files
// made before it) still decode.
import test from 'ava';
import { packr } from '../../src/journal/codec.ts';
import type { RegistryState } from '../../src/domain/state.ts';
import { cloneState } from '../../src/domain/state.ts';
import { stateHash } from '../../src/projections/canonical-state.ts';
import { decodeCheckpointBody, encodeCheckpointBody } from '../../src/projections/checkpoint.ts';
import { marksProjection } from '../../src/projections/marks-projection.ts';
import { putTag, tagsOf } from '../../src/domain/repository-tags.ts';
import { decodeRegistryState, encodeRegistryState, encodeVersion4, registryProjection } from '../../src/projections/registry-projection.ts';
import { encodeVersion5 } from '../../src/projections/registry-form-v5.ts';
import { imagesWithExtra } from '../../src/domain/deferred-images.ts';
import { replayed, SCENARIO_NAMES, scenarioDir } from './rewind-support.ts';
import { sameBytes } from '../support/bytes.ts';

/** A scenario's final state with the image fields no scenario records set on its first images. */
async function richState(name: string): Promise<RegistryState> {
  const state = cloneState(await replayed(scenarioDir(name)));
  const images = [...state.repos.values()].flatMap((r) => [...r.images.values()]);
  if (images[0]) images[0].lastPulledAt = 1_767_225_700_000;
  if (images[1])
    Object.assign(images[1], {
      storageClass: 'ARCHIVE',
      storageClassChangedAt: 1_767_225_800_000,
      extra: { scan: { status: 'COMPLETE' } },
    });
  return state;
}

/** The version-1 form: Maps as entry arrays, images as they are, digests inline. */
const versionOne = (s: RegistryState): unknown => ({
  seq: s.seq,
  registries: [...s.registries],
  repos: [...s.repos.values()].map((r) => ({
    account: r.account,
    region: r.region,
    name: r.name,
    createdAt: r.createdAt,
    blobs: [...r.blobs],
    images: [...r.images.values()],
    tags: [...r.tags],
    referrers: [...r.referrers],
    settings: r.settings,
  })),
  uploads: [...s.uploads.values()],
  blobs: [...s.blobs],
  ...(s.clockOffsetMs !== undefined ? { clockOffsetMs: s.clockOffsetMs } : {}),
});

for (const name of SCENARIO_NAMES) {
  test(`${name}: the written form, packed and unpacked, decodes to the same state`, async (t) => {
    const state = await richState(name);
    const back = decodeRegistryState(packr.unpack(packr.pack(encodeRegistryState(state))), registryProjection.version);
    t.is(back.seq, state.seq);
    // the state hash covers every field of every Map entry, and the manifest bytes by their sha256
    t.is(stateHash(back), stateHash(state));
  });

  test(`${name}: a version-4 checkpoint (a snapshot file made before version 5) decodes to the same state`, async (t) => {
    const state = await richState(name);
    const back = decodeRegistryState(packr.unpack(packr.pack(encodeVersion4(state))), 4);
    t.is(stateHash(back), stateHash(state));
  });

  // Version-1 snapshot files were made before image scanning: that form has no advisory list.
  if (name !== 'scanned-image')
    test(`${name}: a version-1 checkpoint (a snapshot file made before version 2) decodes to the same state`, async (t) => {
      const state = await richState(name);
      const v1 = packr.pack([
        state.seq,
        [
          [registryProjection.name, 1, versionOne(state)],
          [marksProjection.name, marksProjection.version, [['m', 1]]],
        ],
      ]);
      const cp = decodeCheckpointBody(v1, 'v1');
      t.is(cp.state.seq, state.seq);
      t.is(stateHash(cp.state), stateHash(state));
      t.deepEqual([...cp.marks], [['m', 1]]);
    });
}

test('a version-2 checkpoint (made before the advisory list) decodes: the scans of its images come along', async (t) => {
  const state = await richState('scanned-image');
  const { scanning: _advisories, ...v2 } = encodeVersion4(state) as unknown as Record<string, unknown>;
  const back = decodeRegistryState(packr.unpack(packr.pack(v2)), 2);
  t.is(back.scanning, undefined);
  const { scanning: _gone, ...rest } = state;
  t.is(stateHash(back), stateHash(rest as typeof state));
});

test('each digest is stored once in the version-2 form, however many images, tags and blob links name it', async (t) => {
  const state = await richState('multi-arch');
  const { digests, ...rest } = encodeVersion4(state) as unknown as { digests: string[] };
  t.is(new Set(digests).size, digests.length);
  t.true(digests.length >= state.blobs.size);
  const inline: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string' && v.startsWith('sha256:')) inline.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array)) Object.values(v).forEach(walk);
  };
  walk(rest);
  t.deepEqual(inline, []);
});

test('a checkpoint of a registry projection version this build does not know is refused', (t) => {
  const body = packr.pack([1, [[registryProjection.name, 99, {}]]]);
  t.throws(() => decodeCheckpointBody(body, 'future.snap'), {
    message: /future\.snap: no registry projection of a version this build reads \(1, 2, 3, 4, 5\)/,
  });
});

test('version 5 keeps the order each image got its tags in (a tag moved onto an image comes last)', async (t) => {
  const state = cloneState(await replayed(scenarioDir('multi-arch')));
  const [key, repo] = [...state.repos].find(([, r]) => r.tags.size > 0)!;
  const first = [...repo.images.keys()][0]!;
  // a tag put on the first image, then a tag that already existed (so earlier in the tags Map) moved onto it
  const older = [...repo.tags.keys()].find((tag) => repo.tags.get(tag) !== first)!;
  putTag(repo, 'later', first);
  putTag(repo, older, first);
  const expected = [...tagsOf(repo, first)];
  t.is(expected.at(-1), older);
  const body = packr.pack(encodeRegistryState(state));
  const back = decodeRegistryState(packr.unpack(body), 5);
  t.deepEqual([...tagsOf(back.repos.get(key)!, first)], expected);
  t.is(stateHash(back), stateHash(state));
});

test('version 5: manifest bytes are views of the checkpoint body (no copy), each exactly its manifest; a manifest outside the column is refused', async (t) => {
  const state = cloneState(await replayed(scenarioDir('multi-arch')));
  const body = encodeCheckpointBody({ state, marks: new Map() });
  const back = decodeCheckpointBody(body, 'test.snap').state;
  let images = 0;
  for (const [key, repo] of state.repos)
    for (const [digest, image] of repo.images) {
      const bytes = back.repos.get(key)!.images.get(digest)!.bytes;
      t.is(bytes.buffer, body.buffer);
      sameBytes(t, bytes, image.bytes);
      images++;
    }
  t.true(images > 0);
  const form = encodeVersion5(state);
  const repo = form.repos.find((r) => r.images.length.length > 0)!;
  const lengths = new Uint32Array(
    repo.images.length.buffer.slice(repo.images.length.byteOffset, repo.images.length.byteOffset + repo.images.length.byteLength),
  );
  lengths[0] = form.manifests.byteLength + 1;
  repo.images.length = Buffer.from(lengths.buffer);
  t.throws(() => decodeRegistryState(packr.unpack(packr.pack(form)), 5), { message: /out of range/ });
});

test('version 5: images are made when first used; the ones with extra (work under way) are found without making the others, as the same objects', async (t) => {
  const state = await richState('multi-arch');
  const back = decodeRegistryState(packr.unpack(packr.pack(encodeRegistryState(state))), 5);
  const withExtra = [...back.repos.values()].flatMap((r) => [...imagesWithExtra(r)]);
  const expected = [...state.repos.values()].flatMap((r) => [...r.images.values()].filter((i) => i.extra !== undefined));
  t.deepEqual(
    withExtra.map((i) => i.digest),
    expected.map((i) => i.digest),
  );
  t.true(expected.length > 0);
  for (const image of withExtra) {
    const repo = [...back.repos.values()].find((r) => r.images.get(image.digest) === image);
    t.truthy(repo, 'the image found before the Map was filled is the one the Map holds');
  }
  t.is(stateHash(back), stateHash(state));
  t.is(stateHash(cloneState(back)), stateHash(state));
});

test('version 5: the blob table of a repository is built when first read, the same table as before, also in copies', async (t) => {
  const state = cloneState(await replayed(scenarioDir('multi-arch')));
  const back = decodeRegistryState(packr.unpack(packr.pack(encodeRegistryState(state))), 5);
  t.true([...state.repos.values()].some((r) => r.blobs.size > 0));
  // a copy made before any read (a mark's kept state, a clone) holds the table too
  const cloned = cloneState(back);
  for (const [key, repo] of state.repos) {
    t.deepEqual([...back.repos.get(key)!.blobs], [...repo.blobs]);
    t.is(back.repos.get(key)!.blobs, back.repos.get(key)!.blobs);
    t.deepEqual([...cloned.repos.get(key)!.blobs], [...repo.blobs]);
  }
  t.deepEqual([...back.blobs], [...state.blobs]);
});

test('version 5: tags built when first read, whether by a query or by a change, give the state the original gives', async (t) => {
  const state = cloneState(await replayed(scenarioDir('multi-arch')));
  const body = packr.pack(encodeRegistryState(state));
  const [key, repo] = [...state.repos].find(([, r]) => r.tags.size > 0)!;
  const first = [...repo.images.keys()][0]!;
  const older = [...repo.tags.keys()].find((tag) => repo.tags.get(tag) !== first)!;
  // changed before anything read them: the change builds them first
  const changed = decodeRegistryState(packr.unpack(body), 5);
  putTag(changed.repos.get(key)!, older, first);
  putTag(repo, older, first);
  t.deepEqual([...tagsOf(changed.repos.get(key)!, first)], [...tagsOf(repo, first)]);
  t.deepEqual([...changed.repos.get(key)!.tags], [...repo.tags]);
  t.is(stateHash(changed), stateHash(state));
  // the index read first, then the tags: one build, the same tables
  const read = decodeRegistryState(packr.unpack(body), 5);
  const r = read.repos.get(key)!;
  const index = r.tagsByDigest;
  t.is(r.tagsByDigest, index);
  t.is(r.tags, r.tags);
});

test('version 5: a blob table naming a digest outside the digests column is refused when decoded', async (t) => {
  const state = cloneState(await replayed(scenarioDir('multi-arch')));
  const form = encodeRegistryState(state) as unknown as { repos: { blobs: [Buffer, Buffer] }[] };
  const repo = form.repos.find((r) => r.blobs[0].length > 0)!;
  repo.blobs[0].writeUInt32LE(0xffffffff, 0);
  t.throws(() => decodeRegistryState(packr.unpack(packr.pack(form)), 5), { message: /repository blobs: digest 4294967295 out of range/ });
});

test('version 5 stores each digest once: no digest appears anywhere but in its digests column', async (t) => {
  const state = await richState('multi-arch');
  const {
    digests,
    manifests: _bytes,
    ...rest
  } = encodeRegistryState(state) as unknown as { digests: [string, Uint8Array]; manifests: Buffer };
  const walk = (v: unknown): number => {
    if (typeof v === 'string') return v.includes('sha256:') ? 1 : 0;
    if (Array.isArray(v)) return v.reduce((n: number, x) => n + walk(x), 0);
    if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array)) return Object.values(v).reduce((n: number, x) => n + walk(x), 0);
    return 0;
  };
  t.is(walk(rest), 0);
  t.true(digests[0].split('sha256:').length - 1 >= state.blobs.size);
});

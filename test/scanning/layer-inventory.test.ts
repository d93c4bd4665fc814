// The scanner's reading of layers: tar walking (ustar, GNU and pax long names, split
// chunks), gzip/zstd/plain layers, whiteouts across layers, and the package databases.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { LayerCollector, mergeLayers, readMerged, resolveLink } from '../../src/scanning/layer-files.ts';
import { compressionOf, listLayer, walkLayer, type StoredBlob } from '../../src/scanning/layer-reader.ts';
import { readInventory, type BlobLookup } from '../../src/scanning/image-inventory.ts';
import { apkPackages, dpkgPackages, osReleaseOf, parseOsRelease } from '../../src/scanning/package-databases.ts';
import { TarFormatError, TarWalker, type TarEntry } from '../../src/scanning/tar-walker.ts';
import {
  ALPINE_OS_RELEASE,
  APK_INSTALLED,
  configOf,
  DEBIAN_OS_RELEASE,
  dpkgStanza,
  DPKG_STATUS,
  gzip,
  sha256,
  tarOf,
} from './scan-fixtures.ts';

/** Blobs in a temp folder, looked up by digest like the blob store. */
async function blobFolder(t: import('ava').ExecutionContext): Promise<{ put(bytes: Buffer): Promise<string>; lookup: BlobLookup }> {
  const dir = await mkdtemp(join(tmpdir(), 'scan-test-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const known = new Map<string, StoredBlob>();
  return {
    async put(bytes) {
      const digest = sha256(bytes);
      const file = join(dir, digest.slice(7));
      await writeFile(file, bytes);
      known.set(digest, { file, offset: 0, size: bytes.length });
      return digest;
    },
    lookup: async (digest) => known.get(digest),
  };
}

function walkAll(
  tar: Buffer,
  chunkSize: number,
  keep: (e: TarEntry) => boolean = () => true,
): { entries: TarEntry[]; contents: Map<string, string> } {
  const entries: TarEntry[] = [];
  const contents = new Map<string, string>();
  const w = new TarWalker(keep, (e, c) => {
    entries.push(e);
    if (c) contents.set(e.path, c.toString('utf8'));
  });
  for (let i = 0; i < tar.length; i += chunkSize) w.push(tar.subarray(i, i + chunkSize));
  w.end();
  return { entries, contents };
}

test('tar walker: entries and kept contents, whatever the chunk boundaries', async (t) => {
  const tar = await tarOf([
    { path: 'etc/', type: 'directory' },
    { path: 'etc/os-release', content: DEBIAN_OS_RELEASE },
    { path: 'usr/bin/big', content: Buffer.alloc(70_000, 1) },
    { path: 'etc/alt', type: 'symlink', linkname: '../usr/lib/x' },
    { path: 'etc/hard', type: 'link', linkname: 'etc/os-release' },
    { path: 'empty', content: '' },
  ]);
  for (const chunk of [1, 7, 511, 512, 513, 4096, tar.length]) {
    const { entries, contents } = walkAll(tar, chunk, (e) => e.path === 'etc/os-release' || e.path === 'empty');
    t.deepEqual(
      entries.map((e) => [e.path, e.type, e.size, e.linkname]),
      [
        ['etc', 'directory', 0, ''],
        ['etc/os-release', 'file', DEBIAN_OS_RELEASE.length, ''],
        ['usr/bin/big', 'file', 70_000, ''],
        ['etc/alt', 'symlink', 0, '../usr/lib/x'],
        ['etc/hard', 'hardlink', 0, 'etc/os-release'],
        ['empty', 'file', 0, ''],
      ],
      `chunks of ${chunk}`,
    );
    t.is(contents.get('etc/os-release'), DEBIAN_OS_RELEASE);
    t.is(contents.get('empty'), '');
    t.false(contents.has('usr/bin/big'));
  }
});

test('tar walker: GNU, pax and ustar long names from GNU tar', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'scan-tar-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const long = `${'d'.repeat(60)}/${'e'.repeat(60)}/${'f'.repeat(30)}`;
  execFileSync('mkdir', ['-p', join(dir, 'src', long)]);
  await writeFile(join(dir, 'src', long, 'status'), 'hello');
  for (const format of ['gnu', 'pax', 'ustar']) {
    const tar = execFileSync('tar', ['-C', join(dir, 'src'), `--format=${format}`, '-cf', '-', '.']);
    const { entries, contents } = walkAll(tar, 1000);
    const file = entries.find((e) => e.type === 'file');
    t.is(file?.path, `${long}/status`, format);
    t.is(contents.get(`${long}/status`), 'hello', format);
  }
});

test('tar walker: corrupt headers and truncated streams are errors', async (t) => {
  const tar = await tarOf([{ path: 'a', content: 'x'.repeat(2000) }]);
  const bad = Buffer.from(tar);
  bad[10] = bad[10]! ^ 0xff;
  t.throws(() => walkAll(bad, 512), { instanceOf: TarFormatError, message: /checksum/ });
  t.throws(() => walkAll(tar.subarray(0, 1500), 512), { instanceOf: TarFormatError, message: /truncated/ });
  t.throws(() => walkAll(Buffer.from('this is not a tar archive at all'.repeat(40)), 512), { instanceOf: TarFormatError });
});

test('layers: gzip, zstd and plain tars are told apart by their first bytes', async (t) => {
  const store = await blobFolder(t);
  const tar = await tarOf([{ path: 'etc/os-release', content: ALPINE_OS_RELEASE }]);
  // alpine-layer.tar.zst: `zstd -19` of the tar tarOf made of etc/, etc/os-release (ALPINE_OS_RELEASE),
  // lib/apk/db/installed (APK_INSTALLED) and bin/busybox (300,000 bytes of 7s)
  const zst = await readFile(new URL('./fixtures/alpine-layer.tar.zst', import.meta.url));
  t.is(compressionOf(zst), 'zstd');
  t.is(compressionOf(gzip(tar)), 'gzip');
  t.is(compressionOf(tar), 'none');
  for (const bytes of [tar, gzip(tar)]) {
    const entries = await listLayer((await store.lookup(await store.put(bytes)))!);
    t.deepEqual(
      entries.map((e) => e.path),
      ['etc/os-release'],
    );
  }
  const fromZstd = await listLayer((await store.lookup(await store.put(zst)))!);
  t.deepEqual(
    fromZstd.map((e) => e.path),
    ['etc', 'etc/os-release', 'lib/apk/db/installed', 'bin/busybox'],
  );
  const broken = gzip(tar).subarray(0, 40);
  await t.throwsAsync(
    walkLayer(
      (await store.lookup(await store.put(broken)))!,
      new TarWalker(
        () => false,
        () => undefined,
      ),
    ),
  );
});

test('os-release, dpkg status (and status.d) and the apk database', (t) => {
  t.deepEqual(parseOsRelease('# c\nID="debian"\nVERSION_ID=\'12\'\nNAME="A \\"B\\""\nbad line\n'), {
    ID: 'debian',
    VERSION_ID: '12',
    NAME: 'A "B"',
  });
  t.deepEqual(osReleaseOf(ALPINE_OS_RELEASE), { id: 'alpine', versionId: '3.19.1', prettyName: 'Alpine Linux v3.19' });
  t.is(osReleaseOf('NAME=x\n'), null);
  const origin = { path: 'var/lib/dpkg/status', layer: 'sha256:l' };
  t.deepEqual(
    dpkgPackages(DPKG_STATUS, origin).map((p) => [p.name, p.version, p.source, p.arch]),
    [
      ['bash', '5.2.15-2+b2', null, 'amd64'],
      ['libssl3', '3.0.11-1~deb12u2', 'openssl', 'amd64'],
      ['openssl', '3.0.11-1~deb12u2', null, 'amd64'],
      ['zlib1g', '1:1.2.13.dfsg-1', 'zlib', 'amd64'],
    ],
    'removed packages (Status not installed) are left out',
  );
  // distroless status.d files have no Status field
  t.deepEqual(
    dpkgPackages('Package: tzdata\nVersion: 2024a-0+deb12u1\nArchitecture: all\n', origin).map((p) => p.name),
    ['tzdata'],
  );
  t.deepEqual(
    apkPackages(APK_INSTALLED, { path: 'lib/apk/db/installed', layer: 'sha256:l' }).map((p) => [p.name, p.version, p.source, p.arch]),
    [
      ['busybox', '1.36.1-r15', null, 'x86_64'],
      ['musl', '1.2.4_git20230717-r4', null, 'x86_64'],
      ['libcrypto3', '3.1.4-r5', 'openssl', 'x86_64'],
    ],
  );
});

test('layers stack: whiteouts, opaque folders and replacements hide what lies below', async (t) => {
  const collect = async (items: Parameters<typeof tarOf>[0]) => {
    const c = new LayerCollector();
    const w = new TarWalker(c.select, c.onEntry);
    w.push(await tarOf(items));
    w.end();
    return c.finish();
  };
  const base = await collect([
    { path: 'etc/os-release', content: DEBIAN_OS_RELEASE },
    { path: 'var/lib/dpkg/status', content: DPKG_STATUS },
    { path: 'var/lib/dpkg/status.d/tzdata', content: dpkgStanza('tzdata', '2024a-0+deb12u1') },
    { path: 'var/lib/dpkg/status.d/tzdata.md5sums', content: 'abc  usr/share/zoneinfo\n' },
    { path: 'var/lib/dpkg/status.d/curl', content: dpkgStanza('curl', '7.88.1-10+deb12u5') },
    { path: 'lib/apk/db/installed', content: APK_INSTALLED },
  ]);
  t.deepEqual([...base.entries.keys()].sort(), [
    'etc/os-release',
    'lib/apk/db/installed',
    'var/lib/dpkg/status',
    'var/lib/dpkg/status.d/curl',
    'var/lib/dpkg/status.d/tzdata',
  ]);
  const upper = await collect([
    { path: 'var/lib/dpkg/status.d/.wh.curl', content: '' }, // curl removed
    { path: 'lib/apk/.wh..wh..opq', content: '' }, // lib/apk hidden
    { path: 'var/lib/dpkg/status', content: dpkgStanza('bash', '5.2.15-2+b3') }, // replaced
  ]);
  const merged = mergeLayers([
    { digest: 'sha256:base', files: base },
    { digest: 'sha256:upper', files: upper },
  ]);
  t.deepEqual([...merged.keys()].sort(), ['etc/os-release', 'var/lib/dpkg/status', 'var/lib/dpkg/status.d/tzdata']);
  t.is(merged.get('var/lib/dpkg/status')?.layer, 'sha256:upper');
  t.is(merged.get('etc/os-release')?.layer, 'sha256:base');
  const gone = await collect([{ path: 'var/lib/.wh.dpkg', content: '' }]);
  t.deepEqual(
    [
      ...mergeLayers([
        { digest: 'a', files: base },
        { digest: 'b', files: gone },
      ]).keys(),
    ].sort(),
    ['etc/os-release', 'lib/apk/db/installed'],
  );
  const asLink = await collect([{ path: 'lib', type: 'symlink', linkname: 'usr/lib' }]);
  t.false(
    mergeLayers([
      { digest: 'a', files: base },
      { digest: 'b', files: asLink },
    ]).has('lib/apk/db/installed'),
  );
});

test('os-release as a symlink into usr/lib is followed', async (t) => {
  const c = new LayerCollector();
  const w = new TarWalker(c.select, c.onEntry);
  w.push(
    await tarOf([
      { path: 'etc/os-release', type: 'symlink', linkname: '../usr/lib/os-release' },
      { path: 'usr/lib/os-release', content: DEBIAN_OS_RELEASE },
    ]),
  );
  w.end();
  const merged = mergeLayers([{ digest: 'sha256:l', files: c.finish() }]);
  t.is(readMerged(merged, 'etc/os-release')?.content.toString(), DEBIAN_OS_RELEASE);
  t.is(resolveLink('etc/os-release', '/usr/lib/os-release'), 'usr/lib/os-release');
  t.is(resolveLink('a/b/c', '../../d'), 'd');
});

test('inventory of an image of several layers (gzip and zstd), and of artifacts', async (t) => {
  const store = await blobFolder(t);
  const l1 = await store.put(
    gzip(
      await tarOf([
        { path: 'etc/os-release', content: DEBIAN_OS_RELEASE },
        { path: 'var/lib/dpkg/status', content: DPKG_STATUS },
      ]),
    ),
  );
  const l2 = await store.put(await readFile(new URL('./fixtures/alpine-layer.tar.zst', import.meta.url)));
  const l3 = await store.put(gzip(await tarOf([{ path: 'etc/.wh.os-release', content: '' }])));
  const config = await store.put(configOf('arm64').bytes);
  const manifest = (layers: string[], extra: Record<string, unknown> = {}) =>
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config, size: 1 },
        layers: layers.map((digest) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest, size: 1 })),
        ...extra,
      }),
    );
  const debian = await readInventory(manifest([l1]), store.lookup);
  t.like(debian, { kind: 'image', os: { id: 'debian', versionId: '12' }, architecture: 'arm64', databases: ['var/lib/dpkg/status'] });
  t.is(debian.packages.length, 4);
  t.is(debian.packages[0]!.layer, l1);
  // the alpine layer on top replaces os-release and adds an apk database
  const both = await readInventory(manifest([l1, l2]), store.lookup);
  t.like(both.os, { id: 'alpine' });
  t.deepEqual(both.databases, ['var/lib/dpkg/status', 'lib/apk/db/installed']);
  // without os-release the distribution is the package manager's usual one
  const noRelease = await readInventory(manifest([l1, l3]), store.lookup);
  t.deepEqual(noRelease.os, { id: 'debian', versionId: null, prettyName: null });
  const empty = await readInventory(manifest([l3]), store.lookup);
  t.like(empty, { kind: 'image', os: null, databases: [], packages: [] });
  t.like(await readInventory(manifest([], { artifactType: 'application/vnd.example.sbom' }), store.lookup), { kind: 'artifact' });
  const helm = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      config: { mediaType: 'application/vnd.cncf.helm.config.v1+json', digest: config, size: 1 },
      layers: [],
    }),
  );
  t.like(await readInventory(helm, store.lookup), { kind: 'artifact' });
  await t.throwsAsync(readInventory(manifest([sha256('missing')]), store.lookup), { message: /does not hold it/ });
});

// The pure-Node OCI layout builder: deterministic, valid gzipped tar layers, readable by umoci.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import test from 'ava';
import tarStream from 'tar-stream';
import { testRequiring } from '../support/clients/client-test.ts';
import { run } from '../../src/testkit/commands.ts';
import { makeImageLayout, makeIndexLayout, sha256Digest } from '../support/clients/oci-layout.ts';
import { makeTempDir, removeDir } from '../../src/testkit/temp-dir.ts';

async function tempDir(t: { teardown(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await makeTempDir('layout');
  t.teardown(() => removeDir(dir));
  return dir;
}

async function untar(tar: Buffer): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const extract = tarStream.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk) => {
        chunks.push(chunk as Buffer);
      });
      stream.on('end', () => {
        files.set(header.name, Buffer.concat(chunks));
        next();
      });
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  extract.end(tar);
  await done;
  return files;
}

test('the same options and seed give the same digests; another seed gives others', async (t) => {
  const dir = await tempDir(t);
  const a = await makeIndexLayout(path.join(dir, 'a'), { tag: 'x' });
  const b = await makeIndexLayout(path.join(dir, 'b'), { tag: 'x' });
  const c = await makeIndexLayout(path.join(dir, 'c'), { tag: 'x', seed: 'other' });
  t.is(a.index.digest, b.index.digest);
  t.deepEqual(a.indexBytes, b.indexBytes);
  t.not(a.index.digest, c.index.digest);
  t.not(a.images[0]?.manifest.digest, a.images[1]?.manifest.digest, 'each platform has its own image');
});

test('layers are gzipped tars holding the given files, and diff_ids are the uncompressed digests', async (t) => {
  const dir = await tempDir(t);
  const contents = [Buffer.from('first layer\n'), Buffer.from('second layer\n')];
  const image = await makeImageLayout(dir, { tag: 'v1', layers: contents });
  const config = JSON.parse(await readFile(path.join(dir, 'blobs', 'sha256', image.config.digest.slice(7)), 'utf8')) as {
    rootfs: { diff_ids: string[] };
  };
  t.deepEqual(config.rootfs.diff_ids, image.diffIds);
  for (const [i, layer] of image.layers.entries()) {
    const blob = await readFile(path.join(dir, 'blobs', 'sha256', layer.digest.slice(7)));
    t.is(sha256Digest(blob), layer.digest);
    t.is(blob.length, layer.size);
    const tar = gunzipSync(blob);
    t.is(sha256Digest(tar), image.diffIds[i] ?? 'missing diff_id');
    t.deepEqual(await untar(tar), new Map([[`layer-${i}.bin`, contents[i] ?? Buffer.alloc(0)]]));
  }
});

testRequiring(['umoci'])('umoci reads the layout and its tag', async (t) => {
  const dir = await tempDir(t);
  const image = await makeImageLayout(dir, { tag: 'v1', layers: 2 });
  const tags = await run('umoci', ['ls', '--layout', dir]);
  t.is(tags.stdout.trim(), 'v1');
  const stat = await run('umoci', ['stat', '--image', `${dir}:v1`, '--json']);
  t.is(stat.code, 0, stat.stderr);
  const history = (JSON.parse(stat.stdout) as { history: { layer: { digest: string } | null; diff_id: string }[] }).history;
  t.deepEqual(
    history.map((h) => h.layer?.digest),
    image.layers.map((l) => l.digest),
  );
  t.deepEqual(
    history.map((h) => h.diff_id),
    image.diffIds,
  );
});

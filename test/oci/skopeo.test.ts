// skopeo against ecr-rewind's /v2: OCI layouts go in and come back out with every digest unchanged.

import path from 'node:path';
import { testRequiring } from '../support/clients/client-test.ts';
import { layoutBlobDigests, makeImageLayout, makeIndexLayout } from '../support/clients/oci-layout.ts';
import { createSkopeo } from '../support/clients/skopeo.ts';
import { makeTempDir, removeDir } from '../../src/testkit/temp-dir.ts';
import { startRegistry } from './registry-fixture.ts';

const test = testRequiring(['skopeo']);
const creds = { username: 'AWS', password: 'dev-token' };

test('skopeo copies a multi-layer image layout in, inspects, lists tags, copies it back with identical digests, deletes', async (t) => {
  await using reg = await startRegistry({ auth: 'any' }, ['skopeo/image']);
  await using skopeo = await createSkopeo();
  const dir = await makeTempDir('layout');
  t.teardown(() => removeDir(dir));
  const image = await makeImageLayout(path.join(dir, 'in'), { tag: 'v1', layers: 3 });
  const host = reg.emu.registryHost;
  const ref = `docker://${host}/skopeo/image:v1`;

  await skopeo.copy(`oci:${image.dir}:v1`, ref, { destCreds: creds });

  t.deepEqual(await skopeo.inspectRaw(ref, { creds }), image.manifestBytes, 'the manifest is served byte for byte');
  const summary = await skopeo.inspect(ref, { creds });
  t.is(summary.Digest, image.manifest.digest);
  t.deepEqual(
    summary.Layers,
    image.layers.map((layer) => layer.digest),
  );
  t.deepEqual(await skopeo.listTags(`docker://${host}/skopeo/image`, { creds }), ['v1']);

  await skopeo.copy(ref, `oci:${path.join(dir, 'out')}:v1`, { srcCreds: creds });
  t.deepEqual(await layoutBlobDigests(path.join(dir, 'out')), await layoutBlobDigests(image.dir));

  await skopeo.delete(`docker://${host}/skopeo/image@${image.manifest.digest}`, { creds });
  const gone = await skopeo.skopeo(['inspect', '--tls-verify=false', '--creds', 'AWS:x', ref], { allowFailure: true });
  t.not(gone.code, 0);
  t.regex(gone.stderr, /manifest unknown/i);
});

test('skopeo copies a two-platform index layout in and back out with identical digests', async (t) => {
  await using reg = await startRegistry({ auth: 'any' }, ['skopeo/multi']);
  await using skopeo = await createSkopeo();
  const dir = await makeTempDir('layout');
  t.teardown(() => removeDir(dir));
  const layout = await makeIndexLayout(path.join(dir, 'in'), { tag: 'multi' });
  const host = reg.emu.registryHost;
  const ref = `docker://${host}/skopeo/multi:multi`;

  await skopeo.copy(`oci:${layout.dir}:multi`, ref, { all: true, destCreds: creds });

  t.deepEqual(await skopeo.inspectRaw(ref, { creds }), layout.indexBytes);
  for (const image of layout.images) {
    const child = await skopeo.inspectRaw(`docker://${host}/skopeo/multi@${image.manifest.digest}`, { creds });
    t.deepEqual(child, image.manifestBytes, `${image.platform.architecture} manifest`);
  }
  await skopeo.copy(ref, `oci:${path.join(dir, 'out')}:multi`, { all: true, srcCreds: creds });
  t.deepEqual(await layoutBlobDigests(path.join(dir, 'out')), await layoutBlobDigests(layout.dir));
});

test('skopeo is refused with a clear error when the repository does not exist', async (t) => {
  await using reg = await startRegistry({ auth: 'any' }, []);
  await using skopeo = await createSkopeo();
  const dir = await makeTempDir('layout');
  t.teardown(() => removeDir(dir));
  const image = await makeImageLayout(path.join(dir, 'in'), { tag: 'v1', layers: 1 });
  const result = await skopeo.copy(`oci:${image.dir}:v1`, `docker://${reg.emu.registryHost}/not/created:v1`, {
    destCreds: creds,
    allowFailure: true,
  });
  t.not(result.code, 0);
  t.regex(result.stderr, /name unknown|NAME_UNKNOWN/i);
});

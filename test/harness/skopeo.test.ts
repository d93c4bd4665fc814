// The skopeo harness against Debian's reference registry: OCI layouts built in pure Node
// go into a registry and come back out with every digest unchanged.

import path from 'node:path';
import { testRequiring } from '../support/clients/client-test.ts';
import { layoutBlobDigests, makeImageLayout, makeIndexLayout } from '../support/clients/oci-layout.ts';
import { startReferenceRegistry } from '../../src/testkit/reference-registry.ts';
import { createSkopeo } from '../support/clients/skopeo.ts';
import { makeTempDir, removeDir } from '../../src/testkit/temp-dir.ts';

const test = testRequiring(['skopeo', 'docker-registry']);

test('skopeo copies a multi-layer image layout in and back out with identical digests', async (t) => {
  await using registry = await startReferenceRegistry();
  await using skopeo = await createSkopeo();
  const dir = await makeTempDir('layout');
  t.teardown(() => removeDir(dir));
  const image = await makeImageLayout(path.join(dir, 'in'), { tag: 'v1', layers: 3 });
  const ref = `docker://${registry.host}/harness/image:v1`;

  await skopeo.copy(`oci:${image.dir}:v1`, ref);

  const raw = await skopeo.inspectRaw(ref);
  t.deepEqual(raw, image.manifestBytes, 'the registry serves the manifest byte for byte');
  const summary = await skopeo.inspect(ref);
  t.is(summary.Digest, image.manifest.digest);
  t.deepEqual(
    summary.Layers,
    image.layers.map((layer) => layer.digest),
  );
  t.deepEqual(await skopeo.listTags(`docker://${registry.host}/harness/image`), ['v1']);

  await skopeo.copy(ref, `oci:${path.join(dir, 'out')}:v1`);
  t.deepEqual(await layoutBlobDigests(path.join(dir, 'out')), await layoutBlobDigests(image.dir));

  await skopeo.delete(`docker://${registry.host}/harness/image@${image.manifest.digest}`);
  const gone = await skopeo.skopeo(['inspect', '--tls-verify=false', ref], { allowFailure: true });
  t.not(gone.code, 0);
  t.regex(gone.stderr, /manifest unknown/i, 'the deleted manifest no longer resolves');
});

test('skopeo copies a two-platform index layout in and back out with identical digests', async (t) => {
  await using registry = await startReferenceRegistry();
  await using skopeo = await createSkopeo();
  const dir = await makeTempDir('layout');
  t.teardown(() => removeDir(dir));
  const layout = await makeIndexLayout(path.join(dir, 'in'), { tag: 'multi' });
  const ref = `docker://${registry.host}/harness/multi:multi`;

  await skopeo.copy(`oci:${layout.dir}:multi`, ref, { all: true });

  t.deepEqual(await skopeo.inspectRaw(ref), layout.indexBytes);
  for (const image of layout.images) {
    const child = await skopeo.inspectRaw(`docker://${registry.host}/harness/multi@${image.manifest.digest}`);
    t.deepEqual(child, image.manifestBytes, `${image.platform.architecture} manifest`);
  }

  await skopeo.copy(ref, `oci:${path.join(dir, 'out')}:multi`, { all: true });
  t.deepEqual(await layoutBlobDigests(path.join(dir, 'out')), await layoutBlobDigests(layout.dir));
});

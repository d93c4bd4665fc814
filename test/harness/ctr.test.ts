// containerd's ctr against Debian's reference registry, through a private containerd.

import { testRequiring } from '../support/clients/client-test.ts';
import { startContainerd } from '../support/clients/ctr.ts';
import { isAlive } from '../../src/testkit/daemon.ts';
import { makeIndexArchive } from '../support/clients/oci-layout.ts';
import { startReferenceRegistry } from '../../src/testkit/reference-registry.ts';
import { makeTempDir, removeDir } from '../../src/testkit/temp-dir.ts';

const test = testRequiring(['containerd', 'ctr', 'docker-registry']);

test('ctr pushes a two-platform index imported from an OCI archive and pulls it back with the same digest', async (t) => {
  await using registry = await startReferenceRegistry();
  await using containerd = await startContainerd();
  const dir = await makeTempDir('layout');
  t.teardown(() => removeDir(dir));
  const { layout, archive } = await makeIndexArchive(dir, 'multi');
  const ref = `${registry.host}/harness/ctr:multi`;

  await containerd.importArchive(archive, `${registry.host}/harness/ctr`);
  t.is(await containerd.imageDigest(ref), layout.index.digest, 'import keeps the index digest');

  await containerd.push(ref);
  const head = await fetch(`${registry.url}/v2/harness/ctr/manifests/multi`, {
    method: 'HEAD',
    headers: { accept: 'application/vnd.oci.image.index.v1+json' },
  });
  t.is(head.headers.get('docker-content-digest'), layout.index.digest);

  await containerd.ctr(['images', 'rm', '--sync', ref]);
  await containerd.ctr(['content', 'prune', 'references']);
  await containerd.pull(ref, { allPlatforms: true });
  t.is(await containerd.imageDigest(ref), layout.index.digest);

  await containerd.stop();
  t.false(isAlive(containerd.pid), 'containerd is stopped');
});

// containerd's ctr against ecr-rewind's /v2: push a two-platform index imported from an OCI
// archive, remove it, pull it back with the same digest.

import { testRequiring } from '../support/clients/client-test.ts';
import { startContainerd } from '../support/clients/ctr.ts';
import { makeIndexArchive } from '../support/clients/oci-layout.ts';
import { makeTempDir, removeDir } from '../../src/testkit/temp-dir.ts';
import { startRegistry } from './registry-fixture.ts';

const test = testRequiring(['containerd', 'ctr']);
const creds = { username: 'AWS', password: 'dev-token' };

test('ctr pushes a two-platform index and pulls it back with the same digest', async (t) => {
  await using reg = await startRegistry({ auth: 'any' }, ['team/ctr']);
  await using containerd = await startContainerd();
  const dir = await makeTempDir('layout');
  t.teardown(() => removeDir(dir));
  const { layout, archive } = await makeIndexArchive(dir, 'multi');
  const ref = `${reg.emu.registryHost}/team/ctr:multi`;

  await containerd.importArchive(archive, `${reg.emu.registryHost}/team/ctr`);
  await containerd.push(ref, { creds });
  const head = await reg.fetch('/v2/team/ctr/manifests/multi', {
    method: 'HEAD',
    headers: { accept: 'application/vnd.oci.image.index.v1+json' },
  });
  t.is(head.headers.get('docker-content-digest'), layout.index.digest);

  await containerd.ctr(['images', 'rm', '--sync', ref]);
  await containerd.ctr(['content', 'prune', 'references']);
  await containerd.pull(ref, { creds, allPlatforms: true });
  t.is(await containerd.imageDigest(ref), layout.index.digest);
});

// The daemonless podman harness against Debian's reference registry.

import path from 'node:path';
import { testRequiring } from '../support/clients/client-test.ts';
import { makeImageLayout, seededBytes } from '../support/clients/oci-layout.ts';
import { createPodman } from '../support/clients/podman.ts';
import { startReferenceRegistry } from '../../src/testkit/reference-registry.ts';
import { makeTempDir, removeDir } from '../../src/testkit/temp-dir.ts';

const test = testRequiring(['podman', 'docker-registry']);

test('podman builds FROM scratch, pushes, and pulls back by tag and by digest', async (t) => {
  await using registry = await startReferenceRegistry();
  await using podman = await createPodman();
  const ref = `${registry.host}/harness/podman`;

  await podman.buildFromScratch(`${ref}:v1`, { 'data.bin': seededBytes('podman-v1', 32 * 1024) });
  const digest = await podman.push(`${ref}:v1`);
  t.regex(digest, /^sha256:[0-9a-f]{64}$/);
  const head = await fetch(`${registry.url}/v2/harness/podman/manifests/v1`, {
    method: 'HEAD',
    headers: { accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' },
  });
  t.is(head.headers.get('docker-content-digest'), digest);

  await podman.podman(['rmi', '--all']);
  await podman.pull(`${ref}:v1`);
  t.is((await podman.podman(['image', 'inspect', '--format', '{{.Digest}}', `${ref}:v1`])).stdout.trim(), digest);

  await podman.podman(['rmi', '--all']);
  await podman.pull(`${ref}@${digest}`);
  t.is((await podman.podman(['images', '--quiet'])).stdout.trim().split('\n').length, 1);
});

test('podman reads an OCI layout built in pure Node and pushes it with the same config', async (t) => {
  await using registry = await startReferenceRegistry();
  await using podman = await createPodman();
  const dir = await makeTempDir('layout');
  t.teardown(() => removeDir(dir));
  const image = await makeImageLayout(path.join(dir, 'in'), { tag: 'v1', layers: 2 });

  await podman.pull(`oci:${image.dir}:v1`);
  const images = (await podman.podman(['images', '--format', '{{.ID}}'])).stdout.trim().split('\n');
  t.is(images.length, 1);
  const id = images[0] ?? '';
  await podman.podman(['tag', id, `${registry.host}/harness/layout:v1`]);
  const digest = await podman.push(`${registry.host}/harness/layout:v1`, { format: 'oci' });
  // podman stores layers uncompressed and compresses them again on push, so layer digests (and
  // the manifest's) change; the config, and with it the uncompressed layers' diff_ids, do not.
  const pushed = await fetch(`${registry.url}/v2/harness/layout/manifests/${digest}`, {
    headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
  });
  const manifest = (await pushed.json()) as { config: { digest: string }; layers: unknown[] };
  t.is(manifest.config.digest, image.config.digest, 'the config (with its diff_ids) is unchanged');
  t.is(manifest.layers.length, image.layers.length);
});

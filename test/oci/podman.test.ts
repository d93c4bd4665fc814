// podman (daemonless, vfs) against ecr-rewind's /v2: build, push, remove, pull back by tag and digest.

import { testRequiring } from '../support/clients/client-test.ts';
import { seededBytes } from '../support/clients/oci-layout.ts';
import { createPodman } from '../support/clients/podman.ts';
import { startRegistry } from './registry-fixture.ts';

const test = testRequiring(['podman']);
const creds = { username: 'AWS', password: 'dev-token' };

test('podman builds FROM scratch, pushes (OCI and Docker formats), and pulls back by tag and by digest', async (t) => {
  await using reg = await startRegistry({ auth: 'any' }, ['team/podman']);
  await using podman = await createPodman();
  const ref = `${reg.emu.registryHost}/team/podman`;

  await podman.buildFromScratch(`${ref}:v1`, { 'data.bin': seededBytes('podman-v1', 64 * 1024) });
  const digest = await podman.push(`${ref}:v1`, { creds, format: 'oci' });
  t.regex(digest, /^sha256:[0-9a-f]{64}$/);
  const head = await reg.fetch('/v2/team/podman/manifests/v1', {
    method: 'HEAD',
    headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
  });
  t.is(head.headers.get('docker-content-digest'), digest);
  await podman.podman(['tag', `${ref}:v1`, `${ref}:docker`]);
  const v2s2 = await podman.push(`${ref}:docker`, { creds, format: 'v2s2' });
  const docker = await reg.fetch('/v2/team/podman/manifests/docker', {
    headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' },
  });
  t.is(docker.headers.get('content-type'), 'application/vnd.docker.distribution.manifest.v2+json');
  t.is(docker.headers.get('docker-content-digest'), v2s2);

  await podman.podman(['rmi', '--all', '--force']);
  await podman.pull(`${ref}:v1`, { creds });
  t.is((await podman.podman(['image', 'inspect', '--format', '{{.Digest}}', `${ref}:v1`])).stdout.trim(), digest);

  await podman.podman(['rmi', '--all', '--force']);
  await podman.pull(`${ref}@${digest}`, { creds });
  t.is((await podman.podman(['images', '--quiet'])).stdout.trim().split('\n').length, 1);
});

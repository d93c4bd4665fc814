// The private-dockerd harness against Debian's reference registry: build FROM scratch,
// push, remove, pull by tag and digest, mount into a second repository, and push a
// manifest list with `docker manifest`.

import { testRequiring } from '../support/clients/client-test.ts';
import { pushedDigest, pushManifestList, startDockerd } from '../support/clients/dockerd.ts';
import { isAlive } from '../../src/testkit/daemon.ts';
import { seededBytes } from '../support/clients/oci-layout.ts';
import { startReferenceRegistry } from '../../src/testkit/reference-registry.ts';

const test = testRequiring(['dockerd', 'docker', 'docker-registry']);

const manifestListType = 'application/vnd.docker.distribution.manifest.list.v2+json';

test('a private dockerd builds FROM scratch, pushes, pulls by tag and by digest, and mounts into a second repository', async (t) => {
  await using registry = await startReferenceRegistry();
  await using dockerd = await startDockerd({ insecureRegistries: [registry.host] });
  const { docker } = dockerd;
  const app = `${registry.host}/harness/app`;

  await dockerd.buildFromScratch(`${app}:v1`, { 'data.bin': seededBytes('docker-app-v1', 64 * 1024), 'hello.txt': 'hello\n' });
  const digest = pushedDigest((await docker(['push', `${app}:v1`])).stdout);
  const served = await fetch(`${registry.url}/v2/harness/app/manifests/v1`, {
    headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' },
  });
  t.is(served.headers.get('docker-content-digest'), digest, 'the registry serves what docker pushed');

  await docker(['rmi', `${app}:v1`]);
  t.not((await docker(['image', 'inspect', `${app}:v1`], { allowFailure: true })).code, 0, 'the image is gone locally');

  await docker(['pull', `${app}:v1`]);
  const repoDigests = (await docker(['image', 'inspect', '--format', '{{json .RepoDigests}}', `${app}:v1`])).stdout;
  t.deepEqual(JSON.parse(repoDigests), [`${app}@${digest}`]);

  await docker(['rmi', `${app}:v1`]);
  await docker(['pull', `${app}@${digest}`]);
  t.is((await docker(['image', 'inspect', '--format', '{{.Id}}', `${app}@${digest}`])).code, 0);

  await docker(['tag', `${app}@${digest}`, `${registry.host}/harness/copy:v1`]);
  const second = await docker(['push', `${registry.host}/harness/copy:v1`]);
  t.regex(second.stdout, /Mounted from harness\/app/, 'the layer is mounted, not uploaded again');
  t.is(pushedDigest(second.stdout), digest);

  await dockerd.stop();
  t.false(isAlive(dockerd.pid), 'dockerd is stopped');
});

test('docker manifest pushes a manifest list of two images', async (t) => {
  await using registry = await startReferenceRegistry();
  await using dockerd = await startDockerd({ insecureRegistries: [registry.host] });
  const repo = `${registry.host}/harness/multi`;

  const { digests, listDigest } = await pushManifestList(dockerd, repo);
  t.regex(listDigest, /^sha256:[0-9a-f]{64}$/);

  const response = await fetch(`${registry.url}/v2/harness/multi/manifests/list`, { headers: { accept: manifestListType } });
  t.is(response.headers.get('docker-content-digest'), listDigest);
  const list = (await response.json()) as { mediaType: string; manifests: { digest: string; platform: { architecture: string } }[] };
  t.is(list.mediaType, manifestListType);
  t.deepEqual(
    list.manifests.map((m) => [m.platform.architecture, m.digest]),
    [
      ['amd64', digests[0]],
      ['arm64', digests[1]],
    ],
  );
});

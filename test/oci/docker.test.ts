// A private dockerd against ecr-rewind's /v2: build FROM scratch, push, remove, pull by tag and
// by digest, push a second repository (mount), and push a manifest list with `docker manifest`.

import { testRequiring } from '../support/clients/client-test.ts';
import { pushedDigest, pushManifestList, startDockerd } from '../support/clients/dockerd.ts';
import { seededBytes } from '../support/clients/oci-layout.ts';
import { DOCKER_LIST, DOCKER_MANIFEST, startRegistry } from './registry-fixture.ts';

const test = testRequiring(['dockerd', 'docker']);

test('docker logs in, pushes, pulls by tag and by digest, and mounts layers into a second repository', async (t) => {
  await using reg = await startRegistry({ auth: 'any' }, ['team/app', 'team/copy']);
  await using dockerd = await startDockerd({ insecureRegistries: [reg.emu.registryHost] });
  const { docker } = dockerd;
  const host = reg.emu.registryHost;
  const app = `${host}/team/app`;

  const login = await docker(['login', '--username', 'AWS', '--password-stdin', host], { input: 'dev-token' });
  t.regex(login.stdout, /Login Succeeded/);

  await dockerd.buildFromScratch(`${app}:v1`, { 'data.bin': seededBytes('docker-app-v1', 256 * 1024), 'hello.txt': 'hello\n' });
  const digest = pushedDigest((await docker(['push', `${app}:v1`])).stdout);
  const served = await reg.fetch('/v2/team/app/manifests/v1', { headers: { accept: DOCKER_MANIFEST } });
  t.is(served.headers.get('docker-content-digest'), digest);
  t.is(served.headers.get('content-type'), DOCKER_MANIFEST);

  await docker(['rmi', `${app}:v1`]);
  await docker(['pull', `${app}:v1`]);
  const repoDigests = (await docker(['image', 'inspect', '--format', '{{json .RepoDigests}}', `${app}:v1`])).stdout;
  t.deepEqual(JSON.parse(repoDigests), [`${app}@${digest}`]);

  await docker(['rmi', `${app}:v1`]);
  await docker(['pull', `${app}@${digest}`]);
  t.is((await docker(['image', 'inspect', '--format', '{{.Id}}', `${app}@${digest}`])).code, 0);

  await docker(['tag', `${app}@${digest}`, `${host}/team/copy:v1`]);
  const second = await docker(['push', `${host}/team/copy:v1`]);
  t.regex(second.stdout, /Mounted from team\/app/, 'the layer is mounted, not uploaded again');
  t.is(pushedDigest(second.stdout), digest);
  const mounted = [...reg.emu.events()];
  t.true(
    mounted.some((e) => e.type === 'BlobMounted'),
    'the mount is journaled as BlobMounted',
  );
});

test('docker manifest pushes a manifest list of two images', async (t) => {
  await using reg = await startRegistry({ auth: 'any' }, ['team/multi']);
  await using dockerd = await startDockerd({ insecureRegistries: [reg.emu.registryHost] });
  const { docker } = dockerd;
  const host = reg.emu.registryHost;
  const repo = `${host}/team/multi`;
  await docker(['login', '--username', 'AWS', '--password-stdin', host], { input: 'dev-token' });

  const { digests, listDigest } = await pushManifestList(dockerd, repo);
  t.regex(listDigest, /^sha256:[0-9a-f]{64}$/);

  const response = await reg.fetch('/v2/team/multi/manifests/list', { headers: { accept: DOCKER_LIST } });
  t.is(response.headers.get('docker-content-digest'), listDigest);
  const list = (await response.json()) as { mediaType: string; manifests: { digest: string; platform: { architecture: string } }[] };
  t.is(list.mediaType, DOCKER_LIST);
  t.deepEqual(
    list.manifests.map((m) => [m.platform.architecture, m.digest]),
    [
      ['amd64', digests[0]],
      ['arm64', digests[1]],
    ],
  );
});

// The pull through cache with real clients: docker and skopeo pull images of a docker-registry
// upstream through ecr-rewind; the cached image still pulls once the upstream is gone.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { CreatePullThroughCacheRuleCommand } from '@aws-sdk/client-ecr';
import { startReferenceRegistry } from '../../src/testkit/reference-registry.ts';
import { makeTempDir, removeDir } from '../../src/testkit/temp-dir.ts';
import { startEcr } from '../ecr/ecr-fixture.ts';
import { testRequiring } from '../support/clients/client-test.ts';
import { pushedDigest, startDockerd } from '../support/clients/dockerd.ts';
import { seededBytes } from '../support/clients/oci-layout.ts';
import { createSkopeo } from '../support/clients/skopeo.ts';

const test = testRequiring(['dockerd', 'docker', 'skopeo', 'docker-registry']);

test('docker and skopeo pull through the cache; the image pulls again with the upstream stopped', async (t) => {
  const upstream = await startReferenceRegistry();
  t.teardown(() => upstream.stop());
  await using f = await startEcr({
    upstreams: { 'registry-1.docker.io': upstream.url },
    auth: 'any',
    upstreamCredentials: {
      'arn:aws:secretsmanager:us-east-1:000000000000:secret:ecr-pullthroughcache/hub': { username: 'anyone', password: 'x' },
    },
  });
  await f.ecr.send(
    new CreatePullThroughCacheRuleCommand({
      ecrRepositoryPrefix: 'docker-hub',
      upstreamRegistryUrl: 'registry-1.docker.io',
      credentialArn: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:ecr-pullthroughcache/hub',
    }),
  );
  const host = f.emu.registryHost;
  await using dockerd = await startDockerd({ insecureRegistries: [host, upstream.host] });
  const { docker } = dockerd;
  await dockerd.buildFromScratch(`${upstream.host}/library/app:v1`, {
    'data.bin': seededBytes('ptc-app', 3 * 1024 * 1024),
    'a.txt': 'a\n',
  });
  const digest = pushedDigest((await docker(['push', `${upstream.host}/library/app:v1`])).stdout);
  await docker(['rmi', `${upstream.host}/library/app:v1`]);

  await docker(['login', '--username', 'AWS', '--password-stdin', host], { input: 'dev-token' });
  const cached = `${host}/docker-hub/library/app:v1`;
  await docker(['pull', cached]);
  const repoDigests = JSON.parse((await docker(['image', 'inspect', '--format', '{{json .RepoDigests}}', cached])).stdout) as string[];
  t.deepEqual(repoDigests, [`${host}/docker-hub/library/app@${digest}`]);

  await using skopeo = await createSkopeo();
  const dir = await makeTempDir('ptc-skopeo');
  t.teardown(() => removeDir(dir));
  const creds = { username: 'AWS', password: 'dev-token' };
  await skopeo.copy(`docker://${cached}`, `oci:${dir}:v1`, { srcCreds: creds });
  const index = JSON.parse(await readFile(`${dir}/index.json`, 'utf8')) as { manifests: { digest: string }[] };
  t.is(index.manifests[0]?.digest, digest, 'skopeo gets the same image');

  await upstream.stop();
  await docker(['rmi', cached]);
  await docker(['pull', cached]);
  const raw = await skopeo.inspectRaw(`docker://${cached}`, { creds });
  t.is(`sha256:${createHash('sha256').update(raw).digest('hex')}`, digest, 'served from the cache with the upstream gone');
});

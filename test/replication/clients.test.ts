// Replication with real clients: docker pushes into us-east-1; skopeo pulls the same digest as a
// client of eu-west-1, and of a second account, each with a token of its own registry.
import {
  CreateRepositoryCommand,
  GetAuthorizationTokenCommand,
  type ECRClient,
  PutRegistryPolicyCommand,
  PutReplicationConfigurationCommand,
} from '@aws-sdk/client-ecr';
import { readFile } from 'node:fs/promises';
import { makeTempDir, removeDir } from '../../src/testkit/temp-dir.ts';
import { testRequiring } from '../support/clients/client-test.ts';
import { pushedDigest, startDockerd } from '../support/clients/dockerd.ts';
import { seededBytes } from '../support/clients/oci-layout.ts';
import { createSkopeo } from '../support/clients/skopeo.ts';
import { startEcr } from '../ecr/ecr-fixture.ts';
import { settledStatuses } from './replication-support.ts';

const test = testRequiring(['dockerd', 'docker', 'skopeo']);
const OTHER = '333333333333';

async function tokenOf(ecr: ECRClient): Promise<{ username: string; password: string }> {
  const out = await ecr.send(new GetAuthorizationTokenCommand({}));
  const [username = '', password = ''] = Buffer.from(out.authorizationData?.[0]?.authorizationToken ?? '', 'base64')
    .toString('utf8')
    .split(':');
  return { username, password };
}

test('docker pushes into us-east-1; skopeo pulls the same digest from eu-west-1 and from a second account', async (t) => {
  await using f = await startEcr({ auth: 'token' });
  const other = f.client(OTHER);
  const eu = f.client('test', 'eu-west-1');
  await other.send(
    new PutRegistryPolicyCommand({
      policyText: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: 'arn:aws:iam::000000000000:root' },
            Action: ['ecr:ReplicateImage', 'ecr:CreateRepository'],
            Resource: `arn:aws:ecr:us-east-1:${OTHER}:repository/*`,
          },
        ],
      }),
    }),
  );
  await f.ecr.send(
    new PutReplicationConfigurationCommand({
      replicationConfiguration: {
        rules: [
          {
            destinations: [
              { region: 'eu-west-1', registryId: '000000000000' },
              { region: 'us-east-1', registryId: OTHER },
            ],
          },
        ],
      },
    }),
  );
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'team/app' }));
  const host = f.emu.registryHost;
  await using dockerd = await startDockerd({ insecureRegistries: [host] });
  const home = await tokenOf(f.ecr);
  await dockerd.docker(['login', '--username', home.username, '--password-stdin', host], { input: home.password });
  await dockerd.buildFromScratch(`${host}/team/app:v1`, { 'data.bin': seededBytes('replicated', 512 * 1024) });
  const digest = pushedDigest((await dockerd.docker(['push', `${host}/team/app:v1`])).stdout);
  const statuses = await settledStatuses(f.ecr, 'team/app', digest);
  t.deepEqual(
    statuses.map((s) => s.status),
    ['COMPLETE', 'COMPLETE'],
  );

  await using skopeo = await createSkopeo();
  for (const client of [eu, other]) {
    const creds = await tokenOf(client);
    const raw = await skopeo.inspectRaw(`docker://${host}/team/app:v1`, { creds });
    t.is(`sha256:${(await import('node:crypto')).createHash('sha256').update(raw).digest('hex')}`, digest);
    const dir = await makeTempDir('replica');
    t.teardown(() => removeDir(dir));
    await skopeo.copy(`docker://${host}/team/app:v1`, `oci:${dir}:v1`, { srcCreds: creds });
    const index = JSON.parse(await readFile(`${dir}/index.json`, 'utf8')) as { manifests: { digest: string }[] };
    t.is(index.manifests[0]?.digest, digest, 'pulled with its blobs, the same digest');
  }
  // the other account's token does not see us-east-1's own registry as its own
  const otherCreds = await tokenOf(other);
  const listed = await fetch(`${f.emu.endpoint}/v2/_catalog`, {
    headers: { authorization: `Basic ${Buffer.from(`${otherCreds.username}:${otherCreds.password}`).toString('base64')}` },
  });
  t.deepEqual(((await listed.json()) as { repositories: string[] }).repositories, ['team/app']);
  other.destroy();
  eu.destroy();
});

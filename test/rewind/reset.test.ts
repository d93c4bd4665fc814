// Reset: push images, mark, then push, delete, retag and change ECR settings; reset to the
// mark. skopeo pulls, DescribeImages and DescribeRepositories show exactly the marked state
// at once, the journal records the rewind, and a full replay reproduces it.
import {
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  PutImageTagMutabilityCommand,
  TagResourceCommand,
} from '@aws-sdk/client-ecr';
import test from 'ava';
import { startEmulator, type Emulator } from '../../src/index.ts';
import { stateHash } from '../../src/projections/canonical-state.ts';
import { RegistryDriver } from '../../src/testkit/registry-driver.ts';
import { testRequiring } from '../support/clients/client-test.ts';
import { createSkopeo } from '../support/clients/skopeo.ts';
import { liveMarks, liveState, replayed, tempDir } from './rewind-support.ts';

const clientTest = testRequiring(['skopeo']);

const ecrClient = (emu: Emulator): ECRClient =>
  new ECRClient({
    endpoint: emu.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });

async function describe(ecr: ECRClient, repositoryName: string): Promise<Record<string, string[]>> {
  const out = await ecr.send(new DescribeImagesCommand({ repositoryName }));
  return Object.fromEntries((out.imageDetails ?? []).map((d) => [d.imageDigest!, [...(d.imageTags ?? [])].sort()]).sort());
}

clientTest('reset to a mark: skopeo and DescribeImages see exactly the marked state; replay reproduces it', async (t) => {
  const dir = await tempDir(t);
  await using emu = await startEmulator({ journal: dir, auth: 'none', fsync: 'never', logger: false });
  const r = new RegistryDriver(emu.endpoint);
  const ecr = ecrClient(emu);
  t.teardown(() => ecr.destroy());
  await using skopeo = await createSkopeo();
  const pull = async (ref: string): Promise<string | undefined> => {
    const res = await skopeo.skopeo(['inspect', '--tls-verify=false', '--format', '{{.Digest}}', `docker://${emu.registryHost}/${ref}`], {
      allowFailure: true,
    });
    return res.code === 0 ? res.stdout.trim() : undefined;
  };

  await r.createRepository('web');
  const one = await r.pushImage('web', 'one', 'first\n');
  const two = await r.pushImage('web', 'two', 'second\n');
  await emu.mark('clean');
  const marked = (await liveState(emu.endpoint)).hash;
  const describedAtMark = await describe(ecr, 'web');
  t.deepEqual(
    describedAtMark,
    Object.fromEntries(
      [
        [one.digest, ['one']],
        [two.digest, ['two']],
      ].sort(),
    ),
  );

  // after the mark: a new image, a deleted one, a moved tag, changed ECR settings, a new repository
  const three = await r.pushImage('web', 'three', 'third\n');
  await r.deleteManifest('web', one.digest);
  await r.putManifest('web', 'two', three.bytes, 'application/vnd.oci.image.manifest.v1+json');
  await ecr.send(new PutImageTagMutabilityCommand({ repositoryName: 'web', imageTagMutability: 'IMMUTABLE' }));
  const arn = (await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['web'] }))).repositories![0]!.repositoryArn!;
  await ecr.send(new TagResourceCommand({ resourceArn: arn, tags: [{ Key: 'team', Value: 'blue' }] }));
  await r.createRepository('other');
  t.is(await pull('web:one'), undefined);
  t.is(await pull('web:two'), three.digest);

  await emu.reset('clean');
  t.is((await liveState(emu.endpoint)).hash, marked, 'the live state is the marked one, before any pull is recorded');

  t.is(await pull('web:one'), one.digest);
  t.is(await pull('web:two'), two.digest);
  t.is(await pull('web:three'), undefined);
  t.deepEqual(await describe(ecr, 'web'), describedAtMark);
  const repos = (await ecr.send(new DescribeRepositoriesCommand({}))).repositories ?? [];
  t.deepEqual(
    repos.map((x) => x.repositoryName),
    ['web'],
  );
  t.is(repos[0]?.imageTagMutability, 'MUTABLE', 'ECR settings come back with the reset');

  const rewound = [...emu.events()].filter((e) => e.type === 'Rewound');
  t.deepEqual(
    rewound.map((e) => e.data),
    [{ to: (await liveMarks(emu.endpoint)).get('clean'), mark: 'clean' }],
  );
  const live = (await liveState(emu.endpoint)).hash;
  await emu.stop();
  t.is(stateHash(await replayed(dir)), live, 'a replay of the whole journal reproduces the live state');
});

test('POST /_rewind/reset accepts a mark name or a sequence number and refuses unknown ones', async (t) => {
  await using emu = await startEmulator({ auth: 'none', fsync: 'never', logger: false });
  const r = new RegistryDriver(emu.endpoint);
  await r.createRepository('aa');
  const { seq } = await liveState(emu.endpoint);
  await r.createRepository('bb');
  t.deepEqual(await r.admin('POST', '/reset', { to: seq }), { to: seq, mark: null, seq: seq + 2 });
  const { repositories } = (await r.ecr('DescribeRepositories', {})) as { repositories: { repositoryName: string }[] };
  t.deepEqual(
    repositories.map((x) => x.repositoryName),
    ['aa'],
  );
  const post = (body: unknown) =>
    fetch(`${emu.endpoint}/_rewind/reset`, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
  t.is((await post({ to: 'nope' })).status, 404);
  t.is((await post({ to: 999 })).status, 404);
  t.is((await post({})).status, 400);
});

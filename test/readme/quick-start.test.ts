// README's quick start, run as written against a started server: the AWS CLI that Debian 12
// ships (/usr/bin/aws 2.9, which ignores AWS_ENDPOINT_URL) and docker, pushing to the
// repositoryUri that describe-repositories returns. Only the port is changed (4566 may be taken).
import { mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir, removeDir } from '../../src/testkit/temp-dir.ts';
import { run } from '../../src/testkit/commands.ts';
import { awsCommand } from '../support/clients/aws-cli.ts';
import { testRequiring } from '../support/clients/client-test.ts';
import { dockerCliCommand, startDockerd } from '../support/clients/dockerd.ts';
import { adminRequest } from '../support/admin.ts';
import { serveBin } from '../support/bin.ts';
import { readmeBlock } from './readme-blocks.ts';

const test = testRequiring([awsCommand(), 'dockerd', 'docker']);

test('the quick start runs as written: create-repository, docker login, push to the repositoryUri', async (t) => {
  const lines = readmeBlock('quick-start');
  t.regex(lines, /--endpoint-url http:\/\/127\.0\.0\.1:4566/, 'the README does not rely on AWS_ENDPOINT_URL');
  const home = await makeTempDir('readme-quick');
  t.teardown(() => removeDir(home));
  await using server = await serveBin(['--journal', join(home, 'journal'), '--fsync', 'never']);
  const port = new URL(server.endpoint).port;
  await using dockerd = await startDockerd();
  await dockerd.buildFromScratch('app:latest', { 'hello.txt': 'hello from the README\n' });

  // `aws` and `docker` as the README names them: Debian's CLI, and docker talking to the private daemon
  const bin = join(home, 'bin');
  await mkdir(bin);
  await symlink(awsCommand(), join(bin, 'aws'));
  await symlink(dockerCliCommand(), join(bin, 'docker'));
  const script = `set -euo pipefail\n${lines.replaceAll('4566', port)}\necho "URI=$uri"\n`;
  const r = await run('bash', ['-c', script], {
    env: {
      ...dockerd.clientEnv,
      PATH: `${bin}:${process.env.PATH ?? ''}`,
      HOME: home,
      AWS_CONFIG_FILE: join(home, 'no-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(home, 'no-aws-credentials'),
      AWS_PAGER: '',
      AWS_EC2_METADATA_DISABLED: 'true',
      // what a user's shell may hold must not change the outcome
      AWS_PROFILE: undefined,
      AWS_REGION: undefined,
      AWS_ENDPOINT_URL: undefined,
      AWS_ENDPOINT_URL_ECR: undefined,
    },
    timeoutMs: 180_000,
  });
  t.is(r.code, 0, `${r.stdout}\n${r.stderr}`);
  t.regex(r.stdout, new RegExp(`URI=127\\.0\\.0\\.1:${port}/team/app`));
  t.regex(r.stdout + r.stderr, /Login Succeeded/);
  t.regex(r.stdout, /1: digest: sha256:[0-9a-f]{64}/);
  const tags = (await (await adminRequest(server.endpoint, 'GET', '/state')).json()) as {
    repositories: { name: string; images: { tags: string[] }[] }[];
  };
  t.deepEqual(
    tags.repositories.find((repo) => repo.name === 'team/app')?.images.flatMap((i) => i.tags),
    ['1'],
  );
});

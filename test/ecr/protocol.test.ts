/** The JSON 1.1 protocol: targets, bodies, credentials, accounts and regions. */
import test from 'ava';
import { CreateRepositoryCommand, DescribeRepositoriesCommand } from '@aws-sdk/client-ecr';
import { journaledSeq, startEcr } from './ecr-fixture.ts';

const SIGV4 = 'AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/ecr/aws4_request, SignedHeaders=host, Signature=abcdef0123';

async function raw(endpoint: string, target: string, body: string, authorization: string | null = SIGV4) {
  const res = await fetch(`${endpoint}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': target,
      ...(authorization ? { authorization } : {}),
    },
    body,
  });
  return { status: res.status, body: (await res.json()) as { __type?: string; message?: string } };
}

test('an unknown operation answers UnknownOperationException', async (t) => {
  await using f = await startEcr();
  const r = await raw(f.emu.endpoint, 'AmazonEC2ContainerRegistry_V20150921.MakeCoffee', '{}');
  t.is(r.status, 400);
  t.is(r.body.__type, 'UnknownOperationException');
});

test('a target of another service answers UnknownOperationException', async (t) => {
  await using f = await startEcr();
  const r = await raw(f.emu.endpoint, 'DynamoDB_20120810.ListTables', '{}');
  t.is(r.body.__type, 'UnknownOperationException');
});

test('malformed JSON answers SerializationException and changes nothing', async (t) => {
  await using f = await startEcr();
  const before = await journaledSeq(f.emu.endpoint);
  const r = await raw(f.emu.endpoint, 'AmazonEC2ContainerRegistry_V20150921.CreateRepository', '{"repositoryName": ');
  t.is(r.status, 400);
  t.is(r.body.__type, 'SerializationException');
  const arr = await raw(f.emu.endpoint, 'AmazonEC2ContainerRegistry_V20150921.CreateRepository', '[1,2]');
  t.is(arr.body.__type, 'SerializationException');
  t.is(await journaledSeq(f.emu.endpoint), before);
  t.deepEqual((await f.ecr.send(new DescribeRepositoriesCommand({}))).repositories, []);
});

test('a request without credentials is refused with MissingAuthenticationTokenException (403)', async (t) => {
  await using f = await startEcr();
  const r = await raw(f.emu.endpoint, 'AmazonEC2ContainerRegistry_V20150921.DescribeRepositories', '{}', null);
  t.is(r.status, 403);
  t.is(r.body.__type, 'MissingAuthenticationTokenException');
  const bad = await raw(f.emu.endpoint, 'AmazonEC2ContainerRegistry_V20150921.DescribeRepositories', '{}', 'Bearer xyz');
  t.is(bad.status, 403);
  t.is(bad.body.__type, 'IncompleteSignatureException');
});

test('wrong input types answer InvalidParameterException naming the member', async (t) => {
  await using f = await startEcr();
  const r = await raw(f.emu.endpoint, 'AmazonEC2ContainerRegistry_V20150921.CreateRepository', '{"repositoryName": 7}');
  t.is(r.body.__type, 'InvalidParameterException');
  t.regex(r.body.message ?? '', /repositoryName/);
});

test('each account and region is its own registry; a 12-digit access key names the account', async (t) => {
  await using f = await startEcr();
  const other = f.client('123456789012');
  const west = f.client('test', 'eu-west-1');
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'shared/name' }));
  const created = await other.send(new CreateRepositoryCommand({ repositoryName: 'shared/name' }));
  t.is(created.repository?.registryId, '123456789012');
  t.is(created.repository?.repositoryArn, 'arn:aws:ecr:us-east-1:123456789012:repository/shared/name');
  t.deepEqual((await west.send(new DescribeRepositoriesCommand({}))).repositories, []);
  const mine = await f.ecr.send(new DescribeRepositoriesCommand({}));
  t.deepEqual(
    mine.repositories?.map((r) => r.registryId),
    ['000000000000'],
  );
  other.destroy();
  west.destroy();
});

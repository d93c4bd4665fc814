// The first requests to a freshly started bin (tools/ecr-rewind.cjs running dist/): the ECR
// operations load with the server, and what a start leaves to load on first use (the P-384
// signing curve, the inspector page's files, Node's fetch for a JSON answer) answers that
// first request in full, exactly as a warm server does.
import {
  CreateRepositoryCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
  ListImageReferrersCommand,
  PutImageCommand,
  PutSigningConfigurationCommand,
} from '@aws-sdk/client-ecr';
import test from 'ava';
import { request } from 'node:http';
import { tempDir } from '../rewind/rewind-support.ts';
import { prepareImage } from '../ecr/ecr-fixture.ts';
import { PROFILE, signingSettled, verifyNotarySignature } from '../signing/signing-support.ts';
import { adminRequest } from '../support/admin.ts';
import { serveBin } from '../support/bin.ts';

const client = (endpoint: string): ECRClient =>
  new ECRClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });

/** One plain node:http request (no fetch, no retries): status, headers and body text. */
function get(url: string, method = 'GET'): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('first request GET /_rewind/health: 200, JSON with its type and length; HEAD has the same headers', async (t) => {
  await using served = await serveBin(['--journal', `${await tempDir(t)}/j`, '--fsync', 'never', '--auth', 'none']);
  const health = await get(`${served.endpoint}/_rewind/health`);
  t.is(health.status, 200);
  t.is(health.headers['content-type'], 'application/json; charset=utf-8');
  t.is(Number(health.headers['content-length']), Buffer.byteLength(health.body));
  t.like(JSON.parse(health.body), { status: 'ok' });
  const head = await get(`${served.endpoint}/_rewind/health`, 'HEAD');
  t.is(head.status, 200);
  t.is(head.body, '');
  t.is(head.headers['content-type'], 'application/json; charset=utf-8');
});

test('first request an ECR call: the operations load for it and answer it (and a model violation as AWS does)', async (t) => {
  await using served = await serveBin(['--journal', `${await tempDir(t)}/j`, '--fsync', 'never']);
  const ecr = client(served.endpoint);
  const { repository } = await ecr.send(new CreateRepositoryCommand({ repositoryName: 'team/app' }));
  t.is(repository?.repositoryName, 'team/app');
  t.regex(repository?.repositoryUri ?? '', /^127\.0\.0\.1:\d+\/team\/app$/);
  await t.throwsAsync(ecr.send(new DescribeRepositoriesCommand({ maxResults: 0 })), { name: 'InvalidParameterException' });
});

test('first request /v2/: the registry face answers with its API version header', async (t) => {
  await using served = await serveBin(['--journal', `${await tempDir(t)}/j`, '--fsync', 'never', '--auth', 'none']);
  const v2 = await get(`${served.endpoint}/v2/`);
  t.is(v2.status, 200);
  t.is(v2.headers['docker-distribution-api-version'], 'registry/2.0');
  const catalog = await get(`${served.endpoint}/v2/_catalog`);
  t.is(catalog.status, 200);
  t.deepEqual(JSON.parse(catalog.body), { repositories: [] });
  t.regex(String(catalog.headers['content-type']), /^application\/json/);
});

test('the inspector page is served from the built bin (the page built into dist/ui/static/)', async (t) => {
  await using served = await serveBin(['--journal', `${await tempDir(t)}/j`, '--fsync', 'never', '--auth', 'none']);
  const page = await get(`${served.endpoint}/_rewind/ui/`);
  t.is(page.status, 200);
  t.regex(page.body, /<script[^>]+app\.js/);
  const app = await get(`${served.endpoint}/_rewind/ui/app.js`);
  t.is(app.status, 200);
  t.true(app.body.length > 10_000);
});

test('the first signature of a started bin (the P-384 curve loads on first use) verifies with the published certificate', async (t) => {
  await using served = await serveBin(['--journal', `${await tempDir(t)}/j`, '--fsync', 'never']);
  const ecr = client(served.endpoint);
  await ecr.send(new PutSigningConfigurationCommand({ signingConfiguration: { rules: [{ signingProfileArn: PROFILE }] } }));
  await ecr.send(new CreateRepositoryCommand({ repositoryName: 'team/app' }));
  const img = await prepareImage(ecr, 'team/app', 'first');
  await ecr.send(new PutImageCommand({ repositoryName: 'team/app', imageManifest: img.manifest, imageTag: 'v1' }));
  const statuses = await signingSettled(ecr, 'team/app', img.digest).catch((err: Error) => {
    throw new Error(`${err.message}\n${served.stderr()}`);
  });
  t.is(statuses[0]?.status, 'COMPLETE', served.stderr());

  const pem = await (await adminRequest(served.endpoint, 'GET', '/signing/certificates?format=pem')).text();
  const refs = await ecr.send(new ListImageReferrersCommand({ repositoryName: 'team/app', subjectId: { imageDigest: img.digest } }));
  const token = (await ecr.send(new GetAuthorizationTokenCommand({}))).authorizationData![0]!.authorizationToken!;
  const headers = { authorization: `Basic ${token}` };
  const v2 = `${served.endpoint}/v2/team/app`;
  const sig = (await (await fetch(`${v2}/manifests/${refs.referrers![0]!.digest}`, { headers })).json()) as {
    layers: { digest: string }[];
  };
  const envelope = Buffer.from(await (await fetch(`${v2}/blobs/${sig.layers[0]!.digest}`, { headers })).arrayBuffer());
  const image = Buffer.from(await (await fetch(`${v2}/manifests/${img.digest}`, { headers })).arrayBuffer());
  t.like(verifyNotarySignature(envelope, image, pem), { ok: true });
});

// The AWS CLI harness: isolated config, test credentials, and the endpoint it is given.
// A stub ECR endpoint (one operation) stands in for ecr-rewind here.

import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { awsCommand, createAwsCli } from '../support/clients/aws-cli.ts';
import { testRequiring } from '../support/clients/client-test.ts';
import { startDockerd } from '../support/clients/dockerd.ts';
import { startReferenceRegistry } from '../../src/testkit/reference-registry.ts';

const test = testRequiring([awsCommand()]);
const dockerTest = testRequiring([awsCommand(), 'dockerd', 'docker', 'docker-registry']);

/** Answers GetAuthorizationToken with a token for `AWS:<password>` and records every request. */
async function startStubEcr(password: string) {
  const seen: { headers: IncomingHttpHeaders; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      seen.push({ headers: req.headers, body });
      res.setHeader('content-type', 'application/x-amz-json-1.1');
      res.end(
        JSON.stringify({
          authorizationData: [
            {
              authorizationToken: Buffer.from(`AWS:${password}`).toString('base64'),
              expiresAt: 4102444800,
              proxyEndpoint: 'http://127.0.0.1',
            },
          ],
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    [Symbol.asyncDispose]: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

test('aws ecr get-login-password calls the given endpoint with test credentials and the given region', async (t) => {
  await using stub = await startStubEcr('s3cret-token');
  await using cli = await createAwsCli({ endpointUrl: stub.url, region: 'eu-west-3' });

  const result = await cli.aws(['ecr', 'get-login-password']);

  t.is(result.stdout.trim(), 's3cret-token');
  t.is(stub.seen.length, 1);
  const request = stub.seen[0];
  t.is(request?.headers['x-amz-target'], 'AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken');
  t.regex(String(request?.headers.authorization), /Credential=AKIAECRREWINDTEST000\/\d{8}\/eu-west-3\/ecr\/aws4_request/);
});

dockerTest('get-login-password pipes into docker login of a private dockerd', async (t) => {
  await using registry = await startReferenceRegistry();
  await using stub = await startStubEcr('s3cret-token');
  await using cli = await createAwsCli({ endpointUrl: stub.url });
  await using dockerd = await startDockerd({ insecureRegistries: [registry.host] });

  const password = (await cli.aws(['ecr', 'get-login-password'])).stdout;
  const login = await dockerd.docker(['login', '--username', 'AWS', '--password-stdin', registry.host], { input: password });

  t.regex(login.stdout, /Login Succeeded/);
  const config = JSON.parse(await readFile(`${dockerd.configDir}/config.json`, 'utf8')) as { auths: Record<string, { auth: string }> };
  t.is(
    Buffer.from(config.auths[registry.host]?.auth ?? '', 'base64').toString(),
    'AWS:s3cret-token',
    'stored in the harness DOCKER_CONFIG',
  );
});

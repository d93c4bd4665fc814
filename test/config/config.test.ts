// The configuration: flags > environment > defaults, every value checked by one parser per
// setting (the command line uses the same ones), and one registry host used everywhere.
import test from 'ava';
import { ConfigError, DEFAULTS, registryHostOf, resolveConfig } from '../../src/config.ts';
import { startEmulator } from '../../src/index.ts';

test('flags win over the environment, which wins over the defaults', (t) => {
  const c = resolveConfig({ port: 5000 }, { ECR_REWIND_PORT: '6000', ECR_REWIND_AUTH: 'none', ECR_REWIND_LOG_REQUESTS: 'debug' });
  t.is(c.port, 5000);
  t.is(c.auth, 'none');
  t.is(c.logRequests, 'debug');
  t.is(c.fsync, DEFAULTS.fsync);
  t.true(Object.isFrozen(c));
});

test('a bad value, from the environment or a typed option, is a ConfigError that says what is allowed', (t) => {
  t.throws(() => resolveConfig({}, { ECR_REWIND_FSYNC: 'sometimes' }), { instanceOf: ConfigError, message: /always, interval, never/ });
  t.throws(() => resolveConfig({ port: 99999 }, {}), { instanceOf: ConfigError, message: /0 to 65535/ });
  t.throws(() => resolveConfig({ logLevel: 'loud' as never }, {}), { message: /fatal, error, warn, info, debug, trace, silent/ });
  t.throws(() => resolveConfig({ clock: 'garbage' }, {}), { message: /START\[,STEP\]/ });
  t.notThrows(() => resolveConfig({ clock: '2026-01-01T00:00:00Z,1000' }, {}));
  t.notThrows(() => resolveConfig({ clock: '1767225600000' }, {}));
});

test('startEmulator refuses a bad option before it creates anything', async (t) => {
  await t.throwsAsync(startEmulator({ port: 70000, logger: false }), { instanceOf: ConfigError });
});

test('one registry host: the listening address, 127.0.0.1 for a loopback or wildcard one', (t) => {
  t.is(registryHostOf('127.0.0.1', 4566), '127.0.0.1:4566');
  t.is(registryHostOf('0.0.0.0', 4566), '127.0.0.1:4566');
  t.is(registryHostOf('::', 4566), '127.0.0.1:4566');
  t.is(registryHostOf('localhost', 4566), '127.0.0.1:4566');
  t.is(registryHostOf('10.1.2.3', 80), '10.1.2.3:80');
  t.is(registryHostOf('fd00::1', 80), '[fd00::1]:80');
});

test('repositoryUri, proxyEndpoint, the endpoint and the push target name the same host', async (t) => {
  await using emu = await startEmulator({ fsync: 'never', logger: false, auth: 'none' });
  t.is(emu.endpoint, `http://${emu.registryHost}`);
  const call = async (op: string, body: unknown) =>
    (await (
      await fetch(emu.endpoint, {
        method: 'POST',
        headers: {
          'x-amz-target': `AmazonEC2ContainerRegistry_V20150921.${op}`,
          'content-type': 'application/x-amz-json-1.1',
          authorization: 'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/ecr/aws4_request, SignedHeaders=host, Signature=0',
        },
        body: JSON.stringify(body),
      })
    ).json()) as unknown;
  const created = (await call('CreateRepository', { repositoryName: 'team/app' })) as { repository: { repositoryUri: string } };
  t.is(created.repository.repositoryUri, `${emu.registryHost}/team/app`);
  const token = (await call('GetAuthorizationToken', {})) as { authorizationData: { proxyEndpoint: string }[] };
  t.is(token.authorizationData[0]?.proxyEndpoint, emu.endpoint);
});

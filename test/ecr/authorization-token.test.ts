/** GetAuthorizationToken and /v2 auth with its tokens. */
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { steppingClock } from '../../src/support/clock.ts';
import { startEcr } from './ecr-fixture.ts';

const v2 = (endpoint: string, authorization?: string) =>
  fetch(`${endpoint}/v2/`, { headers: authorization ? { authorization } : {} }).then((r) => r.status);

test('GetAuthorizationToken: base64 AWS:<token>, 12 h expiry on the clock, proxyEndpoint on the registry host', async (t) => {
  await using f = await startEcr({ clockSource: steppingClock(1_700_000_000_000, 0) });
  const { authorizationData } = await f.ecr.send(new GetAuthorizationTokenCommand({}));
  const [data] = authorizationData ?? [];
  const decoded = Buffer.from(data!.authorizationToken!, 'base64').toString();
  t.regex(decoded, /^AWS:ecrr1\./);
  t.deepEqual(data?.expiresAt, new Date(1_700_000_000_000 + 12 * 3600 * 1000));
  t.is(data?.proxyEndpoint, `http://127.0.0.1:${f.emu.port}`);
  const many = await f.ecr.send(new GetAuthorizationTokenCommand({ registryIds: ['111111111111', '222222222222'] }));
  t.is(many.authorizationData?.length, 2);
});

test('/v2 accepts an unexpired token, and refuses a forged, expired or missing one with 401', async (t) => {
  await using f = await startEcr();
  const { authorizationData } = await f.ecr.send(new GetAuthorizationTokenCommand({}));
  const good = `Basic ${authorizationData![0]!.authorizationToken}`;
  t.is(await v2(f.emu.endpoint, good), 200);
  t.is(await v2(f.emu.endpoint, good), 200, 'again: a header whose token verified is remembered');
  t.is(await v2(f.emu.endpoint), 401);
  t.is(await v2(f.emu.endpoint, `Basic ${Buffer.from('AWS:made-up').toString('base64')}`), 401);
  const token = Buffer.from(authorizationData![0]!.authorizationToken!, 'base64').toString().slice(4);
  const [p, payload, sig] = token.split('.');
  const tampered = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
  tampered.a = '999999999999';
  const forged = `${p}.${Buffer.from(JSON.stringify(tampered)).toString('base64url')}.${sig}`;
  t.is(await v2(f.emu.endpoint, `Basic ${Buffer.from(`AWS:${forged}`).toString('base64')}`), 401);
  t.is(await v2(f.emu.endpoint, `Basic ${Buffer.from(`alice:${token}`).toString('base64')}`), 401);
  f.emu.clock.advance(12 * 3600 * 1000 + 1);
  t.is(await v2(f.emu.endpoint, good), 401, 'expired: a remembered header is checked against the clock every time');
});

test('tokens keep working after a restart on the same journal, and are the same under a seed and a stepping clock', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ecr-token-'));
  try {
    const issue = async () => {
      await using f = await startEcr({ journal: dir, seed: 7, clockSource: steppingClock(1_700_000_000_000, 0) });
      const { authorizationData } = await f.ecr.send(new GetAuthorizationTokenCommand({}));
      return authorizationData![0]!.authorizationToken!;
    };
    const first = await issue();
    {
      await using f = await startEcr({ journal: dir, clockSource: steppingClock(1_700_000_000_000, 0) });
      t.is(await v2(f.emu.endpoint, `Basic ${first}`), 200, 'accepted after a restart');
    }
    const other = await mkdtemp(join(tmpdir(), 'ecr-token-'));
    try {
      await using f = await startEcr({ journal: other, seed: 7, clockSource: steppingClock(1_700_000_000_000, 0) });
      const { authorizationData } = await f.ecr.send(new GetAuthorizationTokenCommand({}));
      t.is(authorizationData![0]!.authorizationToken, first, 'same seed, same clock: same token');
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

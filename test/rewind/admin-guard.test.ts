// Issue 10, points 8 and 11: the admin API needs the registry's credentials when auth is on,
// takes JSON bodies only, answers only to this emulator's own host names and to pages of its own
// origin (DNS rebinding, cross-site requests), and refuses a body that is not a JSON object.
import { request } from 'node:http';
import test from 'ava';
import { startEmulator } from '../../src/index.ts';
import { RegistryDriver } from '../../src/testkit/registry-driver.ts';

/** A raw request (fetch may not set Host or Origin as a browser would). */
function raw(
  port: number,
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: opts.headers ?? {} }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

async function tokenOf(emu: { endpoint: string }): Promise<string> {
  const out = (await new RegistryDriver(emu.endpoint).ecr('GetAuthorizationToken', {})) as {
    authorizationData: { authorizationToken: string }[];
  };
  return Buffer.from(out.authorizationData[0]!.authorizationToken, 'base64').toString('utf8').slice('AWS:'.length);
}

test('with --auth token the admin API needs the registry credentials (Basic AWS:<token> or Bearer <token>); health needs none', async (t) => {
  await using emu = await startEmulator({ auth: 'token', fsync: 'never', logger: false });
  const token = await tokenOf(emu);
  const basic = `Basic ${Buffer.from(`AWS:${token}`).toString('base64')}`;
  for (const path of ['/_rewind/state', '/_rewind/events', '/_rewind/marks', '/_rewind/snapshot']) {
    const res = await raw(emu.port, path);
    t.is(res.status, 401, path);
    t.regex(String(res.headers['www-authenticate']), /^Basic realm="ecr-rewind admin"/);
    t.regex(res.body, /GetAuthorizationToken/);
  }
  const reset = await raw(emu.port, '/_rewind/reset', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ to: 0 }),
  });
  t.is(reset.status, 401);
  t.is((await raw(emu.port, '/_rewind/state', { headers: { Authorization: basic } })).status, 200);
  t.is((await raw(emu.port, '/_rewind/state', { headers: { Authorization: `Bearer ${token}` } })).status, 200);
  t.is((await raw(emu.port, '/_rewind/state', { headers: { Authorization: 'Bearer not-a-token' } })).status, 401);
  t.is((await raw(emu.port, '/_rewind/health')).status, 200);
  const clock = await raw(emu.port, '/_rewind/clock', {
    method: 'POST',
    headers: { Authorization: basic, 'Content-Type': 'application/json' },
    body: JSON.stringify({ advanceMs: 1 }),
  });
  t.is(clock.status, 200);
  // the test driver logs in once and uses the same credentials for the admin API
  const r = new RegistryDriver(emu.endpoint);
  await r.login();
  t.is(((await r.admin('POST', '/marks', { name: 'logged-in' })) as { name: string }).name, 'logged-in');
});

test('the admin API takes JSON bodies only: a text/plain or form post changes nothing (415)', async (t) => {
  await using emu = await startEmulator({ auth: 'none', fsync: 'never', logger: false });
  await new RegistryDriver(emu.endpoint).createRepository('kept');
  const seq = emu.engine.lastSeq;
  for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
    const res = await raw(emu.port, '/_rewind/reset', { method: 'POST', headers: { 'Content-Type': type }, body: '{"to":0}' });
    t.is(res.status, 415, type);
    t.regex(res.body, /Content-Type: application\/json/);
  }
  t.is(emu.engine.lastSeq, seq, 'nothing was reset');
  t.is(emu.engine.state.repos.size, 1);
});

test('the admin API answers only to its own host names and to pages of its own origin (DNS rebinding, cross-site)', async (t) => {
  await using emu = await startEmulator({ auth: 'none', fsync: 'never', logger: false, advertisedHost: 'registry.test:5000' });
  const self = `127.0.0.1:${emu.port}`;
  for (const host of [`127.0.0.1:${emu.port}`, `localhost:${emu.port}`, `[::1]:${emu.port}`, 'registry.test:5000', 'app.localhost']) {
    t.is((await raw(emu.port, '/_rewind/state', { headers: { Host: host } })).status, 200, host);
  }
  const rebound = await raw(emu.port, '/_rewind/state', { headers: { Host: `attacker.example:${emu.port}` } });
  t.is(rebound.status, 403);
  t.regex(rebound.body, /own host names/);
  // a page of this origin (the emulator's own pages under /_rewind/) is let in; any other is refused
  const post = (headers: Record<string, string>) =>
    raw(emu.port, '/_rewind/marks', {
      method: 'POST',
      headers: { Host: self, 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify({ name: `m${Math.random()}` }),
    });
  t.is((await post({ Origin: `http://${self}`, 'Sec-Fetch-Site': 'same-origin' })).status, 201);
  const refused: Record<string, string>[] = [
    { Origin: 'http://attacker.example' },
    { Origin: `http://localhost:${emu.port + 1}` },
    { Origin: 'null' },
    { 'Sec-Fetch-Site': 'cross-site' },
    { 'Sec-Fetch-Site': 'same-site' },
  ];
  for (const headers of refused) {
    const res = await post(headers);
    t.is(res.status, 403, JSON.stringify(headers));
  }
  t.is(
    (await raw(emu.port, '/_rewind/state', { headers: { Host: self, 'Sec-Fetch-Site': 'none' } })).status,
    200,
    'typed into the address bar',
  );
});

test('POST /_rewind/marks (and reset, clock) with a body that is not a JSON object is a 400, not a 500', async (t) => {
  await using emu = await startEmulator({ auth: 'none', fsync: 'never', logger: false });
  for (const path of ['/_rewind/marks', '/_rewind/reset', '/_rewind/clock'])
    for (const body of ['null', '[]', '3', '"x"']) {
      const res = await raw(emu.port, path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
      t.is(res.status, 400, `${path} ${body}`);
      t.regex(res.body, /JSON object/);
    }
});

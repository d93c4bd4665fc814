// Content-Type headers worked out once per value (src/http/content-types.ts): the same header
// as Koa's own for each value, on the first answer and on every later one.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import test from 'ava';
import Koa from 'koa';
import { rememberContentTypes } from '../../src/http/content-types.ts';

const VALUES = [
  'json',
  'application/json',
  'text',
  'html',
  'bin',
  '.png',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'text/plain; charset=latin1',
  'no-such-type-xyz',
];

async function headersOf(app: Koa): Promise<(string | null)[]> {
  app.use((ctx) => {
    ctx.type = VALUES[Number(ctx.query.i)]!;
    ctx.body = Buffer.from('x');
  });
  const server = createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const out: (string | null)[] = [];
    for (let round = 0; round < 3; round++)
      for (let i = 0; i < VALUES.length; i++) out.push((await fetch(`${url}?i=${i}`)).headers.get('content-type'));
    return out;
  } finally {
    server.close();
  }
}

test("each value's Content-Type is Koa's own, on the first answer and every later one", async (t) => {
  const remembered = new Koa();
  rememberContentTypes(remembered);
  const plain = await headersOf(new Koa());
  t.deepEqual(await headersOf(remembered), plain);
  t.is(plain[0], 'application/json; charset=utf-8');
});

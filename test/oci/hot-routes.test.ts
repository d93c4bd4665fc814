// The hot lane of /v2 (src/http/oci/hot-routes.ts) takes a request only where the router would take it
// to the same route with the same parameters: checked against @koa/router itself over a grid of paths
// (names, route segments in either case, references, trailing slashes, percent signs) and methods.
// And through a running registry: the lane's requests are refused with the codes the router's checks give.
import Router from '@koa/router';
import test from 'ava';
import type { Context } from 'koa';
import { hotRoutes } from '../../src/http/oci/hot-routes.ts';
import { errorCodes, OCI_MANIFEST, startRegistry } from './registry-fixture.ts';
import { sameBytes } from '../support/bytes.ts';

/** The /v2 face's routes (oci-face.ts and its route modules), as the router is given them. */
const ROUTES: [string, string][] = [
  ['get', '/'],
  ['get', '/_catalog'],
  ['get', '/*name/tags/list'],
  ['get', '/*name/referrers/:digest'],
  ['get', '/*name/blobs/:digest'],
  ['delete', '/*name/blobs/:digest'],
  ['post', '/*name/blobs/uploads/'],
  ['get', '/*name/blobs/uploads/:uuid'],
  ['patch', '/*name/blobs/uploads/:uuid'],
  ['put', '/*name/blobs/uploads/:uuid'],
  ['delete', '/*name/blobs/uploads/:uuid'],
  ['get', '/*name/manifests/:reference'],
  ['put', '/*name/manifests/:reference'],
  ['delete', '/*name/manifests/:reference'],
];

const DIGEST = `sha256:${'ab'.repeat(32)}`;

function grid(): string[] {
  const names = ['a', 'team/app', 'x/blobs/uploads', 'x/manifests/y', 'A/B', '', '/', 'a//b', 'a%2Fb', 'blobs', 'manifests', 'tags'];
  const middles = ['/manifests/', '/blobs/', '/MANIFESTS/', '/Blobs/', '/blobs/uploads/', '/tags/', '/referrers/', '/'];
  const lasts = ['latest', DIGEST, '', 'a%20b', 'uploads', 'list', 'manifests', 'Bad Tag'];
  const paths: string[] = ['/v2', '/v2/', '/v2/_catalog', '/v2//manifests/x', '/v2/manifests/x', '/v2/blobs/x'];
  for (const n of names) for (const m of middles) for (const l of lasts) for (const end of ['', '/']) paths.push(`/v2/${n}${m}${l}${end}`);
  return paths;
}

test('the hot lane takes a request only where the router takes it to the same route, with the same parameters', (t) => {
  const router = new Router({ prefix: '/v2' });
  for (const [method, path] of ROUTES) router[method as 'get'](path, () => undefined);
  const handler = async (): Promise<void> => undefined;
  const hot = hotRoutes({ manifestGet: handler, manifestPut: handler, blobGet: handler });
  let taken = 0;
  for (const path of grid())
    for (const method of ['GET', 'HEAD', 'PUT', 'POST', 'PATCH', 'DELETE', 'OPTIONS']) {
      const lane = hot(method, path);
      if (!lane) continue;
      taken++;
      const ctx = { method, params: undefined };
      try {
        void lane(ctx as unknown as Context);
      } catch {
        // a name or reference the checks refuse: the parameters were set before
      }
      const matched = router.match(path, method).pathAndMethod.filter((layer) => layer.methods.length > 0);
      t.is(matched.length, 1, `${method} ${path}: the router matches one route`);
      const layer = matched[0]!;
      const route = path.split('/').at(-2) === 'manifests' ? '/v2/*name/manifests/:reference' : '/v2/*name/blobs/:digest';
      t.is(layer.path, route, `${method} ${path}`);
      t.deepEqual(ctx.params, layer.params(path, layer.captures(path), {}), `${method} ${path}`);
    }
  t.true(taken > 50, `the grid reaches the lane (${taken} requests taken)`);
});

test('requests the hot lane takes get the OCI errors of the same checks, with the API version header: GET, HEAD and PUT', async (t) => {
  await using reg = await startRegistry();
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: DIGEST, size: 2 },
      layers: [],
    }),
  );
  const put = await reg.fetch('/v2/test/app/manifests/v1', { method: 'PUT', body: manifest, headers: { 'content-type': OCI_MANIFEST } });
  t.is(put.status, 400, 'the config blob is unknown');
  t.deepEqual(await errorCodes(put), ['MANIFEST_BLOB_UNKNOWN']);
  const cases: [string, string, number, string][] = [
    ['GET', '/v2/test/app/manifests/nope', 404, 'MANIFEST_UNKNOWN'],
    ['GET', '/v2/Test/App/manifests/latest', 400, 'NAME_INVALID'],
    ['GET', '/v2/test/app/manifests/bad!tag', 404, 'MANIFEST_UNKNOWN'],
    ['PUT', '/v2/test/app/manifests/bad!tag', 400, 'TAG_INVALID'],
    ['GET', '/v2/test/app/manifests/sha256:abc', 400, 'DIGEST_INVALID'],
    ['GET', '/v2/test/app/blobs/latest', 400, 'DIGEST_INVALID'],
    ['GET', `/v2/test/app/blobs/${DIGEST}`, 404, 'BLOB_UNKNOWN'],
    ['GET', `/v2/no/such/blobs/${DIGEST}`, 404, 'NAME_UNKNOWN'],
  ];
  for (const [method, path, status, code] of cases) {
    const res = await reg.fetch(path, {
      method,
      ...(method === 'PUT' ? { body: manifest, headers: { 'content-type': OCI_MANIFEST } } : {}),
    });
    t.is(res.status, status, `${method} ${path}`);
    t.is(res.headers.get('docker-distribution-api-version'), 'registry/2.0', `${method} ${path}`);
    t.deepEqual(await errorCodes(res), [code], `${method} ${path}`);
  }
  const head = await reg.fetch('/v2/test/app/manifests/nope', { method: 'HEAD' });
  t.is(head.status, 404);
});

test('the hot lane asks for credentials as the router does (401 UNAUTHORIZED with the challenge), and answers a pull with its headers', async (t) => {
  await using reg = await startRegistry({ auth: 'any' });
  const { bytes, digest } = await reg.pushImage('test/app', 'v1');
  for (const [method, path] of [
    ['GET', `/v2/test/app/manifests/${digest}`],
    ['HEAD', '/v2/test/app/manifests/v1'],
    ['PUT', '/v2/test/app/manifests/v2'],
    ['GET', `/v2/test/app/blobs/${DIGEST}`],
  ] as const) {
    const res = await fetch(`${reg.url}${path}`, {
      method,
      ...(method === 'PUT' ? { body: bytes, headers: { 'content-type': OCI_MANIFEST } } : {}),
    });
    t.is(res.status, 401, `${method} ${path}`);
    t.regex(res.headers.get('www-authenticate') ?? '', /^Basic realm="[^"]+",service="ecr.amazonaws.com"$/, `${method} ${path}`);
    t.is(res.headers.get('docker-distribution-api-version'), 'registry/2.0', `${method} ${path}`);
    if (method !== 'HEAD') t.deepEqual(await errorCodes(res), ['UNAUTHORIZED'], `${method} ${path}`);
  }
  for (const method of ['GET', 'HEAD']) {
    const res = await reg.fetch(`/v2/test/app/manifests/${method === 'GET' ? digest : 'v1'}`, {
      method,
      headers: { accept: OCI_MANIFEST },
    });
    t.is(res.status, 200, method);
    t.is(res.headers.get('content-type'), OCI_MANIFEST, method);
    t.is(res.headers.get('docker-content-digest'), digest, method);
    t.is(res.headers.get('etag'), `"${digest}"`, method);
    t.is(res.headers.get('content-length'), String(bytes.length), method);
    t.is(res.headers.get('docker-distribution-api-version'), 'registry/2.0', method);
    sameBytes(t, Buffer.from(await res.arrayBuffer()), method === 'GET' ? bytes : Buffer.alloc(0), method);
  }
});

// The registry's state is the journal: after a stop and a start on the same journal
// folder, pushed images pull back byte for byte, and an upload interrupted by the stop
// can be finished.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { digestOf, OCI_MANIFEST, startRegistry } from './registry-fixture.ts';
import { sameBytes } from '../support/bytes.ts';

test('push, stop, start on the same journal: identical bytes; an unfinished upload is finished after the start', async (t) => {
  const journal = await mkdtemp(path.join(tmpdir(), 'ecr-rewind-restart-'));
  t.teardown(() => rm(journal, { recursive: true, force: true }));
  const layer = Buffer.alloc(1_000_000);
  for (let i = 0; i < layer.length; i++) layer[i] = (i * 31 + 7) & 0xff;
  const half = 600_000;

  let manifest: { bytes: Buffer; digest: string };
  let uploadLocation: string;
  {
    await using reg = await startRegistry({ journal, fsync: 'always' });
    manifest = await reg.pushImage('test/app', 'v1', { layers: [layer] });
    const post = await reg.fetch('/v2/test/app/blobs/uploads/', { method: 'POST' });
    uploadLocation = post.headers.get('location') ?? '';
    const patch = await reg.fetch(uploadLocation, {
      method: 'PATCH',
      body: layer.subarray(0, half),
      headers: { 'content-range': `0-${half - 1}` },
    });
    t.is(patch.status, 202);
  }

  await using reg = await startRegistry({ journal, fsync: 'always' }, []);
  const get = await reg.fetch('/v2/test/app/manifests/v1', { headers: { accept: OCI_MANIFEST } });
  t.is(get.status, 200);
  sameBytes(t, Buffer.from(await get.arrayBuffer()), manifest.bytes);
  const blob = await reg.fetch(`/v2/test/app/blobs/${digestOf(layer)}`);
  sameBytes(t, Buffer.from(await blob.arrayBuffer()), layer);

  const status = await reg.fetch(uploadLocation);
  t.is(status.status, 204);
  t.is(status.headers.get('range'), `0-${half - 1}`, 'the upload keeps its offset across the restart');
  const rest = layer.subarray(half);
  const other = Buffer.concat([Buffer.from('x'), rest]);
  const put = await reg.fetch(`${uploadLocation}?digest=${digestOf(other)}`, { method: 'PUT', body: rest });
  t.is(put.status, 400, 'the staged bytes are re-hashed: a wrong digest is still refused');
  const done = await reg.fetch(`${uploadLocation}?digest=${digestOf(layer)}`, { method: 'PUT', body: rest });
  t.is(done.status, 201);
});

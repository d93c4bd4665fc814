// /v2 behaviour that ECR settings change: blob mounting (PutAccountSetting BLOB_MOUNTING)
// and repository creation templates with CREATE_ON_PUSH.

import test from 'ava';
import { digestOf, errorCodes, startRegistry } from './registry-fixture.ts';

test('end-11: with BLOB_MOUNTING disabled a mount request answers 202 with a fresh upload, as ECR does', async (t) => {
  await using reg = await startRegistry({}, ['test/src', 'test/dst']);
  const scope = { account: reg.emu.config.account, region: reg.emu.config.region };
  await reg.emu.engine.execute({ type: 'PutAccountSetting', scope, name: 'BLOB_MOUNTING', value: 'DISABLED' });
  const digest = await reg.pushBlob('test/src', 'not to be mounted');
  const res = await reg.fetch(`/v2/test/dst/blobs/uploads/?mount=${digest}&from=test/src`, { method: 'POST' });
  t.is(res.status, 202);
  t.truthy(res.headers.get('docker-upload-uuid'));
  t.is((await reg.fetch(`/v2/test/dst/blobs/${digest}`, { method: 'HEAD' })).status, 404);
});

test('a push to a missing repository under a CREATE_ON_PUSH template creates it', async (t) => {
  await using reg = await startRegistry({}, []);
  const scope = { account: reg.emu.config.account, region: reg.emu.config.region };
  await reg.emu.engine.execute({
    type: 'CreateRepositoryCreationTemplate',
    scope,
    template: {
      prefix: 'auto',
      encryptionType: 'AES256',
      resourceTags: [],
      imageTagMutability: 'MUTABLE',
      imageTagMutabilityExclusionFilters: [],
      appliedFor: ['CREATE_ON_PUSH'],
    },
  });
  const elsewhere = await reg.fetch(`/v2/manual/app/blobs/uploads/?digest=${digestOf('x')}`, { method: 'POST', body: 'x' });
  t.deepEqual(await errorCodes(elsewhere), ['NAME_UNKNOWN'], 'outside the template prefix nothing is created');
  const { digest } = await reg.pushImage('auto/app', 'v1');
  const res = await reg.fetch('/v2/auto/app/manifests/v1', { method: 'HEAD' });
  t.is(res.headers.get('docker-content-digest'), digest);
  const created = [...reg.emu.events()].filter((e) => e.type === 'RepositoryCreated');
  t.is(created.length, 1);
});

import test from 'ava';
import { createHash } from 'node:crypto';
import { coreEvents as ev } from '../../src/domain/events.ts';
import { parseManifest, type ParsedManifest } from '../../src/domain/manifest.ts';
import { given, when } from './given-when-then.ts';

const scope = { account: '000000000000', region: 'us-east-1' };
const at = { account: scope.account, region: scope.region, repository: 'team/app' };
const digestOf = (s: string | Uint8Array): string => `sha256:${createHash('sha256').update(s).digest('hex')}`;

const created = ev.RepositoryCreated({
  ...at,
  imageTagMutability: 'MUTABLE',
  imageTagMutabilityExclusionFilters: [],
  scanOnPush: false,
  encryptionType: 'AES256',
  kmsKey: null,
  resourceTags: [],
  cause: 'api',
});
const layer = digestOf('layer');
const config = digestOf('config');

function image(layers: string[] = [layer]): { bytes: Uint8Array; digest: string; manifest: ParsedManifest } {
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config, size: 6 },
      layers: layers.map((d) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: d, size: d === config ? 6 : 5 })),
    }),
  );
  const parsed = parseManifest(bytes);
  if (!parsed.ok) throw new Error(parsed.message);
  return { bytes, digest: digestOf(bytes), manifest: parsed.manifest };
}

const withBlobs = [
  created,
  ev.UploadStarted({ ...at, uploadId: 'u1', via: 'oci' }),
  ev.UploadCompleted({ uploadId: 'u1', digest: layer, size: 5 }),
  ev.UploadStarted({ ...at, uploadId: 'u2', via: 'oci' }),
  ev.UploadCompleted({ uploadId: 'u2', digest: config, size: 6 }),
];

test('CreateRepository: a new name is created; a taken name is RepositoryAlreadyExists', (t) => {
  const ok = when(given([]), { type: 'CreateRepository', scope, repository: 'team/app', settings: {} });
  t.true(ok.ok);
  t.deepEqual(ok.ok && ok.events.map((e) => e.type), ['RepositoryCreated']);
  const again = when(given([created]), { type: 'CreateRepository', scope, repository: 'team/app', settings: {} });
  t.false(again.ok);
  t.is(!again.ok && again.error.code, 'RepositoryAlreadyExists');
});

test('CreateRepository: a name outside ECR grammar is InvalidName', (t) => {
  const d = when(given([]), { type: 'CreateRepository', scope, repository: 'Team/App', settings: {} });
  t.is(!d.ok && d.error.code, 'InvalidName');
});

test('StartUpload into a missing repository is RepositoryNotFound (ECR refuses pushes to unknown repositories)', (t) => {
  const d = when(given([]), { type: 'StartUpload', scope, repository: 'nope', uploadId: 'u', via: 'oci' });
  t.is(!d.ok && d.error.code, 'RepositoryNotFound');
});

test('AppendChunk must start where the upload is', (t) => {
  const state = given([created, ev.UploadStarted({ ...at, uploadId: 'u', via: 'oci' })]);
  const bad = when(state, { type: 'AppendChunk', uploadId: 'u', offset: 5, length: 5, part: 0 });
  t.is(!bad.ok && bad.error.code, 'UploadOffsetMismatch');
  const good = when(state, { type: 'AppendChunk', uploadId: 'u', offset: 0, length: 5, part: 0 });
  t.deepEqual(good.ok && good.events, [ev.ChunkAppended({ uploadId: 'u', offset: 0, length: 5, part: 0 })]);
});

test('PutManifest: every referenced blob must be in the repository (LayersNotFound)', (t) => {
  const img = image([layer, digestOf('missing')]);
  const d = when(given(withBlobs), { type: 'PutManifest', scope, repository: 'team/app', tag: 'v1', via: 'oci', ...img });
  t.is(!d.ok && d.error.code, 'LayersNotFound');
  t.deepEqual(!d.ok && d.error.detail?.digests, [digestOf('missing')]);
});

test('PutManifest: a new image with a tag is ManifestPut then TagPut; the same again is a no-op on /v2 and ImageAlreadyExists on ECR', (t) => {
  const img = image();
  const first = when(given(withBlobs), { type: 'PutManifest', scope, repository: 'team/app', tag: 'v1', via: 'oci', ...img });
  t.true(first.ok);
  if (!first.ok) return;
  t.deepEqual(
    first.events.map((e) => e.type),
    ['ManifestPut', 'TagPut'],
  );
  const state = given([...withBlobs, ...first.events]);
  const oci = when(state, { type: 'PutManifest', scope, repository: 'team/app', tag: 'v1', via: 'oci', ...img });
  t.deepEqual(oci.ok && oci.events, []);
  const ecr = when(state, { type: 'PutManifest', scope, repository: 'team/app', tag: 'v1', via: 'ecr', ...img });
  t.is(!ecr.ok && ecr.error.code, 'ImageAlreadyExists');
});

test('PutManifest: an immutable tag cannot move (ImageTagAlreadyExists), an excluded one can', (t) => {
  const immutable = ev.RepositoryCreated({
    ...at,
    imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
    imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'latest*' }],
    scanOnPush: false,
    encryptionType: 'AES256',
    kmsKey: null,
    resourceTags: [],
    cause: 'api',
  });
  const a = image();
  const b = image([config]);
  const history = [immutable, ...withBlobs.slice(1)];
  const putA = (tag: string) => {
    const d = when(given(history), { type: 'PutManifest', scope, repository: 'team/app', tag, via: 'oci', ...a });
    if (!d.ok) throw new Error(d.error.message);
    return d.events;
  };
  const moveV1 = when(given([...history, ...putA('v1')]), {
    type: 'PutManifest',
    scope,
    repository: 'team/app',
    tag: 'v1',
    via: 'oci',
    ...b,
  });
  t.is(!moveV1.ok && moveV1.error.code, 'ImageTagAlreadyExists');
  const moveLatest = when(given([...history, ...putA('latest-dev')]), {
    type: 'PutManifest',
    scope,
    repository: 'team/app',
    tag: 'latest-dev',
    via: 'oci',
    ...b,
  });
  t.deepEqual(moveLatest.ok && moveLatest.events.map((e) => e.type), ['ManifestPut', 'TagPut']);
});

test('DeleteTag with deleteImageIfUntagged deletes the image when its last tag goes', (t) => {
  const img = image();
  const put = when(given(withBlobs), { type: 'PutManifest', scope, repository: 'team/app', tag: 'v1', via: 'ecr', ...img });
  if (!put.ok) return t.fail(put.error.message);
  const state = given([...withBlobs, ...put.events]);
  const d = when(state, { type: 'DeleteTag', scope, repository: 'team/app', tag: 'v1', deleteImageIfUntagged: true });
  t.deepEqual(d.ok && d.events.map((e) => e.type), ['TagDeleted', 'ImageDeleted']);
  const missing = when(state, { type: 'DeleteTag', scope, repository: 'team/app', tag: 'nope', deleteImageIfUntagged: true });
  t.is(!missing.ok && missing.error.code, 'ImageNotFound');
});

test('DeleteRepository refuses a repository with images unless forced', (t) => {
  const img = image();
  const put = when(given(withBlobs), { type: 'PutManifest', scope, repository: 'team/app', tag: null, via: 'ecr', ...img });
  if (!put.ok) return t.fail(put.error.message);
  const state = given([...withBlobs, ...put.events]);
  const refused = when(state, { type: 'DeleteRepository', scope, repository: 'team/app', force: false });
  t.is(!refused.ok && refused.error.code, 'RepositoryNotEmpty');
  const forced = when(state, { type: 'DeleteRepository', scope, repository: 'team/app', force: true });
  t.deepEqual(forced.ok && forced.events.map((e) => e.type), ['RepositoryDeleted']);
});

test('MountBlob links a stored blob from another repository; an unknown blob is BlobNotFound', (t) => {
  const other = { ...at, repository: 'team/other' };
  const state = given([...withBlobs, ev.RepositoryCreated({ ...created.data, ...other })]);
  const d = when(state, { type: 'MountBlob', scope, repository: 'team/other', digest: layer, from: 'team/app' });
  t.deepEqual(d.ok && d.events, [ev.BlobMounted({ ...other, digest: layer, size: 5, from: 'team/app' })]);
  const unknown = when(state, { type: 'MountBlob', scope, repository: 'team/other', digest: digestOf('x'), from: null });
  t.is(!unknown.ok && unknown.error.code, 'BlobNotFound');
});

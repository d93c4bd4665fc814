/** PutImage, BatchGetImage, BatchDeleteImage, DescribeImages, ListImages, ListImageReferrers, UpdateImageStorageClass. */
import test from 'ava';
import {
  BatchDeleteImageCommand,
  BatchGetImageCommand,
  CreateRepositoryCommand,
  DescribeImagesCommand,
  ListImageReferrersCommand,
  ListImagesCommand,
  PutImageCommand,
  PutImageTagMutabilityCommand,
  UpdateImageStorageClassCommand,
  paginateDescribeImages,
  paginateListImages,
  type ECRClient,
} from '@aws-sdk/client-ecr';
import { imageManifest, layer, prepareImage, sha256, startEcr, uploadLayer } from './ecr-fixture.ts';

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

async function repoWithImage(ecr: ECRClient, repositoryName: string, tag = 'v1') {
  await ecr.send(new CreateRepositoryCommand({ repositoryName }));
  const img = await prepareImage(ecr, repositoryName, repositoryName);
  await ecr.send(new PutImageCommand({ repositoryName, imageManifest: img.manifest, imageTag: tag }));
  return img;
}

/** Puts `n` distinct images (sharing one config, one small layer each) tagged t0..t(n-1). */
async function putImages(ecr: ECRClient, repositoryName: string, n: number): Promise<string[]> {
  const config = layer('{"os":"linux"}');
  await uploadLayer(ecr, repositoryName, config);
  const digests: string[] = [];
  for (let i = 0; i < n; i++) {
    const manifest = imageManifest(config, [], { annotations: { n: String(i) } });
    await ecr.send(new PutImageCommand({ repositoryName, imageManifest: manifest, imageTag: `t${i}` }));
    digests.push(sha256(manifest));
  }
  return digests;
}

test('PutImage stores the exact manifest under its digest and tag; DescribeImages reports sizes, times and types', async (t) => {
  await using f = await startEcr({ clockSource: { now: () => 1_700_000_000_000, advance: () => {} } });
  const img = await repoWithImage(f.ecr, 'app', 'v1');
  const [detail] = (await f.ecr.send(new DescribeImagesCommand({ repositoryName: 'app' }))).imageDetails ?? [];
  t.like(detail, {
    registryId: '000000000000',
    repositoryName: 'app',
    imageDigest: img.digest,
    imageTags: ['v1'],
    imageSizeInBytes: img.config.bytes.length + img.layer.bytes.length,
    imageManifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
    artifactMediaType: 'application/vnd.oci.image.config.v1+json',
    imageStatus: 'ACTIVE',
  });
  t.deepEqual(detail?.imagePushedAt, new Date(1_700_000_000_000));
  t.is(detail?.lastRecordedPullTime, undefined);
  const got = await f.ecr.send(new BatchGetImageCommand({ repositoryName: 'app', imageIds: [{ imageTag: 'v1' }] }));
  t.is(got.images?.[0]?.imageManifest, img.manifest, 'byte-for-byte');
  t.deepEqual(got.images?.[0]?.imageId, { imageDigest: img.digest, imageTag: 'v1' });
});

test('PutImage errors: ImageAlreadyExists, ImageDigestDoesNotMatch, LayersNotFound, ReferencedImagesNotFound, bad manifests', async (t) => {
  await using f = await startEcr();
  const img = await repoWithImage(f.ecr, 'app', 'v1');
  const again = await t.throwsAsync(
    f.ecr.send(new PutImageCommand({ repositoryName: 'app', imageManifest: img.manifest, imageTag: 'v1' })),
  );
  t.is(again?.name, 'ImageAlreadyExistsException');
  const untagged = await t.throwsAsync(f.ecr.send(new PutImageCommand({ repositoryName: 'app', imageManifest: img.manifest })));
  t.is(untagged?.name, 'ImageAlreadyExistsException');
  const second = await f.ecr.send(new PutImageCommand({ repositoryName: 'app', imageManifest: img.manifest, imageTag: 'v2' }));
  t.is(second.image?.imageId?.imageDigest, img.digest, 'a new tag on the same manifest is accepted');
  const wrong = await t.throwsAsync(
    f.ecr.send(new PutImageCommand({ repositoryName: 'app', imageManifest: img.manifest, imageTag: 'v3', imageDigest: sha256('other') })),
  );
  t.is(wrong?.name, 'ImageDigestDoesNotMatchException');
  const missing = imageManifest(img.config, [layer('never uploaded')]);
  const layers = await t.throwsAsync(f.ecr.send(new PutImageCommand({ repositoryName: 'app', imageManifest: missing, imageTag: 'x' })));
  t.is(layers?.name, 'LayersNotFoundException');
  const index = JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha256('nope'), size: 10 }],
  });
  const refs = await t.throwsAsync(f.ecr.send(new PutImageCommand({ repositoryName: 'app', imageManifest: index, imageTag: 'idx' })));
  t.is(refs?.name, 'ReferencedImagesNotFoundException');
  const junk = await t.throwsAsync(f.ecr.send(new PutImageCommand({ repositoryName: 'app', imageManifest: 'not json', imageTag: 'j' })));
  t.is(junk?.name, 'InvalidParameterException');
  const noRepo = await t.throwsAsync(f.ecr.send(new PutImageCommand({ repositoryName: 'nope', imageManifest: img.manifest })));
  t.is(noRepo?.name, 'RepositoryNotFoundException');
});

test('PutImage on an immutable tag: ImageTagAlreadyExists, with exclusion filters honoured both ways', async (t) => {
  await using f = await startEcr();
  const a = await repoWithImage(f.ecr, 'imm', 'v1');
  const other = imageManifest(a.config, [a.layer], { annotations: { other: 'yes' } });
  await f.ecr.send(new PutImageCommand({ repositoryName: 'imm', imageManifest: a.manifest, imageTag: 'latest' }));
  await f.ecr.send(new PutImageTagMutabilityCommand({ repositoryName: 'imm', imageTagMutability: 'IMMUTABLE' }));
  const moved = await t.throwsAsync(f.ecr.send(new PutImageCommand({ repositoryName: 'imm', imageManifest: other, imageTag: 'v1' })));
  t.is(moved?.name, 'ImageTagAlreadyExistsException');
  t.is(moved?.message, "The image tag 'v1' already exists in the 'imm' repository and cannot be overwritten because the tag is immutable.");
  await f.ecr.send(
    new PutImageTagMutabilityCommand({
      repositoryName: 'imm',
      imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
      imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'lat*' }],
    }),
  );
  await f.ecr.send(new PutImageCommand({ repositoryName: 'imm', imageManifest: other, imageTag: 'latest' }));
  const stillImmutable = await t.throwsAsync(
    f.ecr.send(new PutImageCommand({ repositoryName: 'imm', imageManifest: other, imageTag: 'v1' })),
  );
  t.is(stillImmutable?.name, 'ImageTagAlreadyExistsException');
  await f.ecr.send(
    new PutImageTagMutabilityCommand({
      repositoryName: 'imm',
      imageTagMutability: 'MUTABLE_WITH_EXCLUSION',
      imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'v*' }],
    }),
  );
  const excluded = await t.throwsAsync(
    f.ecr.send(new PutImageCommand({ repositoryName: 'imm', imageManifest: a.manifest, imageTag: 'v1' })),
  );
  t.is(excluded?.name, 'ImageAlreadyExistsException', 'v1 still points at a: same manifest, same tag');
  const movedV1 = await t.throwsAsync(f.ecr.send(new PutImageCommand({ repositoryName: 'imm', imageManifest: other, imageTag: 'v1' })));
  t.is(movedV1?.name, 'ImageTagAlreadyExistsException', 'v* is immutable under MUTABLE_WITH_EXCLUSION');
  await f.ecr.send(new PutImageCommand({ repositoryName: 'imm', imageManifest: a.manifest, imageTag: 'latest' }));
  t.pass();
});

test('BatchGetImage: acceptedMediaTypes and per-image failures', async (t) => {
  await using f = await startEcr();
  const img = await repoWithImage(f.ecr, 'app', 'v1');
  const r = await f.ecr.send(
    new BatchGetImageCommand({
      repositoryName: 'app',
      imageIds: [
        { imageDigest: img.digest },
        { imageTag: 'missing' },
        {},
        { imageDigest: 'bogus' },
        { imageDigest: img.digest, imageTag: 'nope' },
      ],
    }),
  );
  t.deepEqual(
    r.images?.map((i) => i.imageId),
    [{ imageDigest: img.digest }],
  );
  t.deepEqual(
    r.failures?.map((x) => x.failureCode),
    ['ImageNotFound', 'MissingDigestAndTag', 'InvalidImageDigest', 'ImageNotFound'],
  );
  const docker = await f.ecr.send(
    new BatchGetImageCommand({
      repositoryName: 'app',
      imageIds: [{ imageTag: 'v1' }],
      acceptedMediaTypes: ['application/vnd.docker.distribution.manifest.v2+json'],
    }),
  );
  // an OCI image asked for by tag as Docker schema 2 is converted (test/ecr/manifest-conversion.test.ts has the details)
  t.is(docker.images?.[0]?.imageManifestMediaType, 'application/vnd.docker.distribution.manifest.v2+json');
  t.deepEqual(docker.failures, []);
  const noRepo = await t.throwsAsync(f.ecr.send(new BatchGetImageCommand({ repositoryName: 'nope', imageIds: [{ imageTag: 'v1' }] })));
  t.is(noRepo?.name, 'RepositoryNotFoundException');
});

test('BatchDeleteImage: by tag removes the tag (and the image with its last tag), by digest the image; failures per image', async (t) => {
  await using f = await startEcr();
  const img = await repoWithImage(f.ecr, 'app', 'v1');
  await f.ecr.send(new PutImageCommand({ repositoryName: 'app', imageManifest: img.manifest, imageTag: 'v2' }));
  const byTag = await f.ecr.send(
    new BatchDeleteImageCommand({ repositoryName: 'app', imageIds: [{ imageTag: 'v1' }, { imageTag: 'ghost' }, {}] }),
  );
  t.deepEqual(byTag.imageIds, [{ imageDigest: img.digest, imageTag: 'v1' }]);
  t.deepEqual(
    byTag.failures?.map((x) => x.failureCode),
    ['ImageNotFound', 'MissingDigestAndTag'],
  );
  t.deepEqual((await f.ecr.send(new DescribeImagesCommand({ repositoryName: 'app' }))).imageDetails?.[0]?.imageTags, ['v2']);
  const last = await f.ecr.send(new BatchDeleteImageCommand({ repositoryName: 'app', imageIds: [{ imageTag: 'v2' }] }));
  t.deepEqual(last.imageIds, [{ imageDigest: img.digest, imageTag: 'v2' }]);
  t.deepEqual(
    (await f.ecr.send(new DescribeImagesCommand({ repositoryName: 'app' }))).imageDetails,
    [],
    'untagged by its last tag: deleted',
  );

  await f.ecr.send(new PutImageCommand({ repositoryName: 'app', imageManifest: img.manifest, imageTag: 'v3' }));
  const index = JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: img.digest, size: img.manifest.length }],
  });
  await f.ecr.send(new PutImageCommand({ repositoryName: 'app', imageManifest: index, imageTag: 'multi' }));
  const referenced = await f.ecr.send(new BatchDeleteImageCommand({ repositoryName: 'app', imageIds: [{ imageDigest: img.digest }] }));
  t.is(referenced.failures?.[0]?.failureCode, 'ImageReferencedByManifestList');
  const both = await f.ecr.send(
    new BatchDeleteImageCommand({
      repositoryName: 'app',
      imageIds: [{ imageDigest: sha256(index) }, { imageDigest: img.digest, imageTag: 'multi' }],
    }),
  );
  t.deepEqual(both.imageIds, [{ imageDigest: sha256(index), imageTag: 'multi' }]);
  t.is(both.failures?.[0]?.failureCode, 'ImageNotFound', 'the tag went with the index');
  const byDigest = await f.ecr.send(new BatchDeleteImageCommand({ repositoryName: 'app', imageIds: [{ imageDigest: img.digest }] }));
  t.deepEqual(byDigest.imageIds, [{ imageDigest: img.digest, imageTag: 'v3' }]);
  const noRepo = await t.throwsAsync(f.ecr.send(new BatchDeleteImageCommand({ repositoryName: 'nope', imageIds: [{ imageTag: 'x' }] })));
  t.is(noRepo?.name, 'RepositoryNotFoundException');
});

test('DescribeImages pages through 250 images to the end; filters; imageIds', async (t) => {
  await using f = await startEcr();
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'many' }));
  const digests = await putImages(f.ecr, 'many', 250);
  const seen: string[] = [];
  for await (const page of paginateDescribeImages({ client: f.ecr, pageSize: 100 }, { repositoryName: 'many' }))
    seen.push(...(page.imageDetails ?? []).map((d) => d.imageDigest!));
  t.deepEqual(seen, digests);
  await f.ecr.send(new BatchDeleteImageCommand({ repositoryName: 'many', imageIds: [{ imageTag: 't0' }] }));
  await f.ecr.send(new PutImageCommand({ repositoryName: 'many', imageManifest: imageManifest(layer('{"os":"linux"}'), []) }));
  const untagged = await f.ecr.send(new DescribeImagesCommand({ repositoryName: 'many', filter: { tagStatus: 'UNTAGGED' } }));
  t.is(untagged.imageDetails?.length, 1);
  t.is(untagged.imageDetails?.[0]?.imageTags, undefined);
  const byId = await f.ecr.send(
    new DescribeImagesCommand({ repositoryName: 'many', imageIds: [{ imageTag: 't5' }, { imageDigest: digests[5] }] }),
  );
  t.deepEqual(
    byId.imageDetails?.map((d) => d.imageDigest),
    [digests[5]],
    'one detail per image',
  );
  const missing = await t.throwsAsync(f.ecr.send(new DescribeImagesCommand({ repositoryName: 'many', imageIds: [{ imageTag: 'nope' }] })));
  t.is(missing?.name, 'ImageNotFoundException');
  const mixed = await t.throwsAsync(
    f.ecr.send(new DescribeImagesCommand({ repositoryName: 'many', imageIds: [{ imageTag: 't5' }], maxResults: 5 })),
  );
  t.is(mixed?.name, 'InvalidParameterException');
  const noRepo = await t.throwsAsync(f.ecr.send(new DescribeImagesCommand({ repositoryName: 'nope' })));
  t.is(noRepo?.name, 'RepositoryNotFoundException');
});

test('ListImages lists one entry per tag plus untagged images, paginated to the end', async (t) => {
  await using f = await startEcr();
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'list' }));
  const digests = await putImages(f.ecr, 'list', 120);
  const firstManifest = (await f.ecr.send(new BatchGetImageCommand({ repositoryName: 'list', imageIds: [{ imageTag: 't0' }] }))).images![0]!
    .imageManifest!;
  await f.ecr.send(new PutImageCommand({ repositoryName: 'list', imageManifest: firstManifest, imageTag: 'also' }));
  const ids: { imageDigest?: string; imageTag?: string }[] = [];
  for await (const page of paginateListImages({ client: f.ecr, pageSize: 50 }, { repositoryName: 'list' }))
    ids.push(...(page.imageIds ?? []));
  t.is(ids.length, 121);
  t.deepEqual(ids.slice(0, 2), [
    { imageDigest: digests[0], imageTag: 't0' },
    { imageDigest: digests[0], imageTag: 'also' },
  ]);
  const tagged = await f.ecr.send(new ListImagesCommand({ repositoryName: 'list', filter: { tagStatus: 'UNTAGGED' } }));
  t.deepEqual(tagged.imageIds, []);
  const noRepo = await t.throwsAsync(f.ecr.send(new ListImagesCommand({ repositoryName: 'nope' })));
  t.is(noRepo?.name, 'RepositoryNotFoundException');
});

test('ListImageReferrers lists the manifests whose subject is the image, filtered by artifact type', async (t) => {
  await using f = await startEcr();
  const img = await repoWithImage(f.ecr, 'app', 'v1');
  const empty = layer('{}');
  await uploadLayer(f.ecr, 'app', empty);
  const subject = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: img.digest, size: img.manifest.length };
  const sig = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
    config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: empty.digest, size: 2 },
    layers: [],
    subject,
    annotations: { 'org.example': 'sig' },
  });
  const sbom = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    artifactType: 'application/spdx+json',
    config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: empty.digest, size: 2 },
    layers: [],
    subject,
  });
  await f.ecr.send(new PutImageCommand({ repositoryName: 'app', imageManifest: sig }));
  await f.ecr.send(new PutImageCommand({ repositoryName: 'app', imageManifest: sbom }));
  const all = await f.ecr.send(new ListImageReferrersCommand({ repositoryName: 'app', subjectId: { imageDigest: img.digest } }));
  t.deepEqual(all.referrers, [
    {
      digest: sha256(sig),
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
      size: Buffer.byteLength(sig),
      annotations: { 'org.example': 'sig' },
      artifactStatus: 'ACTIVE',
    },
    {
      digest: sha256(sbom),
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: 'application/spdx+json',
      size: Buffer.byteLength(sbom),
      artifactStatus: 'ACTIVE',
    },
  ]);
  const filtered = await f.ecr.send(
    new ListImageReferrersCommand({
      repositoryName: 'app',
      subjectId: { imageDigest: img.digest },
      filter: { artifactTypes: ['application/spdx+json'] },
    }),
  );
  t.deepEqual(
    filtered.referrers?.map((r) => r.digest),
    [sha256(sbom)],
  );
  const paged = await f.ecr.send(
    new ListImageReferrersCommand({ repositoryName: 'app', subjectId: { imageDigest: img.digest }, maxResults: 1 }),
  );
  t.is(paged.referrers?.length, 1);
  const rest = await f.ecr.send(
    new ListImageReferrersCommand({
      repositoryName: 'app',
      subjectId: { imageDigest: img.digest },
      maxResults: 1,
      nextToken: paged.nextToken,
    }),
  );
  t.deepEqual(
    rest.referrers?.map((r) => r.digest),
    [sha256(sbom)],
  );
  t.is(rest.nextToken, undefined);
  const noRepo = await t.throwsAsync(
    f.ecr.send(new ListImageReferrersCommand({ repositoryName: 'nope', subjectId: { imageDigest: img.digest } })),
  );
  t.is(noRepo?.name, 'RepositoryNotFoundException');
});

test('UpdateImageStorageClass archives and restores an image; archived images are not served by BatchGetImage', async (t) => {
  await using f = await startEcr();
  const img = await repoWithImage(f.ecr, 'app', 'v1');
  const archived = await f.ecr.send(
    new UpdateImageStorageClassCommand({ repositoryName: 'app', imageId: { imageTag: 'v1' }, targetStorageClass: 'ARCHIVE' }),
  );
  t.like(archived, { registryId: '000000000000', repositoryName: 'app', imageStatus: 'ARCHIVED' });
  t.is(archived.imageId?.imageDigest, img.digest);
  const [d] = (await f.ecr.send(new DescribeImagesCommand({ repositoryName: 'app' }))).imageDetails ?? [];
  t.is(d?.imageStatus, 'ARCHIVED');
  t.truthy(d?.lastArchivedAt);
  const activeOnly = await f.ecr.send(new DescribeImagesCommand({ repositoryName: 'app', filter: { imageStatus: 'ACTIVE' } }));
  t.deepEqual(activeOnly.imageDetails, []);
  const get = await f.ecr.send(new BatchGetImageCommand({ repositoryName: 'app', imageIds: [{ imageTag: 'v1' }] }));
  t.is(get.failures?.[0]?.failureCode, 'ImageInaccessible');
  const restored = await f.ecr.send(
    new UpdateImageStorageClassCommand({ repositoryName: 'app', imageId: { imageDigest: img.digest }, targetStorageClass: 'STANDARD' }),
  );
  t.is(restored.imageStatus, 'ACTIVE');
  const missing = await t.throwsAsync(
    f.ecr.send(new UpdateImageStorageClassCommand({ repositoryName: 'app', imageId: { imageTag: 'nope' }, targetStorageClass: 'ARCHIVE' })),
  );
  t.is(missing?.name, 'ImageNotFoundException');
});

/**
 * Image scanning through the AWS SDK: StartImageScan, DescribeImageScanFindings
 * (paging, counts, times), DescribeImages' scan fields, the scan waiter, scan on
 * push under the repository and registry configurations, ENHANCED scanning and
 * continuous rescans, and every error.
 */
import test from 'ava';
import {
  CreateRepositoryCommand,
  DescribeImageScanFindingsCommand,
  DescribeImagesCommand,
  PutImageCommand,
  PutImageScanningConfigurationCommand,
  PutRegistryScanningConfigurationCommand,
  StartImageScanCommand,
  UpdateImageStorageClassCommand,
  waitUntilImageScanComplete,
  type ECRClient,
  type ImageScanFinding,
} from '@aws-sdk/client-ecr';
import { startEcr, type EcrFixture } from './ecr-fixture.ts';
import {
  ADVISORIES,
  APK_INSTALLED,
  blob,
  DEBIAN_OS_RELEASE,
  DPKG_STATUS,
  gzip,
  tarOf,
  uploadImage,
  ALPINE_OS_RELEASE,
  sha256,
} from '../scanning/scan-fixtures.ts';
import { adminRequest } from '../support/admin.ts';

const DAY = 24 * 3600 * 1000;

/** Moves the emulator's clock forward the way a test does (POST /_rewind/clock: a journaled ClockAdvanced). */
async function advanceClock(f: EcrFixture, advanceMs: number): Promise<void> {
  const res = await adminRequest(f.emu.endpoint, 'POST', '/clock', { advanceMs });
  if (res.status !== 200) throw new Error(`clock answered ${res.status}: ${await res.text()}`);
}

/** PUT /_rewind/scanning/advisories; throws unless it is accepted (200). */
async function putAdvisories(f: EcrFixture, advisories: unknown): Promise<Response> {
  const res = await adminRequest(f.emu.endpoint, 'PUT', '/scanning/advisories', advisories);
  if (res.status !== 200) throw new Error(`advisories answered ${res.status}: ${await res.text()}`);
  return res;
}

/** The layers of the two test images: a Debian one (dpkg status) and an Alpine one (apk database). */
async function debianLayer() {
  return blob(
    gzip(
      await tarOf([
        { path: 'etc/os-release', content: DEBIAN_OS_RELEASE },
        { path: 'var/lib/dpkg/status', content: DPKG_STATUS },
      ]),
    ),
  );
}
async function alpineLayer() {
  return blob(
    gzip(
      await tarOf([
        { path: 'etc/os-release', content: ALPINE_OS_RELEASE },
        { path: 'lib/apk/db/installed', content: APK_INSTALLED },
      ]),
    ),
  );
}

/** Creates the repository (unless it exists) and puts an image of `layers` tagged `tag`; returns its digest. */
async function pushImage(
  ecr: ECRClient,
  repositoryName: string,
  tag: string,
  layers: Awaited<ReturnType<typeof debianLayer>>[],
  scanOnPush = false,
): Promise<string> {
  await ecr.send(new CreateRepositoryCommand({ repositoryName, imageScanningConfiguration: { scanOnPush } })).catch((err: Error) => {
    if (err.name !== 'RepositoryAlreadyExistsException') throw err;
  });
  return sha256(await pushManifest(ecr, repositoryName, tag, layers));
}

/** Uploads the layers and puts the image's manifest under `tag`; returns the manifest. */
async function pushManifest(
  ecr: ECRClient,
  repositoryName: string,
  tag: string,
  layers: Awaited<ReturnType<typeof debianLayer>>[],
): Promise<string> {
  const manifest = await uploadImage(ecr, repositoryName, layers);
  await ecr.send(new PutImageCommand({ repositoryName, imageManifest: manifest, imageTag: tag }));
  return manifest;
}

const waiter = (ecr: ECRClient) => ({ client: ecr, maxWaitTime: 60, minDelay: 1, maxDelay: 1 });

const names = (findings: ImageScanFinding[] | undefined): string[] =>
  (findings ?? []).map((f) => `${f.name}/${f.attributes?.find((a) => a.key === 'package_name')?.value}`).sort();

test('StartImageScan: IN_PROGRESS, then the waiter sees COMPLETE; findings name exactly the matching advisories', async (t) => {
  await using f = await startEcr();
  t.is((await putAdvisories(f, ADVISORIES)).status, 200);
  const digest = await pushImage(f.ecr, 'team/debian', 'v1', [await debianLayer()]);
  const started = await f.ecr.send(new StartImageScanCommand({ repositoryName: 'team/debian', imageId: { imageTag: 'v1' } }));
  t.deepEqual(started.imageScanStatus, { status: 'IN_PROGRESS' });
  t.deepEqual(started.imageId, { imageDigest: digest, imageTag: 'v1' });
  t.is(started.registryId, '000000000000');
  const done = await waitUntilImageScanComplete(waiter(f.ecr), { repositoryName: 'team/debian', imageId: { imageTag: 'v1' } });
  t.is(String(done.state), 'SUCCESS');
  const r = await f.ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'team/debian', imageId: { imageDigest: digest } }));
  t.deepEqual(r.imageScanStatus, { status: 'COMPLETE', description: 'The scan was completed successfully.' });
  t.deepEqual(names(r.imageScanFindings?.findings), ['CVE-2024-0001/libssl3', 'CVE-2024-0001/openssl', 'CVE-2024-0003/zlib1g']);
  t.deepEqual(r.imageScanFindings?.findingSeverityCounts, { CRITICAL: 2, MEDIUM: 1 });
  t.true(r.imageScanFindings?.imageScanCompletedAt instanceof Date);
  t.true(r.imageScanFindings?.vulnerabilitySourceUpdatedAt instanceof Date);
  t.true(r.imageScanFindings!.vulnerabilitySourceUpdatedAt! <= r.imageScanFindings!.imageScanCompletedAt!);
  const critical = r.imageScanFindings?.findings?.find((x) => x.name === 'CVE-2024-0001');
  t.like(critical, {
    severity: 'CRITICAL',
    description: 'openssl overflow',
    uri: 'https://security-tracker.debian.org/tracker/CVE-2024-0001',
  });
  t.deepEqual(
    critical?.attributes?.map((a) => a.key),
    ['package_name', 'package_version', 'CVSS3_SCORE', 'CVSS3_VECTOR'],
  );
  t.is(r.nextToken, undefined);

  // DescribeImages carries the scan status and the summary
  const d = await f.ecr.send(new DescribeImagesCommand({ repositoryName: 'team/debian', imageIds: [{ imageTag: 'v1' }] }));
  const detail = d.imageDetails?.[0];
  t.deepEqual(detail?.imageScanStatus, r.imageScanStatus);
  t.deepEqual(detail?.imageScanFindingsSummary, {
    imageScanCompletedAt: r.imageScanFindings?.imageScanCompletedAt,
    vulnerabilitySourceUpdatedAt: r.imageScanFindings?.vulnerabilitySourceUpdatedAt,
    findingSeverityCounts: { CRITICAL: 2, MEDIUM: 1 },
  });
});

test('an Alpine image: apk versions decide, fixed versions below the installed one do not match', async (t) => {
  await using f = await startEcr();
  await putAdvisories(f, { advisories: ADVISORIES });
  await pushImage(f.ecr, 'alpine', 'v1', [await alpineLayer()], true);
  await waitUntilImageScanComplete(waiter(f.ecr), { repositoryName: 'alpine', imageId: { imageTag: 'v1' } });
  const r = await f.ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'alpine', imageId: { imageTag: 'v1' } }));
  t.deepEqual(names(r.imageScanFindings?.findings), ['CVE-2024-1001/libcrypto3', 'CVE-2024-1003/musl']);
  t.deepEqual(r.imageScanFindings?.findingSeverityCounts, { HIGH: 1, MEDIUM: 1 });
});

test('DescribeImageScanFindings pages with maxResults and nextToken', async (t) => {
  await using f = await startEcr();
  const many = Array.from({ length: 25 }, (_, i) => ({
    id: `CVE-2024-${String(i).padStart(4, '0')}`,
    package: 'bash',
    ecosystem: 'debian',
    severity: i % 2 ? 'LOW' : 'HIGH',
  }));
  await putAdvisories(f, many);
  await pushImage(f.ecr, 'paged', 'v1', [await debianLayer()], true);
  await waitUntilImageScanComplete(waiter(f.ecr), { repositoryName: 'paged', imageId: { imageTag: 'v1' } });
  const seen: string[] = [];
  let nextToken: string | undefined;
  let pages = 0;
  do {
    const r = await f.ecr.send(
      new DescribeImageScanFindingsCommand({ repositoryName: 'paged', imageId: { imageTag: 'v1' }, maxResults: 10, nextToken }),
    );
    t.deepEqual(r.imageScanFindings?.findingSeverityCounts, { HIGH: 13, LOW: 12 }, 'counts cover every finding, not the page');
    seen.push(...(r.imageScanFindings?.findings ?? []).map((x) => x.name!));
    nextToken = r.nextToken;
    pages++;
  } while (nextToken);
  t.is(pages, 3);
  t.is(seen.length, 25);
  t.is(new Set(seen).size, 25);
  const all = await f.ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'paged', imageId: { imageTag: 'v1' } }));
  t.is(all.imageScanFindings?.findings?.length, 25);
  const bad = await t.throwsAsync(
    f.ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'paged', imageId: { imageTag: 'v1' }, nextToken: 'nope' })),
  );
  t.is(bad?.name, 'InvalidParameterException');
  const big = await t.throwsAsync(
    f.ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'paged', imageId: { imageTag: 'v1' }, maxResults: 1001 })),
  );
  t.is(big?.name, 'ValidationException', 'DescribeImageScanFindings lists ValidationException for its model constraints');
});

test('errors: ScanNotFound, LimitExceeded within 24 hours of the clock, UnsupportedImageType, ImageNotFound, RepositoryNotFound, ImageArchived', async (t) => {
  await using f = await startEcr();
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'errs' }));
  const manifest = await pushManifest(f.ecr, 'errs', 'v1', [await debianLayer()]);
  const digest = sha256(manifest);
  const notScanned = await t.throwsAsync(
    f.ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'errs', imageId: { imageTag: 'v1' } })),
  );
  t.is(notScanned?.name, 'ScanNotFoundException');
  t.regex(notScanned!.message, /Image scan does not exist for the image with .*imageTag:'v1'.* in the repository with name 'errs'/);
  await f.ecr.send(new StartImageScanCommand({ repositoryName: 'errs', imageId: { imageDigest: digest } }));
  await waitUntilImageScanComplete(waiter(f.ecr), { repositoryName: 'errs', imageId: { imageDigest: digest } });
  const again = await t.throwsAsync(f.ecr.send(new StartImageScanCommand({ repositoryName: 'errs', imageId: { imageDigest: digest } })));
  t.is(again?.name, 'LimitExceededException');
  await advanceClock(f, DAY - 60_000);
  const stillLimited = await t.throwsAsync(f.ecr.send(new StartImageScanCommand({ repositoryName: 'errs', imageId: { imageTag: 'v1' } })));
  t.is(stillLimited?.name, 'LimitExceededException');
  await advanceClock(f, 120_000);
  t.is(
    (await f.ecr.send(new StartImageScanCommand({ repositoryName: 'errs', imageId: { imageTag: 'v1' } }))).imageScanStatus?.status,
    'IN_PROGRESS',
  );
  await waitUntilImageScanComplete(waiter(f.ecr), { repositoryName: 'errs', imageId: { imageDigest: digest } });

  // an image index cannot be scanned
  const index = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest,
        size: Buffer.byteLength(manifest),
        platform: { os: 'linux', architecture: 'amd64' },
      },
    ],
  });
  await f.ecr.send(new PutImageCommand({ repositoryName: 'errs', imageManifest: index, imageTag: 'list' }));
  const unsupported = await t.throwsAsync(f.ecr.send(new StartImageScanCommand({ repositoryName: 'errs', imageId: { imageTag: 'list' } })));
  t.is(unsupported?.name, 'UnsupportedImageTypeException');

  const missing = await t.throwsAsync(f.ecr.send(new StartImageScanCommand({ repositoryName: 'errs', imageId: { imageTag: 'nope' } })));
  t.is(missing?.name, 'ImageNotFoundException');
  const missingFindings = await t.throwsAsync(
    f.ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'errs', imageId: { imageTag: 'nope' } })),
  );
  t.is(missingFindings?.name, 'ImageNotFoundException');
  const noRepo = await t.throwsAsync(f.ecr.send(new StartImageScanCommand({ repositoryName: 'ghost', imageId: { imageTag: 'v1' } })));
  t.is(noRepo?.name, 'RepositoryNotFoundException');
  const noRepoFindings = await t.throwsAsync(
    f.ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'ghost', imageId: { imageTag: 'v1' } })),
  );
  t.is(noRepoFindings?.name, 'RepositoryNotFoundException');

  await advanceClock(f, 2 * DAY);
  await f.ecr.send(
    new UpdateImageStorageClassCommand({ repositoryName: 'errs', imageId: { imageTag: 'v1' }, targetStorageClass: 'ARCHIVE' }),
  );
  const archived = await t.throwsAsync(f.ecr.send(new StartImageScanCommand({ repositoryName: 'errs', imageId: { imageTag: 'v1' } })));
  t.is(archived?.name, 'ImageArchivedException');
  t.is(
    (await f.ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'errs', imageId: { imageTag: 'v1' } }))).imageScanStatus
      ?.status,
    'IMAGE_ARCHIVED',
  );
});

test('scan on push follows the repository setting and the registry BASIC rules (filters match substrings, * wildcards whole names)', async (t) => {
  await using f = await startEcr();
  await putAdvisories(f, ADVISORIES);
  const layer = await debianLayer();
  await pushImage(f.ecr, 'manual-repo', 'v1', [layer]);
  await pushImage(f.ecr, 'own-setting', 'v1', [layer], true);
  await f.ecr.send(
    new PutRegistryScanningConfigurationCommand({
      scanType: 'BASIC',
      rules: [
        {
          scanFrequency: 'SCAN_ON_PUSH',
          repositoryFilters: [
            { filter: 'prod', filterType: 'WILDCARD' },
            { filter: 'web-*-api', filterType: 'WILDCARD' },
          ],
        },
      ],
    }),
  );
  await pushImage(f.ecr, 'team/prod-app', 'v1', [layer]);
  await pushImage(f.ecr, 'web-orders-api', 'v1', [layer]);
  await pushImage(f.ecr, 'web-orders-api-old', 'v1', [layer]);
  await f.emu.scansSettled();
  const status = async (repositoryName: string) =>
    (await f.ecr.send(new DescribeImagesCommand({ repositoryName }))).imageDetails?.[0]?.imageScanStatus?.status ?? 'none';
  t.is(await status('manual-repo'), 'none');
  t.is(await status('own-setting'), 'COMPLETE');
  t.is(await status('team/prod-app'), 'COMPLETE');
  t.is(await status('web-orders-api'), 'COMPLETE');
  t.is(await status('web-orders-api-old'), 'none');
  // the repository setting, turned on later, scans the next push
  await f.ecr.send(
    new PutImageScanningConfigurationCommand({ repositoryName: 'manual-repo', imageScanningConfiguration: { scanOnPush: true } }),
  );
  await pushImage(f.ecr, 'manual-repo', 'v2', [layer, await alpineLayer()]);
  await f.emu.scansSettled();
  const v2 = await f.ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'manual-repo', imageId: { imageTag: 'v2' } }));
  t.is(v2.imageScanStatus?.status, 'COMPLETE');
  // An Alpine layer on top: os-release says alpine 3.19, so the apk packages take the Alpine advisories;
  // the dpkg packages count as Debian without a release (debian:12 advisories no longer apply to them).
  t.deepEqual(names(v2.imageScanFindings?.findings), ['CVE-2024-0003/zlib1g', 'CVE-2024-1001/libcrypto3', 'CVE-2024-1003/musl']);
});

test('FAILED for an image without a package database, UNSUPPORTED_IMAGE for an artifact', async (t) => {
  await using f = await startEcr();
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'odd', imageScanningConfiguration: { scanOnPush: true } }));
  const plain = blob(gzip(await tarOf([{ path: 'app/server', content: 'binary' }])));
  await pushImage(f.ecr, 'odd', 'static', [plain]);
  const cfg = blob(Buffer.from('{"name":"chart"}'));
  const chart = blob(Buffer.from('chart bytes'));
  await uploadImage(f.ecr, 'odd', [chart], cfg);
  const chartManifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.cncf.helm.config.v1+json', digest: cfg.digest, size: cfg.bytes.length },
    layers: [{ mediaType: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip', digest: chart.digest, size: chart.bytes.length }],
  });
  await f.ecr.send(new PutImageCommand({ repositoryName: 'odd', imageManifest: chartManifest, imageTag: 'chart' }));
  const corrupt = blob(Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.from('not really gzip')]));
  await pushImage(f.ecr, 'odd', 'corrupt', [corrupt]);
  await f.emu.scansSettled();
  const failed = await waitUntilImageScanComplete(waiter(f.ecr), { repositoryName: 'odd', imageId: { imageTag: 'static' } }).catch(
    (err: Error) => err,
  );
  t.true(failed instanceof Error, 'the waiter fails on FAILED');
  const s = await f.ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'odd', imageId: { imageTag: 'static' } }));
  t.deepEqual(s.imageScanStatus, {
    status: 'FAILED',
    description: 'UnsupportedImageError: The operating system and/or package manager are not supported.',
  });
  t.is(s.imageScanFindings, undefined);
  const c = await f.ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'odd', imageId: { imageTag: 'chart' } }));
  t.is(c.imageScanStatus?.status, 'UNSUPPORTED_IMAGE');
  t.regex(c.imageScanStatus?.description ?? '', /helm/);
  const k = await f.ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'odd', imageId: { imageTag: 'corrupt' } }));
  t.is(k.imageScanStatus?.status, 'FAILED');
  t.regex(k.imageScanStatus?.description ?? '', /could not be read/);
});

test('ENHANCED: continuous and scan-on-push filters, enhancedFindings, rescans when the advisories change, StartImageScan refused', async (t) => {
  await using f = await startEcr();
  await putAdvisories(f, ADVISORIES);
  await f.ecr.send(
    new PutRegistryScanningConfigurationCommand({
      scanType: 'ENHANCED',
      rules: [
        { scanFrequency: 'CONTINUOUS_SCAN', repositoryFilters: [{ filter: 'live-*', filterType: 'WILDCARD' }] },
        { scanFrequency: 'SCAN_ON_PUSH', repositoryFilters: [{ filter: '*', filterType: 'WILDCARD' }] },
      ],
    }),
  );
  const layer = await debianLayer();
  const live = await pushImage(f.ecr, 'live-api', 'v1', [layer]);
  await pushImage(f.ecr, 'batch', 'v1', [layer]);
  await f.emu.scansSettled();
  const r = await f.ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'live-api', imageId: { imageTag: 'v1' } }));
  t.deepEqual(r.imageScanStatus, { status: 'ACTIVE', description: 'Continuous scan is selected for image.' });
  t.deepEqual(r.imageScanFindings?.findings, []);
  const enhanced = r.imageScanFindings?.enhancedFindings ?? [];
  t.deepEqual(
    enhanced
      .map((x) => `${x.packageVulnerabilityDetails?.vulnerabilityId}/${x.packageVulnerabilityDetails?.vulnerablePackages?.[0]?.name}`)
      .sort(),
    ['CVE-2024-0001/libssl3', 'CVE-2024-0001/openssl', 'CVE-2024-0003/zlib1g'],
  );
  const e = enhanced.find((x) => x.title === 'CVE-2024-0001 - openssl')!;
  t.like(e, {
    awsAccountId: '000000000000',
    severity: 'CRITICAL',
    status: 'ACTIVE',
    type: 'PACKAGE_VULNERABILITY',
    fixAvailable: 'YES',
    score: 9.8,
  });
  t.regex(e.findingArn ?? '', /^arn:aws:inspector2:us-east-1:000000000000:finding\/[0-9a-f]{32}$/);
  t.like(e.packageVulnerabilityDetails?.vulnerablePackages?.[0], {
    name: 'openssl',
    version: '3.0.11',
    release: '1~deb12u2',
    epoch: 0,
    fixedInVersion: '3.0.13-1~deb12u1',
    filePath: 'var/lib/dpkg/status',
    sourceLayerHash: layer.digest,
  });
  t.like(e.resources?.[0]?.details?.awsEcrContainerImage, {
    imageHash: live,
    repositoryName: 'live-api',
    imageTags: ['v1'],
    platform: 'DEBIAN_12',
    architecture: 'amd64',
  });
  t.deepEqual(r.imageScanFindings?.findingSeverityCounts, { CRITICAL: 2, MEDIUM: 1 });
  const firstObserved = e.firstObservedAt;

  const batch = await f.ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'batch', imageId: { imageTag: 'v1' } }));
  t.deepEqual(batch.imageScanStatus, { status: 'COMPLETE', description: 'The scan was completed successfully.' });
  t.is(batch.imageScanFindings?.enhancedFindings?.length, 3);

  const refused = await t.throwsAsync(f.ecr.send(new StartImageScanCommand({ repositoryName: 'batch', imageId: { imageTag: 'v1' } })));
  t.is(refused?.name, 'ValidationException');

  // new advisories: the continuous repository is scanned again, the scan-on-push one is not
  await advanceClock(f, 3600_000);
  const put = await putAdvisories(f, [
    ...ADVISORIES,
    { id: 'CVE-2024-0009', package: 'bash', ecosystem: 'debian:12', fixed: '5.2.15-2+b3', severity: 'HIGH' },
  ]);
  t.is(((await put.json()) as { rescans: number }).rescans, 1);
  await f.emu.scansSettled();
  const after = await f.ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'live-api', imageId: { imageTag: 'v1' } }));
  t.is(after.imageScanStatus?.status, 'ACTIVE');
  t.deepEqual(after.imageScanFindings?.findingSeverityCounts, { CRITICAL: 2, HIGH: 1, MEDIUM: 1 });
  t.true(after.imageScanFindings!.imageScanCompletedAt! > r.imageScanFindings!.imageScanCompletedAt!);
  t.true(after.imageScanFindings!.vulnerabilitySourceUpdatedAt! > r.imageScanFindings!.vulnerabilitySourceUpdatedAt!);
  const same = after.imageScanFindings?.enhancedFindings?.find((x) => x.title === 'CVE-2024-0001 - openssl');
  t.deepEqual(same?.firstObservedAt, firstObserved, 'a finding seen before keeps its firstObservedAt');
  t.is(
    (await f.ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'batch', imageId: { imageTag: 'v1' } }))).imageScanFindings
      ?.enhancedFindings?.length,
    3,
  );

  // back to BASIC: the enhanced results are hidden (no basic scan of these images), not lost
  await f.ecr.send(new PutRegistryScanningConfigurationCommand({ scanType: 'BASIC', rules: [] }));
  const hidden = await t.throwsAsync(
    f.ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'live-api', imageId: { imageTag: 'v1' } })),
  );
  t.is(hidden?.name, 'ScanNotFoundException');
  await f.ecr.send(
    new PutRegistryScanningConfigurationCommand({
      scanType: 'ENHANCED',
      rules: [{ scanFrequency: 'CONTINUOUS_SCAN', repositoryFilters: [{ filter: 'live-*', filterType: 'WILDCARD' }] }],
    }),
  );
  t.is(
    (await f.ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'live-api', imageId: { imageTag: 'v1' } }))).imageScanStatus
      ?.status,
    'ACTIVE',
  );
});

test('ENHANCED: turning it on scans recent images at once; continuous scanning lapses for images unused for 30 days', async (t) => {
  await using f = await startEcr();
  await putAdvisories(f, ADVISORIES);
  await pushImage(f.ecr, 'svc', 'v1', [await debianLayer()]);
  await pushImage(f.ecr, 'other', 'v1', [await debianLayer()]);
  await f.ecr.send(
    new PutRegistryScanningConfigurationCommand({
      scanType: 'ENHANCED',
      rules: [{ scanFrequency: 'CONTINUOUS_SCAN', repositoryFilters: [{ filter: 'svc', filterType: 'WILDCARD' }] }],
    }),
  );
  await f.emu.scansSettled();
  t.is(
    (await f.ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'svc', imageId: { imageTag: 'v1' } }))).imageScanStatus
      ?.status,
    'ACTIVE',
  );
  const notCovered = await t.throwsAsync(
    f.ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'other', imageId: { imageTag: 'v1' } })),
  );
  t.is(notCovered?.name, 'ScanNotFoundException');
  await advanceClock(f, 31 * DAY);
  await putAdvisories(f, ADVISORIES.slice(0, 2));
  await f.emu.scansSettled();
  const lapsed = await f.ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'svc', imageId: { imageTag: 'v1' } }));
  t.is(lapsed.imageScanStatus?.status, 'SCAN_ELIGIBILITY_EXPIRED');
  t.is(lapsed.imageScanFindings?.enhancedFindings?.length, 3, 'the last findings stay');
});

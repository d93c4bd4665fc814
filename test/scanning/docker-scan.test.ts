// End to end with docker: two images built FROM scratch (a Debian-like one whose layer
// carries a dpkg status file, an Alpine-like one with an apk database) are pushed with
// docker; their findings name exactly the advisories that match; new advisories rescan
// the continuous-scan repository; a rewind brings the old findings back.
import { join } from 'node:path';
import {
  DescribeImageScanFindingsCommand,
  DescribeImagesCommand,
  PutRegistryScanningConfigurationCommand,
  CreateRepositoryCommand,
  waitUntilImageScanComplete,
  type ECRClient,
} from '@aws-sdk/client-ecr';
import { testRequiring } from '../support/clients/client-test.ts';
import { pushedDigest, startDockerd } from '../support/clients/dockerd.ts';
import { startEcr } from '../ecr/ecr-fixture.ts';
import { ADVISORIES, ALPINE_OS_RELEASE, APK_INSTALLED, DEBIAN_OS_RELEASE, DPKG_STATUS } from './scan-fixtures.ts';
import { adminRequest } from '../support/admin.ts';

const test = testRequiring(['dockerd', 'docker']);

/** "<advisory> <package> <installed version>" of each finding, sorted. */
async function findings(ecr: ECRClient, repositoryName: string, imageTag: string): Promise<{ status: string; findings: string[] }> {
  const r = await ecr.send(new DescribeImageScanFindingsCommand({ repositoryName, imageId: { imageTag } }));
  const basic = (r.imageScanFindings?.findings ?? []).map((f) => {
    const attr = (k: string) => f.attributes?.find((a) => a.key === k)?.value;
    return `${f.name} ${attr('package_name')} ${attr('package_version')}`;
  });
  const enhanced = (r.imageScanFindings?.enhancedFindings ?? []).map((f) => {
    const d = f.packageVulnerabilityDetails!;
    const p = d.vulnerablePackages![0]!;
    return `${d.vulnerabilityId} ${p.name} ${p.version}${p.release ? `-${p.release}` : ''}`;
  });
  return { status: r.imageScanStatus!.status!, findings: [...basic, ...enhanced].sort() };
}

test('docker-built images: exact findings, a continuous rescan on new advisories, old findings back after a rewind', async (t) => {
  await using f = await startEcr({ auth: 'any', advisories: join(import.meta.dirname, 'fixtures', 'advisories.json') });
  await using dockerd = await startDockerd({ insecureRegistries: [f.emu.registryHost] });
  const { docker } = dockerd;
  const host = f.emu.registryHost;
  await docker(['login', '--username', 'AWS', '--password-stdin', host], { input: 'dev-token' });
  await f.ecr.send(
    new PutRegistryScanningConfigurationCommand({
      scanType: 'ENHANCED',
      rules: [
        { scanFrequency: 'CONTINUOUS_SCAN', repositoryFilters: [{ filter: 'live/*', filterType: 'WILDCARD' }] },
        { scanFrequency: 'SCAN_ON_PUSH', repositoryFilters: [{ filter: 'team', filterType: 'WILDCARD' }] },
      ],
    }),
  );
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'team/debian' }));
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'live/alpine' }));

  await dockerd.buildFromScratch(`${host}/team/debian:v1`, {
    'etc/os-release': DEBIAN_OS_RELEASE,
    'var/lib/dpkg/status': DPKG_STATUS,
    'bin/sh': 'not really a shell\n',
  });
  await dockerd.buildFromScratch(`${host}/live/alpine:v1`, { 'etc/os-release': ALPINE_OS_RELEASE, 'lib/apk/db/installed': APK_INSTALLED });
  const debianDigest = pushedDigest((await docker(['push', `${host}/team/debian:v1`])).stdout);
  pushedDigest((await docker(['push', `${host}/live/alpine:v1`])).stdout);

  // scan on push: the waiter sees COMPLETE
  await waitUntilImageScanComplete(
    { client: f.ecr, maxWaitTime: 60, minDelay: 1, maxDelay: 2 },
    { repositoryName: 'team/debian', imageId: { imageDigest: debianDigest } },
  );
  await f.emu.scansSettled();
  t.deepEqual(await findings(f.ecr, 'team/debian', 'v1'), {
    status: 'COMPLETE',
    // not CVE-2023-0002 (fixed in 3.0.9-1, older than the installed 3.0.11), nor the Ubuntu one, nor the removed package's
    findings: ['CVE-2024-0001 libssl3 3.0.11-1~deb12u2', 'CVE-2024-0001 openssl 3.0.11-1~deb12u2', 'CVE-2024-0003 zlib1g 1.2.13.dfsg-1'],
  });
  const alpineBefore = await findings(f.ecr, 'live/alpine', 'v1');
  t.deepEqual(alpineBefore, {
    status: 'ACTIVE',
    // not CVE-2024-1002 (busybox fixed in 1.36.1-r7, older than the installed r15)
    findings: ['CVE-2024-1001 libcrypto3 3.1.4-r5', 'CVE-2024-1003 musl 1.2.4_git20230717-r4'],
  });
  const summary = (await f.ecr.send(new DescribeImagesCommand({ repositoryName: 'live/alpine' }))).imageDetails?.[0]
    ?.imageScanFindingsSummary;
  t.deepEqual(summary?.findingSeverityCounts, { HIGH: 1, MEDIUM: 1 });
  await f.emu.mark('before-update');

  // the musl advisory is withdrawn and one for busybox arrives: only the continuous repository is rescanned
  const updated = [
    ...ADVISORIES.filter((a) => a.id !== 'CVE-2024-1003'),
    { id: 'CVE-2024-1004', package: 'busybox', ecosystem: 'alpine:3.19', fixed: '1.36.1-r16', severity: 'CRITICAL' },
  ];
  const res = await adminRequest(f.emu.endpoint, 'PUT', '/scanning/advisories', { advisories: updated });
  t.is(res.status, 200);
  await f.emu.scansSettled();
  t.deepEqual(await findings(f.ecr, 'live/alpine', 'v1'), {
    status: 'ACTIVE',
    findings: ['CVE-2024-1001 libcrypto3 3.1.4-r5', 'CVE-2024-1004 busybox 1.36.1-r15'],
  });
  t.is((await findings(f.ecr, 'team/debian', 'v1')).findings.length, 3, 'a scan-on-push repository is not rescanned');

  await f.emu.reset('before-update');
  t.deepEqual(await findings(f.ecr, 'live/alpine', 'v1'), alpineBefore);
});

// Serving a manifest records the pull (ImagePulled, which lifecycle rules read) without
// making the pull wait, at most once per image per refresh interval of the injected clock.

import test from 'ava';
import { PULL_REFRESH_INTERVAL_MS } from '../../src/http/pull-recorder.ts';
import { RegistryDriver } from '../../src/testkit/registry-driver.ts';
import { OCI_MANIFEST, startRegistry } from './registry-fixture.ts';

const pulls = (reg: { emu: { events(): Iterable<{ type: string }> } }): number =>
  [...reg.emu.events()].filter((e) => e.type === 'ImagePulled').length;

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 100));

/** lastRecordedPullTime (epoch seconds) of an image, as ECR DescribeImages reports it. */
async function lastRecordedPullTime(url: string, digest: string): Promise<number | undefined> {
  const out = (await new RegistryDriver(url).ecr('DescribeImages', {
    repositoryName: 'test/app',
    imageIds: [{ imageDigest: digest }],
  })) as {
    imageDetails: { lastRecordedPullTime?: number }[];
  };
  return out.imageDetails[0]?.lastRecordedPullTime;
}

test('a manifest GET records one ImagePulled per image per refresh interval; HEAD records none', async (t) => {
  await using reg = await startRegistry({ fsync: 'always' });
  const { digest } = await reg.pushImage('test/app', 'v1');
  await reg.fetch('/v2/test/app/manifests/v1', { method: 'HEAD', headers: { accept: OCI_MANIFEST } });
  await settle();
  t.is(pulls(reg), 0, 'HEAD is not a pull');

  for (let i = 0; i < 3; i++) await reg.fetch(`/v2/test/app/manifests/${i === 0 ? 'v1' : digest}`, { headers: { accept: OCI_MANIFEST } });
  await settle();
  t.is(pulls(reg), 1, 'three pulls within the interval are recorded once');
  const first = await lastRecordedPullTime(reg.url, digest);
  t.is(typeof first, 'number', 'DescribeImages shows the pull');

  reg.emu.clock.advance(PULL_REFRESH_INTERVAL_MS + 1);
  await reg.fetch('/v2/test/app/manifests/v1', { headers: { accept: OCI_MANIFEST } });
  await settle();
  t.is(pulls(reg), 2, 'a pull after the interval is recorded again');
  t.true((await lastRecordedPullTime(reg.url, digest))! >= first! + PULL_REFRESH_INTERVAL_MS / 1000, 'lastRecordedPullTime moved on');
});

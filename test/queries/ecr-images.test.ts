// Deep pages of ListImages and DescribeImages start where a walk from the first entry would reach:
// from any offset, for every filter, the entries are the same as the full list's from there.
import test from 'ava';
import { putTag } from '../../src/domain/repository-tags.ts';
import type { Image, Repository } from '../../src/domain/state.ts';
import { listImageIds, matchingImages, type TagStatus } from '../../src/queries/ecr-images.ts';

function repoWith(tagCounts: number[]): Repository {
  const repo: Repository = {
    account: '000000000000',
    region: 'us-east-1',
    name: 'app',
    createdAt: 0,
    blobs: new Map(),
    images: new Map(),
    tags: new Map(),
    tagsByDigest: new Map(),
    referrers: new Map(),
    settings: {} as Repository['settings'],
  };
  tagCounts.forEach((n, i) => {
    const digest = `sha256:${String(i).padStart(64, '0')}`;
    const image = {
      digest,
      mediaType: 'm',
      bytes: new Uint8Array(),
      pushedAt: i,
      size: 1,
      blobs: [],
      manifests: [],
      storageClass: 'STANDARD',
    };
    repo.images.set(digest, image as Image);
    for (let k = 0; k < n; k++) putTag(repo, `t${i}-${k}`, digest);
  });
  return repo;
}

test('ListImages and DescribeImages entries from any offset are the full list from there', (t) => {
  const repo = repoWith([3, 0, 1, 0, 0, 5, 2, 0, 1]);
  for (const status of ['ANY', 'TAGGED', 'UNTAGGED'] as TagStatus[]) {
    const all = [...listImageIds(repo, status)];
    for (let start = 0; start <= all.length + 1; start++)
      t.deepEqual([...listImageIds(repo, status, start)], all.slice(start), `${status} ${start}`);
    const images = [...matchingImages(repo, { tagStatus: status, imageStatus: 'ANY' })].map((m) => m.image.digest);
    for (let start = 0; start <= images.length + 1; start++)
      t.deepEqual(
        [...matchingImages(repo, { tagStatus: status, imageStatus: 'ANY' }, start)].map((m) => m.image.digest),
        images.slice(start),
      );
  }
  // 12 tags, and 4 untagged images
  t.is([...listImageIds(repo, 'ANY')].length, 16);
});

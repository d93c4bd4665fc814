/** Shared by the replication tests: waiting for the worker, pushing a small image through the ECR API. */
import { DescribeImageReplicationStatusCommand, type ECRClient, type ImageReplicationStatus, PutImageCommand } from '@aws-sdk/client-ecr';
import { prepareImage } from '../ecr/ecr-fixture.ts';

/** Polls `probe` until it gives a value (not undefined), for up to `ms`. */
export async function eventually<T>(probe: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Pushes a one-layer image with `tag` through the ECR API; answers its digest. */
export async function pushImage(ecr: ECRClient, repositoryName: string, tag: string, seed = tag): Promise<string> {
  const image = await prepareImage(ecr, repositoryName, seed);
  await ecr.send(new PutImageCommand({ repositoryName, imageManifest: image.manifest, imageTag: tag }));
  return image.digest;
}

/** The replication statuses of an image once none is IN_PROGRESS. */
export async function settledStatuses(ecr: ECRClient, repositoryName: string, imageDigest: string): Promise<ImageReplicationStatus[]> {
  return eventually(async () => {
    const out = await ecr.send(new DescribeImageReplicationStatusCommand({ repositoryName, imageId: { imageDigest } }));
    const statuses = out.replicationStatuses ?? [];
    return statuses.length > 0 && statuses.every((s) => s.status !== 'IN_PROGRESS') ? statuses : undefined;
  });
}

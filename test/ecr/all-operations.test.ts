// Every operation of @aws-sdk/client-ecr reaches an implementation: called with a plausible
// input, none answers ServerException "not implemented". (StartImageScan and
// DescribeImageScanFindings come with the scanning feature, on its own branch: until it is
// merged they are the only ones expected to answer so.)
import * as Sdk from '@aws-sdk/client-ecr';
import test from 'ava';
import { NOT_YET_IMPLEMENTED } from '../../src/http/ecr/ecr-service.ts';
import { startEcr } from './ecr-fixture.ts';

/**
 * Operations that may still answer "not implemented" on this branch: scanning's two, while the
 * scanning feature is not merged into it (main has it: after the merge this list is empty).
 */
const SCANNING = ['DescribeImageScanFindings', 'StartImageScan'];
const EXPECTED_NOT_IMPLEMENTED = SCANNING.filter((op) => NOT_YET_IMPLEMENTED.includes(op));

const INPUTS: Record<string, object> = {
  BatchCheckLayerAvailability: { repositoryName: 'app', layerDigests: [`sha256:${'0'.repeat(64)}`] },
  BatchDeleteImage: { repositoryName: 'app', imageIds: [{ imageTag: 'v1' }] },
  BatchGetImage: { repositoryName: 'app', imageIds: [{ imageTag: 'v1' }] },
  BatchGetRepositoryScanningConfiguration: { repositoryNames: ['app'] },
  CompleteLayerUpload: { repositoryName: 'app', uploadId: 'u', layerDigests: [`sha256:${'0'.repeat(64)}`] },
  CreatePullThroughCacheRule: { ecrRepositoryPrefix: 'quay', upstreamRegistryUrl: 'quay.io' },
  CreateRepository: { repositoryName: 'other' },
  CreateRepositoryCreationTemplate: { prefix: 'ptc', appliedFor: ['PULL_THROUGH_CACHE'] },
  DeleteLifecyclePolicy: { repositoryName: 'app' },
  DeletePullThroughCacheRule: { ecrRepositoryPrefix: 'nope' },
  DeleteRepository: { repositoryName: 'gone' },
  DeleteRepositoryCreationTemplate: { prefix: 'nope' },
  DeleteRepositoryPolicy: { repositoryName: 'app' },
  DeregisterPullTimeUpdateExclusion: { principalArn: 'arn:aws:iam::000000000000:role/ci' },
  DescribeImageReplicationStatus: { repositoryName: 'app', imageId: { imageTag: 'v1' } },
  DescribeImageScanFindings: { repositoryName: 'app', imageId: { imageTag: 'v1' } },
  DescribeImageSigningStatus: { repositoryName: 'app', imageId: { imageTag: 'v1' } },
  DescribeImages: { repositoryName: 'app' },
  DescribeReplicationBackfillResults: { replicationBackfillId: 'nope' },
  GetDownloadUrlForLayer: { repositoryName: 'app', layerDigest: `sha256:${'0'.repeat(64)}` },
  GetLifecyclePolicy: { repositoryName: 'app' },
  GetLifecyclePolicyPreview: { repositoryName: 'app' },
  GetRepositoryPolicy: { repositoryName: 'app' },
  GetAccountSetting: { name: 'BLOB_MOUNTING' },
  InitiateLayerUpload: { repositoryName: 'app' },
  ListImageReferrers: { repositoryName: 'app', subjectId: { imageDigest: `sha256:${'0'.repeat(64)}` } },
  ListImages: { repositoryName: 'app' },
  ListTagsForResource: { resourceArn: 'arn:aws:ecr:us-east-1:000000000000:repository/app' },
  PutAccountSetting: { name: 'BLOB_MOUNTING', value: 'ENABLED' },
  PutImage: { repositoryName: 'app', imageManifest: '{}' },
  PutImageScanningConfiguration: { repositoryName: 'app', imageScanningConfiguration: { scanOnPush: true } },
  PutImageTagMutability: { repositoryName: 'app', imageTagMutability: 'MUTABLE' },
  PutLifecyclePolicy: { repositoryName: 'app', lifecyclePolicyText: '{"rules":[]}' },
  PutRegistryPolicy: { policyText: '{}' },
  PutRegistryScanningConfiguration: { scanType: 'BASIC', rules: [] },
  PutReplicationConfiguration: { replicationConfiguration: { rules: [] } },
  PutSigningConfiguration: { signingConfiguration: { rules: [] } },
  RegisterPullTimeUpdateExclusion: { principalArn: 'arn:aws:iam::000000000000:role/ci' },
  SetRepositoryPolicy: { repositoryName: 'app', policyText: '{}' },
  StartImageScan: { repositoryName: 'app', imageId: { imageTag: 'v1' } },
  StartLifecyclePolicyPreview: { repositoryName: 'app' },
  StartReplicationBackfill: { destination: { region: 'eu-west-1', registryId: '000000000000' } },
  StopReplicationBackfill: { replicationBackfillId: 'nope' },
  TagResource: { resourceArn: 'arn:aws:ecr:us-east-1:000000000000:repository/app', tags: [{ Key: 'k', Value: 'v' }] },
  UntagResource: { resourceArn: 'arn:aws:ecr:us-east-1:000000000000:repository/app', tagKeys: ['k'] },
  UpdateImageStorageClass: { repositoryName: 'app', imageId: { imageTag: 'v1' }, targetStorageClass: 'STANDARD' },
  UpdatePullThroughCacheRule: { ecrRepositoryPrefix: 'nope' },
  UpdateRepositoryCreationTemplate: { prefix: 'nope' },
  UploadLayerPart: { repositoryName: 'app', uploadId: 'u', partFirstByte: 0, partLastByte: 0, layerPartBlob: new Uint8Array([1]) },
  ValidatePullThroughCacheRule: { ecrRepositoryPrefix: 'nope' },
};

test('all 62 operations of @aws-sdk/client-ecr are implemented (but scanning, until it is merged)', async (t) => {
  const commands = Object.entries(Sdk).filter(([name, value]) => /^[A-Z]\w+Command$/.test(name) && typeof value === 'function');
  t.is(commands.length, 62);
  await using f = await startEcr();
  await f.ecr.send(new Sdk.CreateRepositoryCommand({ repositoryName: 'app' }));
  await f.ecr.send(new Sdk.CreateRepositoryCommand({ repositoryName: 'gone' }));
  const notImplemented: string[] = [];
  for (const [name, Command] of commands) {
    const operation = name.slice(0, -'Command'.length);
    const Cmd = Command as new (input: object) => Parameters<typeof f.ecr.send>[0];
    try {
      await f.ecr.send(new Cmd(INPUTS[operation] ?? {}));
    } catch (err) {
      const e = err as Error & { $metadata?: { httpStatusCode?: number } };
      if (e.name === 'ServerException' && /not implemented/.test(e.message)) notImplemented.push(operation);
      else t.not(e.name, 'ServerException', `${operation}: ${e.message}`);
    }
  }
  t.deepEqual(notImplemented.sort(), EXPECTED_NOT_IMPLEMENTED);
  t.deepEqual([...NOT_YET_IMPLEMENTED].sort(), EXPECTED_NOT_IMPLEMENTED, 'nothing but scanning is left unimplemented');
});

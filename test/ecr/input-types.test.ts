/**
 * The member types of ECR requests (http/ecr/operation.ts `parseInput`, after the model's
 * constraints): the first problem answers InvalidParameterException naming the member as AWS
 * does. The texts are the ones ecr-rewind answered with zod, kept word for word when the
 * validation moved to valibot (a smaller start): types, enums, integers, structures (a JSON
 * array is not one), absent required members, list lengths checked before their members.
 */
import test from 'ava';
import { type EcrService, ecrService } from '../../src/http/ecr/ecr-service.ts';
import { EcrError } from '../../src/http/ecr/ecr-errors.ts';
import { parseInput } from '../../src/http/ecr/operation.ts';

type Case = [operation: keyof EcrService, body: Record<string, unknown>, expected: string | { accepted: unknown }];

const CASES: Case[] = [
  [
    'CreateRepository',
    { repositoryName: 'a', imageScanningConfiguration: [] },
    "Invalid parameter at 'imageScanningConfiguration' failed to satisfy constraint: 'Member must be of type object'",
  ],
  [
    'CreateRepository',
    { repositoryName: 'a', imageScanningConfiguration: { scanOnPush: 'yes' } },
    "Invalid parameter at 'imageScanningConfiguration.scanOnPush' failed to satisfy constraint: 'Member must be of type boolean'",
  ],
  [
    'CreateRepository',
    { repositoryName: 'a', imageTagMutability: 'SOMETIMES' },
    "Invalid parameter at 'imageTagMutability' failed to satisfy constraint: 'Member must satisfy enum value set: [MUTABLE, IMMUTABLE, IMMUTABLE_WITH_EXCLUSION, MUTABLE_WITH_EXCLUSION]'",
  ],
  [
    'CreateRepository',
    { repositoryName: 'a', tags: [{ Key: 'k' }] },
    "Invalid parameter at 'tags.1.member.Value' failed to satisfy constraint: 'Member must be of type string'",
  ],
  [
    'CreateRepository',
    { repositoryName: 'a', tags: {} },
    "Invalid parameter at 'tags' failed to satisfy constraint: 'Member must be of type array'",
  ],
  [
    'DescribeRepositories',
    { maxResults: 1.5 },
    "Invalid parameter at 'maxResults' failed to satisfy constraint: 'Member must be of type int'",
  ],
  [
    'DescribeRepositories',
    { maxResults: '5' },
    "Invalid parameter at 'maxResults' failed to satisfy constraint: 'Member must be of type number'",
  ],
  [
    'PutImageScanningConfiguration',
    { repositoryName: 'a' },
    "Invalid parameter at 'imageScanningConfiguration' failed to satisfy constraint: 'Member must be of type object'",
  ],
  [
    'PutImageScanningConfiguration',
    { repositoryName: 'a', imageScanningConfiguration: null },
    "Invalid parameter at 'imageScanningConfiguration' failed to satisfy constraint: 'Member must be of type object'",
  ],
  [
    'UpdateImageStorageClass',
    { repositoryName: 'a', imageId: { imageTag: 't' } },
    "Invalid parameter at 'targetStorageClass' failed to satisfy constraint: 'Member must satisfy enum value set: [STANDARD, ARCHIVE]'",
  ],
  [
    'ListImageReferrers',
    { repositoryName: 'a', subjectId: { imageDigest: 'sha512:00' } },
    "Invalid parameter at 'subjectId.imageDigest' failed to satisfy constraint: 'Invalid image digest'",
  ],
  [
    'GetLifecyclePolicyPreview',
    { repositoryName: 'a', imageIds: [] },
    "Invalid parameter at 'imageIds' failed to satisfy constraint: 'Too small: expected array to have >=1 items'",
  ],
  [
    'GetLifecyclePolicyPreview',
    { repositoryName: 'a', imageIds: Array.from({ length: 101 }, () => 1) },
    "Invalid parameter at 'imageIds' failed to satisfy constraint: 'Too big: expected array to have <=100 items'",
  ],
  [
    'GetLifecyclePolicyPreview',
    { repositoryName: 'a', maxResults: 0 },
    "Invalid parameter at 'maxResults' failed to satisfy constraint: 'Member must have value greater than or equal to 1'",
  ],
  [
    'PutLifecyclePolicy',
    { repositoryName: 'a', lifecyclePolicyText: '{}' },
    "Invalid parameter at 'lifecyclePolicyText' failed to satisfy constraint: 'Member must have length greater than or equal to 100'",
  ],
  [
    'UploadLayerPart',
    { repositoryName: 'a', uploadId: 'u', partFirstByte: 0, partLastByte: 0.5, layerPartBlob: '' },
    "Invalid parameter at 'partLastByte' failed to satisfy constraint: 'Member must be of type int'",
  ],
  [
    'PutRegistryScanningConfiguration',
    { rules: [{ scanFrequency: 'MANUAL', repositoryFilters: [{ filter: '*' }] }] },
    "Invalid parameter at 'rules.1.member.repositoryFilters.1.member.filterType' failed to satisfy constraint: 'Member must satisfy enum value set: [WILDCARD]'",
  ],
  [
    'DescribeImages',
    { repositoryName: 'a', filter: { tagStatus: 'TAGGED', extra: 1 }, unknownMember: true },
    { accepted: { repositoryName: 'a', filter: { tagStatus: 'TAGGED' } } },
  ],
];

for (const [operation, body, expected] of CASES) {
  const title = `${operation} ${JSON.stringify(body).slice(0, 90)}`;
  test(title, (t) => {
    const schema = ecrService[operation].input;
    if (typeof expected !== 'string') {
      t.deepEqual(parseInput(schema, body), expected.accepted);
      return;
    }
    const err = t.throws(() => parseInput(schema, body), { instanceOf: EcrError });
    t.is(err?.type, 'InvalidParameterException');
    t.is(err?.message, expected);
  });
}

/**
 * Policies are IAM policies: SetRepositoryPolicy, PutRegistryPolicy and a creation template's
 * repositoryPolicy check the document against the IAM JSON policy grammar and ECR's rules, and
 * refuse it with ECR's documented errors:
 *   "InvalidParameterException: Invalid parameter at 'PolicyText' failed to satisfy constraint: 'Invalid repository policy provided'"
 *   (a repository policy with a Resource element, reported to the ECR user guide, awsdocs/amazon-ecr-user-guide#20),
 *   "... 'Invalid registry policy provided'" (a registry policy without Resource and with actions outside
 *   its scope, pulumi/pulumi-aws#2326), an AWS principal `arn:aws:iam::<id>:*` (hashicorp/terraform-provider-aws#3924).
 * Actions come from the Service Authorization Reference for Amazon ECR.
 */
import test from 'ava';
import {
  CreateRepositoryCommand,
  CreateRepositoryCreationTemplateCommand,
  PutAccountSettingCommand,
  PutRegistryPolicyCommand,
  SetRepositoryPolicyCommand,
  UpdateRepositoryCreationTemplateCommand,
} from '@aws-sdk/client-ecr';
import { policyProblem } from '../../src/domain/policies/iam-policy.ts';
import { journaledSeq, startEcr } from './ecr-fixture.ts';

const REPO_INVALID = "Invalid parameter at 'PolicyText' failed to satisfy constraint: 'Invalid repository policy provided'";
const REGISTRY_INVALID = "Invalid parameter at 'PolicyText' failed to satisfy constraint: 'Invalid registry policy provided'";

const doc = (statement: unknown, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ Version: '2012-10-17', Statement: statement, ...extra });
const pull = {
  Sid: 'pull',
  Effect: 'Allow',
  Principal: { AWS: 'arn:aws:iam::123456789012:root' },
  Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
};

const VALID_REPOSITORY_POLICIES: [string, string][] = [
  ['Principal "*" and one action', doc([{ Effect: 'Allow', Principal: '*', Action: 'ecr:BatchGetImage' }])],
  [
    'a single statement object, an account id, a role and a service principal',
    doc({
      Effect: 'Deny',
      Principal: { AWS: ['123456789012', 'arn:aws:iam::123456789012:role/ci'], Service: 'codebuild.amazonaws.com' },
      Action: 'ecr:*',
    }),
  ],
  [
    'wildcards in actions (ecr:Batch*, ecr:Get?ownloadUrlForLayer), NotAction',
    doc([{ Effect: 'Allow', Principal: '*', NotAction: ['ecr:Batch*', 'ecr:Get?ownloadUrlForLayer'] }]),
  ],
  [
    'a Condition with IfExists and ForAnyValue operators',
    doc([
      {
        ...pull,
        Condition: {
          StringEqualsIfExists: { 'aws:PrincipalOrgID': 'o-123' },
          'ForAnyValue:StringLike': { 'aws:PrincipalTag/team': ['a*', 'b'] },
          Bool: { 'aws:SecureTransport': true },
        },
      },
    ]),
  ],
  ['the 2008-10-17 version and an Id', doc([pull], { Version: '2008-10-17', Id: 'p1' })],
  [
    'NotPrincipal',
    doc([{ Effect: 'Deny', NotPrincipal: { AWS: 'arn:aws:iam::123456789012:user/admin' }, Action: 'ecr:DeleteRepository' }]),
  ],
];

const INVALID_REPOSITORY_POLICIES: [string, string][] = [
  ['not JSON', '{not json'],
  ['a JSON array', '[]'],
  ['no Statement', JSON.stringify({ Version: '2012-10-17' })],
  ['an empty Statement list', doc([])],
  ['an unknown Version', doc([pull], { Version: '2020-01-01' })],
  ['an unknown top-level element', doc([pull], { Extra: 1 })],
  ['no Effect', doc([{ Principal: '*', Action: 'ecr:BatchGetImage' }])],
  ['Effect "allow" (case matters)', doc([{ Effect: 'allow', Principal: '*', Action: 'ecr:BatchGetImage' }])],
  ['no Principal (a resource policy names one)', doc([{ Effect: 'Allow', Action: 'ecr:BatchGetImage' }])],
  ['both Principal and NotPrincipal', doc([{ Effect: 'Allow', Principal: '*', NotPrincipal: '*', Action: 'ecr:BatchGetImage' }])],
  [
    'an AWS principal arn:aws:iam::<id>:* (terraform-provider-aws#3924)',
    doc([{ ...pull, Principal: { AWS: 'arn:aws:iam::123456789012:*' } }]),
  ],
  ['an unknown principal type', doc([{ ...pull, Principal: { Human: 'me' } }])],
  ['no Action', doc([{ Effect: 'Allow', Principal: '*' }])],
  ['an action that does not exist', doc([{ ...pull, Action: 'ecr:MakeCoffee' }])],
  ['an action of another service', doc([{ ...pull, Action: 's3:GetObject' }])],
  ['an action without a service prefix', doc([{ ...pull, Action: 'BatchGetImage' }])],
  ['a Resource element (awsdocs/amazon-ecr-user-guide#20)', doc([{ ...pull, Resource: '*' }])],
  ['an unknown condition operator', doc([{ ...pull, Condition: { StringMaybe: { 'aws:username': 'x' } } }])],
  ['a condition without keys', doc([{ ...pull, Condition: { StringEquals: {} } }])],
  ['an unknown statement element', doc([{ ...pull, Because: 'yes' }])],
  ['duplicate Sids', doc([pull, { ...pull, Action: 'ecr:ListImages' }])],
];

test('IAM policy grammar (IAM JSON policy reference): valid repository policies pass, each broken rule is refused', (t) => {
  for (const [what, text] of VALID_REPOSITORY_POLICIES) t.is(policyProblem(text, { kind: 'repository' }), undefined, what);
  for (const [what, text] of INVALID_REPOSITORY_POLICIES) t.not(policyProblem(text, { kind: 'repository' }), undefined, what);
});

test("SetRepositoryPolicy refuses a document that breaks the grammar with ECR's 'Invalid repository policy provided'", async (t) => {
  await using f = await startEcr();
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'pol' }));
  for (const [what, policyText] of VALID_REPOSITORY_POLICIES)
    await t.notThrowsAsync(f.ecr.send(new SetRepositoryPolicyCommand({ repositoryName: 'pol', policyText })), what);
  const before = await journaledSeq(f.emu.endpoint);
  for (const [what, policyText] of INVALID_REPOSITORY_POLICIES) {
    const err = await t.throwsAsync(f.ecr.send(new SetRepositoryPolicyCommand({ repositoryName: 'pol', policyText })), undefined, what);
    t.is(err?.name, 'InvalidParameterException', what);
    t.is(err?.message, REPO_INVALID, what);
  }
  t.is(await journaledSeq(f.emu.endpoint), before, 'a refused policy changes nothing');
});

test("PutRegistryPolicy: Resource names ECR repositories; under REGISTRY_POLICY_SCOPE V1 only replication and pull-through actions; 'Invalid registry policy provided' (pulumi-aws#2326)", async (t) => {
  await using f = await startEcr();
  const registry = (statement: Record<string, unknown>) =>
    doc([{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, ...statement }]);
  const repos = 'arn:aws:ecr:us-east-1:000000000000:repository/*';
  await t.notThrowsAsync(
    f.ecr.send(
      new PutRegistryPolicyCommand({ policyText: registry({ Action: ['ecr:ReplicateImage', 'ecr:CreateRepository'], Resource: [repos] }) }),
    ),
  );
  // the default scope (V2) covers every ECR action
  await t.notThrowsAsync(
    f.ecr.send(new PutRegistryPolicyCommand({ policyText: registry({ Action: 'ecr:BatchGetImage', Resource: repos }) })),
  );
  const refused = [
    ['no Resource (pulumi-aws#2326)', registry({ Action: 'ecr:ReplicateImage' })],
    ['a Resource that is not an ECR repository', registry({ Action: 'ecr:ReplicateImage', Resource: 'arn:aws:s3:::bucket/*' })],
    ['an action that does not exist', registry({ Action: 'ecr:ReplicateEverything', Resource: repos })],
  ] as const;
  for (const [what, policyText] of refused) {
    const err = await t.throwsAsync(f.ecr.send(new PutRegistryPolicyCommand({ policyText })), undefined, what);
    t.is(err?.name, 'InvalidParameterException', what);
    t.is(err?.message, REGISTRY_INVALID, what);
  }
  await f.ecr.send(new PutAccountSettingCommand({ name: 'REGISTRY_POLICY_SCOPE', value: 'V1' }));
  const pullActions = registry({ Action: ['ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'], Resource: repos });
  const v1 = await t.throwsAsync(f.ecr.send(new PutRegistryPolicyCommand({ policyText: pullActions })));
  t.is(v1?.message, REGISTRY_INVALID);
  await t.notThrowsAsync(
    f.ecr.send(
      new PutRegistryPolicyCommand({
        policyText: registry({ Action: ['ecr:BatchImportUpstreamImage', 'ecr:CreateRepository'], Resource: repos }),
      }),
    ),
  );
  await t.notThrowsAsync(f.ecr.send(new PutRegistryPolicyCommand({ policyText: registry({ Action: 'ecr:*', Resource: repos }) })));
});

test("a creation template's repositoryPolicy follows the repository policy grammar (CreateRepositoryCreationTemplate, UpdateRepositoryCreationTemplate)", async (t) => {
  await using f = await startEcr();
  const bad = doc([{ ...pull, Resource: '*' }]);
  const create = await t.throwsAsync(
    f.ecr.send(new CreateRepositoryCreationTemplateCommand({ prefix: 'team', appliedFor: ['CREATE_ON_PUSH'], repositoryPolicy: bad })),
  );
  t.is(create?.name, 'InvalidParameterException');
  t.is(create?.message, "Invalid parameter at 'repositoryPolicy' failed to satisfy constraint: 'Invalid repository policy provided'");
  await f.ecr.send(
    new CreateRepositoryCreationTemplateCommand({ prefix: 'team', appliedFor: ['CREATE_ON_PUSH'], repositoryPolicy: doc([pull]) }),
  );
  const update = await t.throwsAsync(
    f.ecr.send(new UpdateRepositoryCreationTemplateCommand({ prefix: 'team', repositoryPolicy: '{"Statement":"x"}' })),
  );
  t.is(update?.name, 'InvalidParameterException');
});

/**
 * Lifecycle policy validation through the SDK: every refused policy answers
 * InvalidParameterException with ECR's `Lifecycle policy validation failure: ...` message, on
 * PutLifecyclePolicy, StartLifecyclePolicyPreview and repository creation templates alike.
 */
import test from 'ava';
import {
  CreateRepositoryCommand,
  CreateRepositoryCreationTemplateCommand,
  DescribeRepositoryCreationTemplatesCommand,
  GetLifecyclePolicyCommand,
  PutLifecyclePolicyCommand,
  StartLifecyclePolicyPreviewCommand,
  UpdateRepositoryCreationTemplateCommand,
} from '@aws-sdk/client-ecr';
import { RegistryDriver } from '../../src/testkit/registry-driver.ts';
import { startEcr } from './ecr-fixture.ts';

const SCHEMA = "Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Lifecycle policy validation failure: ";
const RULE = 'Lifecycle policy validation failure: ';

type Rule = Record<string, unknown>;
const expireUntagged: Rule = {
  rulePriority: 1,
  selection: { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 },
  action: { type: 'expire' },
};
const withSelection = (selection: Record<string, unknown>, extra: Rule = {}): Rule => ({
  rulePriority: 1,
  selection,
  action: { type: 'expire' },
  ...extra,
});
/** Padded with a description so that every text passes the model's 100-character minimum. */
const policy = (rules: unknown, extra: Record<string, unknown> = {}): string => {
  const text = JSON.stringify({ rules, ...extra });
  return text.length >= 100 ? text : `${text}${' '.repeat(100 - text.length)}`;
};

/** [what, policy text, the message ECR answers] */
const REFUSED: [string, string, string][] = [
  ['not JSON', `{"rules": [${' '.repeat(100)}`, `${SCHEMA}Could not map policyString into LifecyclePolicy.'`],
  ['a JSON array', `[${' '.repeat(100)}]`, `${SCHEMA}Could not map policyString into LifecyclePolicy.'`],
  ['no rules', policy(undefined, { description: 'x'.repeat(90) }), `${SCHEMA}object has missing required properties (["rules"])'`],
  [
    'rules not an array',
    policy({ rulePriority: 1 }),
    `${SCHEMA}instance type (object) does not match any allowed primitive type (allowed: ["array"])'`,
  ],
  [
    'an unknown top-level property',
    policy([], { pad: 'x'.repeat(90) }),
    `${SCHEMA}object instance has properties which are not allowed by the schema: (["pad"])'`,
  ],
  [
    'empty rules',
    `{"rules": []}${' '.repeat(100)}`,
    `${SCHEMA}array is too short: must have at least 1 elements but instance has 0 elements'`,
  ],
  [
    'a rule without action',
    policy([{ rulePriority: 1, selection: expireUntagged.selection }]),
    `${SCHEMA}object has missing required properties (["action"])'`,
  ],
  [
    'a rule without priority and selection',
    policy([{ action: { type: 'expire' }, description: 'x'.repeat(80) }]),
    `${SCHEMA}object has missing required properties (["rulePriority","selection"])'`,
  ],
  [
    'an unknown rule property',
    policy([{ ...expireUntagged, ttl: 3 }]),
    `${SCHEMA}object instance has properties which are not allowed by the schema: (["ttl"])'`,
  ],
  [
    'rulePriority 0',
    policy([{ ...expireUntagged, rulePriority: 0 }]),
    `${SCHEMA}numeric instance is lower than the required minimum (minimum: 1, found: 0)'`,
  ],
  [
    'rulePriority a string',
    policy([{ ...expireUntagged, rulePriority: '1' }]),
    `${SCHEMA}instance type (string) does not match any allowed primitive type (allowed: ["integer"])'`,
  ],
  [
    'tagStatus in capitals',
    policy([withSelection({ tagStatus: 'UNTAGGED', countType: 'imageCountMoreThan', countNumber: 1 })]),
    `${SCHEMA}instance value (UNTAGGED) not found in enum :(possible values: ["tagged","untagged","any"])'`,
  ],
  [
    'no countType',
    policy([withSelection({ tagStatus: 'untagged', countNumber: 1 })]),
    `${SCHEMA}object has missing required properties (["countType"])'`,
  ],
  [
    'an unknown countType',
    policy([withSelection({ tagStatus: 'untagged', countType: 'sinceImageBuilt', countUnit: 'days', countNumber: 1 })]),
    `${SCHEMA}instance failed to match exactly one schema (matched 0 out of 2)'`,
  ],
  [
    'countUnit with imageCountMoreThan',
    policy([withSelection({ tagStatus: 'untagged', countType: 'imageCountMoreThan', countUnit: 'days', countNumber: 1 })]),
    `${SCHEMA}instance failed to match exactly one schema (matched 0 out of 2)'`,
  ],
  [
    'sinceImagePushed without countUnit',
    policy([withSelection({ tagStatus: 'untagged', countType: 'sinceImagePushed', countNumber: 14 })]),
    `${SCHEMA}instance failed to match exactly one schema (matched 0 out of 2)'`,
  ],
  [
    'countUnit hours',
    policy([withSelection({ tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'hours', countNumber: 14 })]),
    `${SCHEMA}instance failed to match exactly one schema (matched 0 out of 2)'`,
  ],
  [
    'countNumber 0',
    policy([withSelection({ tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 0 })]),
    `${SCHEMA}numeric instance is lower than the required minimum (minimum: 1, found: 0)'`,
  ],
  [
    'an unknown selection property',
    policy([withSelection({ tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1, tagSuffixList: ['x'] })]),
    `${SCHEMA}object instance has properties which are not allowed by the schema: (["tagSuffixList"])'`,
  ],
  [
    'an empty tagPrefixList',
    policy([withSelection({ tagStatus: 'tagged', tagPrefixList: [], countType: 'imageCountMoreThan', countNumber: 1 })]),
    `${SCHEMA}array is too short: must have at least 1 elements but instance has 0 elements'`,
  ],
  [
    'storageClass glacier',
    policy([withSelection({ tagStatus: 'any', storageClass: 'glacier', countType: 'imageCountMoreThan', countNumber: 1 })]),
    `${SCHEMA}instance value (glacier) not found in enum :(possible values: ["standard","archive"])'`,
  ],
  [
    'action delete',
    policy([{ ...expireUntagged, action: { type: 'delete' } }]),
    `${SCHEMA}instance value (delete) not found in enum :(possible values: ["expire","transition"])'`,
  ],
  [
    'targetStorageClass standard',
    policy([{ ...expireUntagged, action: { type: 'transition', targetStorageClass: 'standard' } }]),
    `${SCHEMA}instance value (standard) not found in enum :(possible values: ["archive"])'`,
  ],
  [
    'tagged without a tag list',
    policy([withSelection({ tagStatus: 'tagged', countType: 'imageCountMoreThan', countNumber: 1 })]),
    `${RULE}Must specify tagPrefixList or tagPatternList when tagStatus=TAGGED.`,
  ],
  [
    'tagged with both lists',
    policy([
      withSelection({ tagStatus: 'tagged', tagPrefixList: ['a'], tagPatternList: ['b*'], countType: 'imageCountMoreThan', countNumber: 1 }),
    ]),
    `${RULE}Rule with priority 1 specifies both tagPrefixList and tagPatternList; use only one of them.`,
  ],
  [
    'untagged with a prefix list',
    policy([withSelection({ tagStatus: 'untagged', tagPrefixList: ['a'], countType: 'imageCountMoreThan', countNumber: 1 })]),
    `${RULE}tagPrefixList and tagPatternList are only allowed when tagStatus=TAGGED (rule with priority 1).`,
  ],
  [
    'five wildcards in a pattern',
    policy([withSelection({ tagStatus: 'tagged', tagPatternList: ['*a*b*c*d*'], countType: 'imageCountMoreThan', countNumber: 1 })]),
    `${RULE}Tag pattern '*a*b*c*d*' has more than 4 wildcards (*).`,
  ],
  [
    'two rules of one priority',
    policy([expireUntagged, withSelection({ tagStatus: 'tagged', tagPrefixList: ['v'], countType: 'imageCountMoreThan', countNumber: 3 })]),
    `${RULE}The rulePriority 1 is used by more than one rule; rule priorities must be unique.`,
  ],
  [
    'two untagged rules',
    policy([expireUntagged, { ...expireUntagged, rulePriority: 2 }]),
    `${RULE}Only one rule can select Untagged images per storage class`,
  ],
  [
    'an any rule before another',
    policy([withSelection({ tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 5 }), { ...expireUntagged, rulePriority: 2 }]),
    `${RULE}Rule for tagStatus=ANY must have the lowest priority per storage class`,
  ],
  [
    'transition without target',
    policy([{ ...expireUntagged, action: { type: 'transition' } }]),
    `${RULE}Rule with priority 1 must specify targetStorageClass for action type transition.`,
  ],
  [
    'expire with a target',
    policy([{ ...expireUntagged, action: { type: 'expire', targetStorageClass: 'archive' } }]),
    `${RULE}targetStorageClass is only allowed with action type transition (rule with priority 1).`,
  ],
  [
    'sinceImageTransitioned on standard images',
    policy([withSelection({ tagStatus: 'any', countType: 'sinceImageTransitioned', countUnit: 'days', countNumber: 120 })]),
    `${RULE}countType sinceImageTransitioned requires storageClass archive (rule with priority 1).`,
  ],
  [
    'archive with sinceImagePushed',
    policy([
      withSelection({ tagStatus: 'any', storageClass: 'archive', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 120 }),
    ]),
    `${RULE}storageClass archive can only be selected with countType sinceImageTransitioned (rule with priority 1).`,
  ],
  [
    'expire on last pull',
    policy([withSelection({ tagStatus: 'any', countType: 'sinceImagePulled', countUnit: 'days', countNumber: 30 })]),
    `${RULE}countType sinceImagePulled is only supported with action type transition (rule with priority 1).`,
  ],
  [
    'expire archived images after 30 days',
    policy([
      withSelection({ tagStatus: 'any', storageClass: 'archive', countType: 'sinceImageTransitioned', countUnit: 'days', countNumber: 30 }),
    ]),
    `${RULE}Archived images must stay archived at least 90 days; countNumber 30 of rule with priority 1 is too low.`,
  ],
];

/** Policies ECR accepts (the user guide's examples and the archive ones). */
const ACCEPTED: [string, string][] = [
  [
    'untagged older than 14 days',
    policy([
      withSelection(
        { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14 },
        { description: 'Expire images older than 14 days' },
      ),
    ]),
  ],
  [
    'prefix lists, two rules',
    policy([
      withSelection({ tagStatus: 'tagged', tagPrefixList: ['prod'], countType: 'imageCountMoreThan', countNumber: 1 }),
      withSelection({ tagStatus: 'tagged', tagPrefixList: ['beta'], countType: 'imageCountMoreThan', countNumber: 1 }, { rulePriority: 2 }),
    ]),
  ],
  [
    'four wildcards',
    policy([
      withSelection({
        tagStatus: 'tagged',
        tagPatternList: ['*test*1*2*3', 'test*1*2*3*'],
        countType: 'imageCountMoreThan',
        countNumber: 1,
      }),
    ]),
  ],
  [
    'archive after 30 days without a pull, expire 90 days later',
    policy([
      {
        rulePriority: 1,
        selection: { tagStatus: 'any', countType: 'sinceImagePulled', countUnit: 'days', countNumber: 30 },
        action: { type: 'transition', targetStorageClass: 'archive' },
      },
      {
        rulePriority: 2,
        selection: { tagStatus: 'any', storageClass: 'archive', countType: 'sinceImageTransitioned', countUnit: 'days', countNumber: 90 },
        action: { type: 'expire' },
      },
    ]),
  ],
  [
    'an any rule last, per storage class',
    policy([
      withSelection({ tagStatus: 'tagged', tagPrefixList: ['v'], countType: 'imageCountMoreThan', countNumber: 9 }),
      withSelection({ tagStatus: 'any', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 30 }, { rulePriority: 5 }),
      {
        rulePriority: 3,
        selection: { tagStatus: 'any', storageClass: 'archive', countType: 'sinceImageTransitioned', countUnit: 'days', countNumber: 365 },
        action: { type: 'expire' },
      },
    ]),
  ],
];

test('PutLifecyclePolicy refuses each invalid policy with ECR message, and stores nothing', async (t) => {
  await using f = await startEcr({ auth: 'none' });
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'lc/valid' }));
  for (const [what, text, message] of REFUSED) {
    const err = await t.throwsAsync(
      f.ecr.send(new PutLifecyclePolicyCommand({ repositoryName: 'lc/valid', lifecyclePolicyText: text })),
      undefined,
      what,
    );
    t.is(err?.name, 'InvalidParameterException', what);
    t.is(err?.message, message, what);
  }
  t.is(
    (await t.throwsAsync(f.ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'lc/valid' }))))?.name,
    'LifecyclePolicyNotFoundException',
  );
  t.false([...f.emu.events()].some((e) => e.type === 'LifecyclePolicyPut'));
});

test('PutLifecyclePolicy accepts the policies ECR documents', async (t) => {
  await using f = await startEcr({ auth: 'none' });
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'lc/valid' }));
  for (const [what, text] of ACCEPTED) {
    await f.ecr.send(new PutLifecyclePolicyCommand({ repositoryName: 'lc/valid', lifecyclePolicyText: text }));
    t.is((await f.ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'lc/valid' }))).lifecyclePolicyText, text, what);
  }
});

test('the policy text length is the model constraint of LifecyclePolicyText (100 to 30,720 characters)', async (t) => {
  await using f = await startEcr({ auth: 'none' });
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'lc/valid' }));
  const short = '{"rules": []}';
  const err = await t.throwsAsync(f.ecr.send(new PutLifecyclePolicyCommand({ repositoryName: 'lc/valid', lifecyclePolicyText: short })));
  // the model lists ValidationException for PutLifecyclePolicy: AWS's framework refuses a model constraint with it
  t.is(err?.name, 'ValidationException');
  t.regex(err?.message ?? '', /lifecyclePolicyText.*length greater than or equal to 100/);
  const long = policy([expireUntagged], { description: 'x'.repeat(30720) });
  const tooLong = await t.throwsAsync(f.ecr.send(new PutLifecyclePolicyCommand({ repositoryName: 'lc/valid', lifecyclePolicyText: long })));
  t.regex(tooLong?.message ?? '', /length less than or equal to 30720/);
});

test('StartLifecyclePolicyPreview validates a given policy the same way', async (t) => {
  await using f = await startEcr({ auth: 'none' });
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'lc/valid' }));
  for (const [what, text, message] of REFUSED.slice(0, 4).concat(REFUSED.slice(-4))) {
    const err = await t.throwsAsync(
      f.ecr.send(new StartLifecyclePolicyPreviewCommand({ repositoryName: 'lc/valid', lifecyclePolicyText: text })),
    );
    t.is(err?.message, message, what);
  }
});

test('repository creation templates: the same validator, an empty policy accepted as none, applied on push', async (t) => {
  await using f = await startEcr({ auth: 'none' });
  // compact JSON: the template's lifecyclePolicy has no 100-character minimum
  const short = JSON.stringify({ rules: [expireUntagged] });
  const created = await f.ecr.send(
    new CreateRepositoryCreationTemplateCommand({ prefix: 'pushed', appliedFor: ['CREATE_ON_PUSH'], lifecyclePolicy: short }),
  );
  t.is(created.repositoryCreationTemplate?.lifecyclePolicy, short);
  await f.ecr.send(new CreateRepositoryCreationTemplateCommand({ prefix: 'bare', appliedFor: ['CREATE_ON_PUSH'], lifecyclePolicy: '' }));
  await new RegistryDriver(f.emu.endpoint).pushImage('bare/app', 'v1', 'no policy\n');
  t.is(
    (await t.throwsAsync(f.ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'bare/app' }))))?.name,
    'LifecyclePolicyNotFoundException',
    'an empty template policy puts none',
  );
  for (const [what, text, message] of REFUSED) {
    const err = await t.throwsAsync(
      f.ecr.send(new CreateRepositoryCreationTemplateCommand({ prefix: 'other', appliedFor: ['CREATE_ON_PUSH'], lifecyclePolicy: text })),
      undefined,
      what,
    );
    t.is(err?.name, 'InvalidParameterException', what);
    t.is(err?.message, message.replace("'LifecyclePolicyText'", "'lifecyclePolicy'"), what);
  }
  const update = await t.throwsAsync(
    f.ecr.send(new UpdateRepositoryCreationTemplateCommand({ prefix: 'pushed', lifecyclePolicy: REFUSED.at(-1)![1] })),
  );
  t.is(update?.message, REFUSED.at(-1)![2]);
  const described = await f.ecr.send(new DescribeRepositoryCreationTemplatesCommand({ prefixes: ['pushed'] }));
  t.is(described.repositoryCreationTemplates?.[0]?.lifecyclePolicy, short, 'the refused update changed nothing');

  await new RegistryDriver(f.emu.endpoint).pushImage('pushed/app', 'v1', 'created on push\n');
  const got = await f.ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'pushed/app' }));
  t.is(got.lifecyclePolicyText, short, 'the template put its lifecycle policy on the repository it created');
});

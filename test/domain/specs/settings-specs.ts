/** The ECR-only commands: repository settings, registry settings, templates (src/domain/settings/settings-decide.ts). */
import type { settingsDeciders } from '../../../src/domain/settings/settings-decide.ts';
import { MAX_RESOURCE_TAGS } from '../../../src/domain/settings/settings-decide.ts';
import { settingsEvents as ev } from '../../../src/domain/settings/settings-event-factories.ts';
import { given, then, when, type SpecsFor } from '../given-when-then.ts';
import { at, created, image, inRepo, layer, scope, template, templateCreated, withImage } from './decider-fixtures.ts';

const reg = { account: scope.account, region: scope.region };
const west = { account: scope.account, region: 'us-west-2' };
const tagged = (...keys: string[]) => ev.RepositoryTagged({ ...at, tags: keys.map((Key) => ({ Key, Value: 'v' })) });
/** A repository policy (IAM grammar: no Resource) and a registry policy (with Resource). */
const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 'ecr:BatchGetImage' }] });
const registryPolicy = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::123456789012:root' },
      Action: ['ecr:ReplicateImage', 'ecr:CreateRepository'],
      Resource: ['arn:aws:ecr:us-east-1:000000000000:repository/*'],
    },
  ],
});
const principal = 'arn:aws:iam::000000000000:role/ci';
const rules = [{ signingProfileArn: 'arn:aws:signer:us-east-1:000000000000:/signing-profiles/p' }];

export const settingsSpecs: SpecsFor<typeof settingsDeciders> = {
  TagRepository: {
    'tags are RepositoryTagged': (t) =>
      then(t, when(given([created()]), { type: 'TagRepository', ...inRepo, tags: [{ Key: 'team', Value: 'blue' }] }), [
        ev.RepositoryTagged({ ...at, tags: [{ Key: 'team', Value: 'blue' }] }),
      ]),
    'a key given twice in one request keeps its last value': (t) =>
      then(
        t,
        when(given([created()]), {
          type: 'TagRepository',
          ...inRepo,
          tags: [
            { Key: 'team', Value: 'blue' },
            { Key: 'team', Value: 'green' },
          ],
        }),
        [ev.RepositoryTagged({ ...at, tags: [{ Key: 'team', Value: 'green' }] })],
      ),
    "a key starting with 'aws:' is InvalidTagParameter": (t) =>
      then(
        t,
        when(given([created()]), { type: 'TagRepository', ...inRepo, tags: [{ Key: 'AWS:owner', Value: 'x' }] }),
        'InvalidTagParameter',
      ),
    'more than 50 distinct keys is TooManyTags; keys set again do not count twice': (t) => {
      const keys = Array.from({ length: MAX_RESOURCE_TAGS }, (_, i) => `k${i}`);
      const full = given([created(), tagged(...keys)]);
      then(t, when(full, { type: 'TagRepository', ...inRepo, tags: [{ Key: 'one-more', Value: 'v' }] }), 'TooManyTags');
      then(t, when(full, { type: 'TagRepository', ...inRepo, tags: [{ Key: 'k0', Value: 'new' }] }), [
        ev.RepositoryTagged({ ...at, tags: [{ Key: 'k0', Value: 'new' }] }),
      ]);
    },
    'a missing repository is RepositoryNotFound': (t) =>
      then(t, when(given([]), { type: 'TagRepository', ...inRepo, tags: [] }), 'RepositoryNotFound'),
  },

  UntagRepository: {
    'the keys the repository has are RepositoryUntagged; the others are ignored': (t) =>
      then(t, when(given([created(), tagged('a', 'b')]), { type: 'UntagRepository', ...inRepo, tagKeys: ['b', 'zz'] }), [
        ev.RepositoryUntagged({ ...at, tagKeys: ['b'] }),
      ]),
    'no key the repository has changes nothing': (t) =>
      then(t, when(given([created(), tagged('a')]), { type: 'UntagRepository', ...inRepo, tagKeys: ['zz'] }), []),
    'a missing repository is RepositoryNotFound': (t) =>
      then(t, when(given([]), { type: 'UntagRepository', ...inRepo, tagKeys: ['a'] }), 'RepositoryNotFound'),
  },

  PutImageTagMutability: {
    'the mutability and its exclusion filters are ImageTagMutabilityPut': (t) => {
      const filters = [{ filterType: 'WILDCARD', filter: 'dev-*' }];
      then(
        t,
        when(given([created()]), {
          type: 'PutImageTagMutability',
          ...inRepo,
          imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
          imageTagMutabilityExclusionFilters: filters,
        }),
        [ev.ImageTagMutabilityPut({ ...at, imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION', imageTagMutabilityExclusionFilters: filters })],
      );
    },
    'a missing repository is RepositoryNotFound': (t) =>
      then(
        t,
        when(given([]), {
          type: 'PutImageTagMutability',
          ...inRepo,
          imageTagMutability: 'MUTABLE',
          imageTagMutabilityExclusionFilters: [],
        }),
        'RepositoryNotFound',
      ),
  },

  PutImageScanningConfiguration: {
    'scan on push is ImageScanningConfigurationPut': (t) =>
      then(t, when(given([created()]), { type: 'PutImageScanningConfiguration', ...inRepo, scanOnPush: true }), [
        ev.ImageScanningConfigurationPut({ ...at, scanOnPush: true }),
      ]),
    'a missing repository is RepositoryNotFound': (t) =>
      then(t, when(given([]), { type: 'PutImageScanningConfiguration', ...inRepo, scanOnPush: true }), 'RepositoryNotFound'),
  },

  SetRepositoryPolicy: {
    'a policy is RepositoryPolicySet, as given': (t) =>
      then(t, when(given([created()]), { type: 'SetRepositoryPolicy', ...inRepo, policyText: policy }), [
        ev.RepositoryPolicySet({ ...at, policyText: policy }),
      ]),
    'a document outside the IAM grammar (here: a Resource in a repository policy) is InvalidParameter': (t) => {
      const withResource = JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: '*', Action: 'ecr:BatchGetImage', Resource: '*' }],
      });
      then(t, when(given([created()]), { type: 'SetRepositoryPolicy', ...inRepo, policyText: withResource }), 'InvalidParameter');
    },
    'a missing repository is RepositoryNotFound': (t) =>
      then(t, when(given([]), { type: 'SetRepositoryPolicy', ...inRepo, policyText: policy }), 'RepositoryNotFound'),
  },

  DeleteRepositoryPolicy: {
    'a policy set is RepositoryPolicyDeleted': (t) =>
      then(
        t,
        when(given([created(), ev.RepositoryPolicySet({ ...at, policyText: policy })]), { type: 'DeleteRepositoryPolicy', ...inRepo }),
        [ev.RepositoryPolicyDeleted(at)],
      ),
    'no policy is RepositoryPolicyNotFound; a missing repository RepositoryNotFound': (t) => {
      then(t, when(given([created()]), { type: 'DeleteRepositoryPolicy', ...inRepo }), 'RepositoryPolicyNotFound');
      then(t, when(given([]), { type: 'DeleteRepositoryPolicy', ...inRepo }), 'RepositoryNotFound');
    },
  },

  PutRegistryPolicy: {
    'a registry policy is RegistryPolicyPut, with or without one before': (t) => {
      then(t, when(given([]), { type: 'PutRegistryPolicy', scope, policyText: registryPolicy }), [
        ev.RegistryPolicyPut({ ...reg, policyText: registryPolicy }),
      ]);
      then(
        t,
        when(given([ev.RegistryPolicyPut({ ...reg, policyText: registryPolicy })]), {
          type: 'PutRegistryPolicy',
          scope,
          policyText: registryPolicy,
        }),
        [ev.RegistryPolicyPut({ ...reg, policyText: registryPolicy })],
      );
    },
    'a registry policy without Resource is InvalidParameter': (t) =>
      then(t, when(given([]), { type: 'PutRegistryPolicy', scope, policyText: policy }), 'InvalidParameter'),
  },

  DeleteRegistryPolicy: {
    'a registry policy put is RegistryPolicyDeleted': (t) =>
      then(t, when(given([ev.RegistryPolicyPut({ ...reg, policyText: registryPolicy })]), { type: 'DeleteRegistryPolicy', scope }), [
        ev.RegistryPolicyDeleted(reg),
      ]),
    "no policy in this registry is RegistryPolicyNotFound (another region's does not count)": (t) =>
      then(
        t,
        when(given([ev.RegistryPolicyPut({ ...west, policyText: registryPolicy })]), { type: 'DeleteRegistryPolicy', scope }),
        'RegistryPolicyNotFound',
      ),
  },

  PutAccountSetting: {
    'a known setting with an allowed value is AccountSettingPut': (t) =>
      then(t, when(given([]), { type: 'PutAccountSetting', scope, name: 'BLOB_MOUNTING', value: 'DISABLED' }), [
        ev.AccountSettingPut({ ...reg, name: 'BLOB_MOUNTING', value: 'DISABLED' }),
      ]),
    'an unknown name or a value the setting does not take is Validation': (t) => {
      then(t, when(given([]), { type: 'PutAccountSetting', scope, name: 'NOPE', value: 'V2' }), 'Validation');
      then(t, when(given([]), { type: 'PutAccountSetting', scope, name: 'REGISTRY_POLICY_SCOPE', value: 'V9' }), 'Validation');
    },
  },

  PutRegistryScanningConfiguration: {
    'the scan type and rules are RegistryScanningConfigurationPut': (t) => {
      const scanRules = [{ scanFrequency: 'SCAN_ON_PUSH', repositoryFilters: [{ filter: 'prod-*', filterType: 'WILDCARD' }] }];
      then(t, when(given([]), { type: 'PutRegistryScanningConfiguration', scope, scanType: 'ENHANCED', rules: scanRules }), [
        ev.RegistryScanningConfigurationPut({ ...reg, scanType: 'ENHANCED', rules: scanRules }),
      ]);
    },
  },

  PutSigningConfiguration: {
    'the signing rules are SigningConfigurationPut': (t) =>
      then(t, when(given([]), { type: 'PutSigningConfiguration', scope, rules }), [ev.SigningConfigurationPut({ ...reg, rules })]),
  },

  DeleteSigningConfiguration: {
    'a signing configuration put is SigningConfigurationDeleted': (t) =>
      then(t, when(given([ev.SigningConfigurationPut({ ...reg, rules })]), { type: 'DeleteSigningConfiguration', scope }), [
        ev.SigningConfigurationDeleted(reg),
      ]),
    'none is SigningConfigurationNotFound': (t) =>
      then(t, when(given([]), { type: 'DeleteSigningConfiguration', scope }), 'SigningConfigurationNotFound'),
  },

  RegisterPullTimeUpdateExclusion: {
    'a principal is PullTimeUpdateExclusionRegistered': (t) =>
      then(t, when(given([]), { type: 'RegisterPullTimeUpdateExclusion', scope, principalArn: principal }), [
        ev.PullTimeUpdateExclusionRegistered({ ...reg, principalArn: principal }),
      ]),
    'a principal already excluded is ExclusionAlreadyExists': (t) =>
      then(
        t,
        when(given([ev.PullTimeUpdateExclusionRegistered({ ...reg, principalArn: principal })]), {
          type: 'RegisterPullTimeUpdateExclusion',
          scope,
          principalArn: principal,
        }),
        'ExclusionAlreadyExists',
      ),
  },

  DeregisterPullTimeUpdateExclusion: {
    'an excluded principal is PullTimeUpdateExclusionDeregistered': (t) =>
      then(
        t,
        when(given([ev.PullTimeUpdateExclusionRegistered({ ...reg, principalArn: principal })]), {
          type: 'DeregisterPullTimeUpdateExclusion',
          scope,
          principalArn: principal,
        }),
        [ev.PullTimeUpdateExclusionDeregistered({ ...reg, principalArn: principal })],
      ),
    'a principal not excluded (or no longer) is ExclusionNotFound': (t) => {
      then(t, when(given([]), { type: 'DeregisterPullTimeUpdateExclusion', scope, principalArn: principal }), 'ExclusionNotFound');
      const gone = [
        ev.PullTimeUpdateExclusionRegistered({ ...reg, principalArn: principal }),
        ev.PullTimeUpdateExclusionDeregistered({ ...reg, principalArn: principal }),
      ];
      then(t, when(given(gone), { type: 'DeregisterPullTimeUpdateExclusion', scope, principalArn: principal }), 'ExclusionNotFound');
    },
  },

  CreateRepositoryCreationTemplate: {
    'a template is RepositoryCreationTemplateCreated': (t) =>
      then(t, when(given([]), { type: 'CreateRepositoryCreationTemplate', scope, template: template('team') }), [
        templateCreated(template('team')),
      ]),
    'a repository policy outside the IAM grammar is InvalidParameter': (t) =>
      then(
        t,
        when(given([]), {
          type: 'CreateRepositoryCreationTemplate',
          scope,
          template: template('team', { repositoryPolicy: registryPolicy }),
        }),
        'InvalidParameter',
      ),
    'a lifecycle policy that does not validate is InvalidParameter (an empty one means none)': (t) => {
      const bad = template('team', { lifecyclePolicy: '{"rules": []}' });
      then(t, when(given([]), { type: 'CreateRepositoryCreationTemplate', scope, template: bad }), 'InvalidParameter');
      const none = template('team', { lifecyclePolicy: '' });
      then(t, when(given([]), { type: 'CreateRepositoryCreationTemplate', scope, template: none }), [templateCreated(none)]);
    },
    'a prefix taken is TemplateAlreadyExists': (t) =>
      then(
        t,
        when(given([templateCreated(template('team'))]), { type: 'CreateRepositoryCreationTemplate', scope, template: template('team') }),
        'TemplateAlreadyExists',
      ),
  },

  UpdateRepositoryCreationTemplate: {
    'the fields given replace the ones of the template, the others stay: RepositoryCreationTemplateUpdated': (t) => {
      const before = template('team', { description: 'old', repositoryPolicy: policy });
      then(
        t,
        when(given([templateCreated(before)]), {
          type: 'UpdateRepositoryCreationTemplate',
          scope,
          prefix: 'team',
          changes: { description: 'new', imageTagMutability: 'IMMUTABLE', encryptionType: undefined },
        }),
        [ev.RepositoryCreationTemplateUpdated({ ...reg, template: { ...before, description: 'new', imageTagMutability: 'IMMUTABLE' } })],
      );
    },
    'an unknown prefix is TemplateNotFound; a lifecycle policy that does not validate InvalidParameter': (t) => {
      then(t, when(given([]), { type: 'UpdateRepositoryCreationTemplate', scope, prefix: 'team', changes: {} }), 'TemplateNotFound');
      then(
        t,
        when(given([templateCreated(template('team'))]), {
          type: 'UpdateRepositoryCreationTemplate',
          scope,
          prefix: 'team',
          changes: { lifecyclePolicy: '{"rules": []}' },
        }),
        'InvalidParameter',
      );
    },
  },

  DeleteRepositoryCreationTemplate: {
    'a template is RepositoryCreationTemplateDeleted': (t) =>
      then(t, when(given([templateCreated(template('team'))]), { type: 'DeleteRepositoryCreationTemplate', scope, prefix: 'team' }), [
        ev.RepositoryCreationTemplateDeleted({ ...reg, prefix: 'team' }),
      ]),
    'an unknown prefix is TemplateNotFound': (t) =>
      then(t, when(given([]), { type: 'DeleteRepositoryCreationTemplate', scope, prefix: 'team' }), 'TemplateNotFound'),
  },

  UpdateImageStorageClass: {
    'a new storage class of an image is ImageStorageClassChanged': (t) =>
      then(t, when(given(withImage()), { type: 'UpdateImageStorageClass', ...inRepo, digest: image().digest, storageClass: 'ARCHIVE' }), [
        ev.ImageStorageClassChanged({ ...at, digest: image().digest, storageClass: 'ARCHIVE' }),
      ]),
    'the class the image has already changes nothing': (t) =>
      then(
        t,
        when(given(withImage()), { type: 'UpdateImageStorageClass', ...inRepo, digest: image().digest, storageClass: 'STANDARD' }),
        [],
      ),
    'an unknown image is ImageNotFound; a missing repository RepositoryNotFound': (t) => {
      then(
        t,
        when(given(withImage()), { type: 'UpdateImageStorageClass', ...inRepo, digest: layer, storageClass: 'ARCHIVE' }),
        'ImageNotFound',
      );
      then(
        t,
        when(given([]), { type: 'UpdateImageStorageClass', ...inRepo, digest: layer, storageClass: 'ARCHIVE' }),
        'RepositoryNotFound',
      );
    },
  },
};

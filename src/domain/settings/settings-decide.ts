/** decide() for the ECR-only commands (policies, resource tags, registry settings, templates). Pure, like ../decide.ts. */
import { isError, no, ok, refOf, regOf, registrySettings as registry, requireRepository, type DeciderTable } from '../decision.ts';
import { domainError, type DomainError } from '../errors.ts';
import { scansOnConfiguration } from '../scanning/scanning-decide.ts';
import type { SettingsCommand } from './settings-commands.ts';
import { settingsEvents as ev } from './settings-event-factories.ts';
import { lifecyclePolicyError } from '../lifecycle/lifecycle-decide.ts';
import { invalidPolicyMessage, policyProblem, type PolicyRules } from '../policies/iam-policy.ts';
import { accountSetting } from './account-settings.ts';
import { mergeTags, tagProblem } from './resource-tags.ts';

export { MAX_RESOURCE_TAGS } from './resource-tags.ts';

/** The values each account setting accepts. */
export const ACCOUNT_SETTING_VALUES: Readonly<Record<string, readonly string[]>> = {
  BASIC_SCAN_TYPE_VERSION: ['AWS_NATIVE', 'CLAIR'],
  REGISTRY_POLICY_SCOPE: ['V1', 'V2'],
  BLOB_MOUNTING: ['ENABLED', 'DISABLED'],
};

/** A template's lifecycle policy is checked like PutLifecyclePolicy's (an empty one means none). */
const templateLifecyclePolicyError = (text: string | undefined): DomainError | undefined =>
  text === undefined || text === '' ? undefined : lifecyclePolicyError(text, 'lifecyclePolicy');
/** ECR's refusal of a policy document that breaks the IAM grammar (the reason rides along as detail). */
function invalidPolicy(text: string, rules: PolicyRules, field = 'PolicyText'): DomainError | undefined {
  const reason = policyProblem(text, rules);
  return reason === undefined ? undefined : domainError('InvalidParameter', invalidPolicyMessage(rules.kind, field), { reason });
}

const templateNotFound = (prefix: string): DomainError =>
  domainError('TemplateNotFound', `The repository creation template with prefix '${prefix}' does not exist`);

export const settingsDeciders: DeciderTable<SettingsCommand> = {
  TagRepository(state, c) {
    const repo = requireRepository(state, c.scope, c.repository);
    if (isError(repo)) return no(repo);
    const problem = tagProblem(repo.settings.resourceTags, c.tags);
    if (problem) return no(problem);
    // a key given twice in one request: the last value wins (evolve replaces by key)
    return ok(ev.RepositoryTagged({ tags: mergeTags([], c.tags), ...refOf(c.scope, c.repository) }));
  },

  UntagRepository(state, c) {
    const repo = requireRepository(state, c.scope, c.repository);
    if (isError(repo)) return no(repo);
    const present = c.tagKeys.filter((k) => repo.settings.resourceTags.some((t) => t.Key === k));
    if (present.length === 0) return ok();
    return ok(ev.RepositoryUntagged({ tagKeys: present, ...refOf(c.scope, c.repository) }));
  },

  PutImageTagMutability(state, c) {
    const repo = requireRepository(state, c.scope, c.repository);
    if (isError(repo)) return no(repo);
    return ok(
      ev.ImageTagMutabilityPut({
        imageTagMutability: c.imageTagMutability,
        imageTagMutabilityExclusionFilters: c.imageTagMutabilityExclusionFilters,
        ...refOf(c.scope, c.repository),
      }),
    );
  },

  PutImageScanningConfiguration(state, c) {
    const repo = requireRepository(state, c.scope, c.repository);
    if (isError(repo)) return no(repo);
    return ok(ev.ImageScanningConfigurationPut({ scanOnPush: c.scanOnPush, ...refOf(c.scope, c.repository) }));
  },

  SetRepositoryPolicy(state, c) {
    const repo = requireRepository(state, c.scope, c.repository);
    if (isError(repo)) return no(repo);
    const invalid = invalidPolicy(c.policyText, { kind: 'repository' });
    if (invalid) return no(invalid);
    return ok(ev.RepositoryPolicySet({ policyText: c.policyText, ...refOf(c.scope, c.repository) }));
  },

  DeleteRepositoryPolicy(state, c) {
    const repo = requireRepository(state, c.scope, c.repository);
    if (isError(repo)) return no(repo);
    if (repo.settings.policyText === undefined)
      return no(
        domainError(
          'RepositoryPolicyNotFound',
          `Repository policy does not exist for the repository with name '${c.repository}' in the registry with id '${c.scope.account}'`,
        ),
      );
    return ok(ev.RepositoryPolicyDeleted(refOf(c.scope, c.repository)));
  },

  PutRegistryPolicy(state, c) {
    const scope = accountSetting(state, c.scope, 'REGISTRY_POLICY_SCOPE');
    const invalid = invalidPolicy(c.policyText, { kind: 'registry', ...(scope !== undefined ? { registryPolicyScope: scope } : {}) });
    if (invalid) return no(invalid);
    return ok(ev.RegistryPolicyPut({ policyText: c.policyText, ...regOf(c.scope) }));
  },

  DeleteRegistryPolicy(state, c) {
    if (registry(state, c.scope).policyText === undefined)
      return no(domainError('RegistryPolicyNotFound', `Registry policy does not exist in the registry with id '${c.scope.account}'`));
    return ok(ev.RegistryPolicyDeleted(regOf(c.scope)));
  },

  PutAccountSetting(_state, c) {
    const allowed = ACCOUNT_SETTING_VALUES[c.name];
    if (!allowed)
      return no(
        domainError(
          'Validation',
          `Invalid account setting name '${c.name}'; valid names: ${Object.keys(ACCOUNT_SETTING_VALUES).join(', ')}`,
        ),
      );
    if (!allowed.includes(c.value))
      return no(
        domainError('Validation', `Invalid value '${c.value}' for account setting '${c.name}'; valid values: ${allowed.join(', ')}`),
      );
    return ok(ev.AccountSettingPut({ name: c.name, value: c.value, ...regOf(c.scope) }));
  },

  PutRegistryScanningConfiguration: (state, c, ctx) =>
    ok(
      ev.RegistryScanningConfigurationPut({ scanType: c.scanType, rules: c.rules, ...regOf(c.scope) }),
      // images of repositories that come under ENHANCED scanning are scanned at once
      ...scansOnConfiguration(state, c.scope, { scanType: c.scanType === 'ENHANCED' ? 'ENHANCED' : 'BASIC', rules: c.rules }, ctx.now),
    ),

  PutSigningConfiguration: (_state, c) => ok(ev.SigningConfigurationPut({ rules: c.rules, ...regOf(c.scope) })),

  DeleteSigningConfiguration(state, c) {
    if (!registry(state, c.scope).signing)
      return no(
        domainError('SigningConfigurationNotFound', `Signing configuration does not exist in the registry with id '${c.scope.account}'`),
      );
    return ok(ev.SigningConfigurationDeleted(regOf(c.scope)));
  },

  RegisterPullTimeUpdateExclusion(state, c) {
    if (registry(state, c.scope).pullTimeUpdateExclusions?.includes(c.principalArn))
      return no(domainError('ExclusionAlreadyExists', `The principal '${c.principalArn}' is already excluded from pull time updates`));
    return ok(ev.PullTimeUpdateExclusionRegistered({ principalArn: c.principalArn, ...regOf(c.scope) }));
  },

  DeregisterPullTimeUpdateExclusion(state, c) {
    if (!registry(state, c.scope).pullTimeUpdateExclusions?.includes(c.principalArn))
      return no(domainError('ExclusionNotFound', `The principal '${c.principalArn}' is not excluded from pull time updates`));
    return ok(ev.PullTimeUpdateExclusionDeregistered({ principalArn: c.principalArn, ...regOf(c.scope) }));
  },

  CreateRepositoryCreationTemplate(state, c) {
    const invalid = templateLifecyclePolicyError(c.template.lifecyclePolicy);
    if (invalid) return no(invalid);
    if (registry(state, c.scope).templates?.[c.template.prefix])
      return no(domainError('TemplateAlreadyExists', `A repository creation template with prefix '${c.template.prefix}' already exists`));
    const tags = tagProblem([], c.template.resourceTags);
    if (tags) return no(tags);
    const policy = c.template.repositoryPolicy
      ? invalidPolicy(c.template.repositoryPolicy, { kind: 'repository' }, 'repositoryPolicy')
      : undefined;
    if (policy) return no(policy);
    const template = { ...c.template, resourceTags: mergeTags([], c.template.resourceTags) };
    return ok(ev.RepositoryCreationTemplateCreated({ template, ...regOf(c.scope) }));
  },

  UpdateRepositoryCreationTemplate(state, c) {
    const invalid = templateLifecyclePolicyError(c.changes.lifecyclePolicy);
    if (invalid) return no(invalid);
    const current = registry(state, c.scope).templates?.[c.prefix];
    if (!current) return no(templateNotFound(c.prefix));
    const { createdAt: _c, updatedAt: _u, ...template } = current;
    const policy = c.changes.repositoryPolicy
      ? invalidPolicy(c.changes.repositoryPolicy, { kind: 'repository' }, 'repositoryPolicy')
      : undefined;
    if (policy) return no(policy);
    if (c.changes.resourceTags) {
      const tags = tagProblem([], c.changes.resourceTags);
      if (tags) return no(tags);
    }
    const changes = Object.fromEntries(
      Object.entries({ ...c.changes, resourceTags: c.changes.resourceTags && mergeTags([], c.changes.resourceTags) }).filter(
        ([, v]) => v !== undefined,
      ),
    );
    return ok(ev.RepositoryCreationTemplateUpdated({ template: { ...template, ...changes, prefix: c.prefix }, ...regOf(c.scope) }));
  },

  DeleteRepositoryCreationTemplate(state, c) {
    if (!registry(state, c.scope).templates?.[c.prefix]) return no(templateNotFound(c.prefix));
    return ok(ev.RepositoryCreationTemplateDeleted({ prefix: c.prefix, ...regOf(c.scope) }));
  },

  UpdateImageStorageClass(state, c) {
    const repo = requireRepository(state, c.scope, c.repository);
    if (isError(repo)) return no(repo);
    const image = repo.images.get(c.digest);
    if (!image)
      return no(
        domainError(
          'ImageNotFound',
          `The image with imageId {imageDigest:'${c.digest}'} does not exist within the repository with name '${c.repository}' in the registry with id '${c.scope.account}'`,
        ),
      );
    if (image.storageClass === c.storageClass) return ok();
    return ok(ev.ImageStorageClassChanged({ digest: c.digest, storageClass: c.storageClass, ...refOf(c.scope, c.repository) }));
  },
};

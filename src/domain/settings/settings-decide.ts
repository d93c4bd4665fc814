/** decide() for the ECR-only commands. Pure, like ../decide.ts. */
import type { DecideContext } from '../commands.ts';
import type { Decision } from '../decide.ts';
import { domainError, type DomainError } from '../errors.ts';
import type { DomainEvent } from '../events.ts';
import { repoKey, scopeKey, type RegistryScope } from '../scope.ts';
import type { RegistryState, Repository } from '../state.ts';
import type { SettingsCommand } from './settings-commands.ts';
import { settingsEvents as ev } from './settings-event-factories.ts';
import { invalidPolicyMessage, policyProblem, type PolicyRules } from '../policies/iam-policy.ts';
import { accountSetting } from './account-settings.ts';
import { mergeTags, tagProblem } from './resource-tags.ts';
import type { RegistrySettings } from './settings-state.ts';

export { MAX_RESOURCE_TAGS } from './resource-tags.ts';

/** The values each account setting accepts. */
export const ACCOUNT_SETTING_VALUES: Readonly<Record<string, readonly string[]>> = {
  BASIC_SCAN_TYPE_VERSION: ['AWS_NATIVE', 'CLAIR'],
  REGISTRY_POLICY_SCOPE: ['V1', 'V2'],
  BLOB_MOUNTING: ['ENABLED', 'DISABLED'],
};

const ok = (...events: DomainEvent[]): Decision => ({ ok: true, events });
const no = (error: DomainError): Decision => ({ ok: false, error });

const regOf = (s: RegistryScope) => ({ account: s.account, region: s.region });
const refOf = (s: RegistryScope, repository: string) => ({ account: s.account, region: s.region, repository });

function repoOrError(state: RegistryState, scope: RegistryScope, name: string): Repository | DomainError {
  return (
    state.repos.get(repoKey(scope, name)) ??
    domainError('RepositoryNotFound', `The repository with name '${name}' does not exist in the registry with id '${scope.account}'`)
  );
}

const registry = (state: RegistryState, scope: RegistryScope): RegistrySettings => state.registries.get(scopeKey(scope)) ?? {};

export function decideSettings(state: RegistryState, c: SettingsCommand, ctx: DecideContext): Decision {
  void ctx;
  switch (c.type) {
    case 'TagRepository': {
      const repo = repoOrError(state, c.scope, c.repository);
      if ('code' in repo) return no(repo);
      const problem = tagProblem(repo.settings.resourceTags, c.tags);
      if (problem) return no(problem);
      // a key given twice in one request: the last value wins (evolve replaces by key)
      return ok(ev.RepositoryTagged({ tags: mergeTags([], c.tags), ...refOf(c.scope, c.repository) }));
    }
    case 'UntagRepository': {
      const repo = repoOrError(state, c.scope, c.repository);
      if ('code' in repo) return no(repo);
      const present = c.tagKeys.filter((k) => repo.settings.resourceTags.some((t) => t.Key === k));
      if (present.length === 0) return ok();
      return ok(ev.RepositoryUntagged({ tagKeys: present, ...refOf(c.scope, c.repository) }));
    }
    case 'PutImageTagMutability': {
      const repo = repoOrError(state, c.scope, c.repository);
      if ('code' in repo) return no(repo);
      return ok(
        ev.ImageTagMutabilityPut({
          imageTagMutability: c.imageTagMutability,
          imageTagMutabilityExclusionFilters: c.imageTagMutabilityExclusionFilters,
          ...refOf(c.scope, c.repository),
        }),
      );
    }
    case 'PutImageScanningConfiguration': {
      const repo = repoOrError(state, c.scope, c.repository);
      if ('code' in repo) return no(repo);
      return ok(ev.ImageScanningConfigurationPut({ scanOnPush: c.scanOnPush, ...refOf(c.scope, c.repository) }));
    }
    case 'SetRepositoryPolicy': {
      const repo = repoOrError(state, c.scope, c.repository);
      if ('code' in repo) return no(repo);
      const invalid = invalidPolicy(c.policyText, { kind: 'repository' });
      if (invalid) return no(invalid);
      return ok(ev.RepositoryPolicySet({ policyText: c.policyText, ...refOf(c.scope, c.repository) }));
    }
    case 'DeleteRepositoryPolicy': {
      const repo = repoOrError(state, c.scope, c.repository);
      if ('code' in repo) return no(repo);
      if (repo.settings.policyText === undefined)
        return no(
          domainError(
            'RepositoryPolicyNotFound',
            `Repository policy does not exist for the repository with name '${c.repository}' in the registry with id '${c.scope.account}'`,
          ),
        );
      return ok(ev.RepositoryPolicyDeleted(refOf(c.scope, c.repository)));
    }
    case 'PutRegistryPolicy': {
      const scope = accountSetting(state, c.scope, 'REGISTRY_POLICY_SCOPE');
      const invalid = invalidPolicy(c.policyText, { kind: 'registry', ...(scope !== undefined ? { registryPolicyScope: scope } : {}) });
      if (invalid) return no(invalid);
      return ok(ev.RegistryPolicyPut({ policyText: c.policyText, ...regOf(c.scope) }));
    }
    case 'DeleteRegistryPolicy':
      if (registry(state, c.scope).policyText === undefined)
        return no(domainError('RegistryPolicyNotFound', `Registry policy does not exist in the registry with id '${c.scope.account}'`));
      return ok(ev.RegistryPolicyDeleted(regOf(c.scope)));
    case 'PutAccountSetting': {
      const allowed = ACCOUNT_SETTING_VALUES[c.name];
      if (!allowed)
        return no(domainError('Validation', `Invalid account setting name '${c.name}'; valid names: ${Object.keys(ACCOUNT_SETTING_VALUES).join(', ')}`));
      if (!allowed.includes(c.value))
        return no(domainError('Validation', `Invalid value '${c.value}' for account setting '${c.name}'; valid values: ${allowed.join(', ')}`));
      return ok(ev.AccountSettingPut({ name: c.name, value: c.value, ...regOf(c.scope) }));
    }
    case 'PutRegistryScanningConfiguration':
      return ok(ev.RegistryScanningConfigurationPut({ scanType: c.scanType, rules: c.rules, ...regOf(c.scope) }));
    case 'PutSigningConfiguration':
      return ok(ev.SigningConfigurationPut({ rules: c.rules, ...regOf(c.scope) }));
    case 'DeleteSigningConfiguration':
      if (!registry(state, c.scope).signing)
        return no(domainError('SigningConfigurationNotFound', `Signing configuration does not exist in the registry with id '${c.scope.account}'`));
      return ok(ev.SigningConfigurationDeleted(regOf(c.scope)));
    case 'RegisterPullTimeUpdateExclusion':
      if (registry(state, c.scope).pullTimeUpdateExclusions?.includes(c.principalArn))
        return no(domainError('ExclusionAlreadyExists', `The principal '${c.principalArn}' is already excluded from pull time updates`));
      return ok(ev.PullTimeUpdateExclusionRegistered({ principalArn: c.principalArn, ...regOf(c.scope) }));
    case 'DeregisterPullTimeUpdateExclusion':
      if (!registry(state, c.scope).pullTimeUpdateExclusions?.includes(c.principalArn))
        return no(domainError('ExclusionNotFound', `The principal '${c.principalArn}' is not excluded from pull time updates`));
      return ok(ev.PullTimeUpdateExclusionDeregistered({ principalArn: c.principalArn, ...regOf(c.scope) }));
    case 'CreateRepositoryCreationTemplate': {
      if (registry(state, c.scope).templates?.[c.template.prefix])
        return no(domainError('TemplateAlreadyExists', `A repository creation template with prefix '${c.template.prefix}' already exists`));
      const tags = tagProblem([], c.template.resourceTags);
      if (tags) return no(tags);
      const policy = c.template.repositoryPolicy ? invalidPolicy(c.template.repositoryPolicy, { kind: 'repository' }, 'repositoryPolicy') : undefined;
      if (policy) return no(policy);
      const template = { ...c.template, resourceTags: mergeTags([], c.template.resourceTags) };
      return ok(ev.RepositoryCreationTemplateCreated({ template, ...regOf(c.scope) }));
    }
    case 'UpdateRepositoryCreationTemplate': {
      const current = registry(state, c.scope).templates?.[c.prefix];
      if (!current) return no(templateNotFound(c.prefix));
      const { createdAt: _c, updatedAt: _u, ...template } = current;
      const policy = c.changes.repositoryPolicy ? invalidPolicy(c.changes.repositoryPolicy, { kind: 'repository' }, 'repositoryPolicy') : undefined;
      if (policy) return no(policy);
      if (c.changes.resourceTags) {
        const tags = tagProblem([], c.changes.resourceTags);
        if (tags) return no(tags);
      }
      const changes = Object.fromEntries(
        Object.entries({ ...c.changes, resourceTags: c.changes.resourceTags && mergeTags([], c.changes.resourceTags) }).filter(([, v]) => v !== undefined),
      );
      return ok(ev.RepositoryCreationTemplateUpdated({ template: { ...template, ...changes, prefix: c.prefix }, ...regOf(c.scope) }));
    }
    case 'DeleteRepositoryCreationTemplate':
      if (!registry(state, c.scope).templates?.[c.prefix]) return no(templateNotFound(c.prefix));
      return ok(ev.RepositoryCreationTemplateDeleted({ prefix: c.prefix, ...regOf(c.scope) }));
    case 'UpdateImageStorageClass': {
      const repo = repoOrError(state, c.scope, c.repository);
      if ('code' in repo) return no(repo);
      const image = repo.images.get(c.digest);
      if (!image)
        return no(domainError('ImageNotFound', `The image with imageId {imageDigest:'${c.digest}'} does not exist within the repository with name '${c.repository}' in the registry with id '${c.scope.account}'`));
      if (image.storageClass === c.storageClass) return ok();
      return ok(ev.ImageStorageClassChanged({ digest: c.digest, storageClass: c.storageClass, ...refOf(c.scope, c.repository) }));
    }
    default: {
      const never: never = c;
      throw new Error(`unknown command ${String((never as { type: string }).type)}`);
    }
  }
}

/** ECR's refusal of a policy document that breaks the IAM grammar (the reason rides along as detail). */
function invalidPolicy(text: string, rules: PolicyRules, field = 'PolicyText'): DomainError | undefined {
  const reason = policyProblem(text, rules);
  return reason === undefined ? undefined : domainError('InvalidParameter', invalidPolicyMessage(rules.kind, field), { reason });
}

const templateNotFound = (prefix: string): DomainError =>
  domainError('TemplateNotFound', `The repository creation template with prefix '${prefix}' does not exist`);

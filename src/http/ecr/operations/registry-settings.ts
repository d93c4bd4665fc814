/**
 * DescribeRegistry, Get/PutAccountSetting, Get/PutRegistryScanningConfiguration,
 * BatchGetRepositoryScanningConfiguration, Put/Get/DeleteSigningConfiguration,
 * Register/Deregister/ListPullTimeUpdateExclusions, GetAuthorizationToken.
 */
import * as v from 'valibot';
import { accountSetting } from '../../../domain/settings/account-settings.ts';
import { ACCOUNT_SETTING_VALUES } from '../../../domain/settings/settings-decide.ts';
import type { RegistrySettings } from '../../../domain/settings/settings-state.ts';
import { registryScanning, repositoryScanning } from '../../../domain/scanning/scan-policy.ts';
import { scopeKey, type RegistryScope } from '../../../domain/scope.ts';
import { paginate } from '../../../queries/ecr-pagination.ts';
import { repositoryArn } from '../../../queries/ecr-repositories.ts';
import { findRepository } from '../../../queries/repository.ts';
import { TOKEN_TTL_MS } from '../../token-auth.ts';
import { EcrError } from '../ecr-errors.ts';
import { execute, op, scopeOf, type Call } from '../operation.ts';
import { enumOf, maxResults, nextToken, registryId, repositoryName, structure } from '../shapes.ts';
import { epochSeconds } from '../../../support/time.ts';

const registry = (call: Call, scope: RegistryScope): RegistrySettings => call.deps.engine.state.registries.get(scopeKey(scope)) ?? {};

const settingName = enumOf(Object.keys(ACCOUNT_SETTING_VALUES) as [string, ...string[]]);

const repositoryFilter = structure({
  filter: v.string(),
  filterType: enumOf(['WILDCARD']),
});
const scanningRule = structure({
  scanFrequency: enumOf(['SCAN_ON_PUSH', 'CONTINUOUS_SCAN', 'MANUAL']),
  repositoryFilters: v.array(repositoryFilter),
});
const signingRule = structure({
  signingProfileArn: v.string(),
  repositoryFilters: v.optional(v.array(structure({ filter: v.string(), filterType: enumOf(['WILDCARD_MATCH']) }))),
});
const principalArn = v.string();

const DEFAULT_SCANNING = { scanType: 'BASIC', rules: [] } as const;

export const registryOperations = {
  DescribeRegistry: op(structure({}), (_i, call) => {
    const scope = scopeOf(call);
    const rules = registry(call, scope).replication?.rules ?? [];
    return {
      registryId: scope.account,
      replicationConfiguration: {
        rules: rules.map((r) => ({
          destinations: r.destinations.map((d) => ({ ...d })),
          ...(r.repositoryFilters === undefined
            ? {}
            : { repositoryFilters: r.repositoryFilters.map((f) => ({ filter: f.filter, filterType: f.filterType as 'PREFIX_MATCH' })) }),
        })),
      },
    };
  }),

  GetAccountSetting: op(structure({ name: settingName }), (i, call) => ({
    name: i.name,
    value: accountSetting(call.deps.engine.state, scopeOf(call), i.name) ?? '',
  })),

  PutAccountSetting: op(structure({ name: settingName, value: v.string() }), async (i, call) => {
    await execute(call, { type: 'PutAccountSetting', scope: scopeOf(call), name: i.name, value: i.value });
    return { name: i.name, value: i.value };
  }),

  GetRegistryScanningConfiguration: op(structure({}), (_i, call) => {
    const scope = scopeOf(call);
    const s = registry(call, scope).scanning ?? DEFAULT_SCANNING;
    return { registryId: scope.account, scanningConfiguration: wireScanning(s) };
  }),

  PutRegistryScanningConfiguration: op(
    structure({ scanType: v.optional(enumOf(['BASIC', 'ENHANCED'])), rules: v.optional(v.array(scanningRule)) }),
    async (i, call) => {
      const scope = scopeOf(call);
      const scanType = i.scanType ?? 'BASIC';
      const rules = (i.rules ?? []).map((r) => ({
        scanFrequency: r.scanFrequency,
        repositoryFilters: r.repositoryFilters.map((f) => ({ ...f })),
      }));
      await execute(call, { type: 'PutRegistryScanningConfiguration', scope, scanType, rules });
      return { registryScanningConfiguration: wireScanning({ scanType, rules }) };
    },
  ),

  BatchGetRepositoryScanningConfiguration: op(structure({ repositoryNames: v.array(repositoryName) }), (i, call) => {
    const scope = scopeOf(call);
    const config = registryScanning(call.deps.engine.state, scope);
    const scanningConfigurations = [];
    const failures = [];
    for (const name of i.repositoryNames) {
      const repo = findRepository(call.deps.engine.state, scope, name);
      if (!repo) {
        failures.push({ repositoryName: name, failureCode: 'REPOSITORY_NOT_FOUND' as const, failureReason: 'REPOSITORY_NOT_FOUND' });
        continue;
      }
      // How the repository is scanned (domain/scanning/scan-policy.ts); ENHANCED repositories no rule matches show MANUAL.
      const rs = repositoryScanning(config, name, repo.settings.scanOnPush);
      scanningConfigurations.push({
        repositoryArn: repositoryArn(repo),
        repositoryName: name,
        scanOnPush: rs.frequency === 'SCAN_ON_PUSH' || rs.frequency === 'CONTINUOUS_SCAN',
        scanFrequency: rs.frequency === 'NONE' ? ('MANUAL' as const) : rs.frequency,
        appliedScanFilters: rs.appliedFilters.map((f) => ({ filter: f.filter, filterType: 'WILDCARD' as const })),
      });
    }
    return { scanningConfigurations, failures };
  }),

  PutSigningConfiguration: op(structure({ signingConfiguration: structure({ rules: v.array(signingRule) }) }), async (i, call) => {
    const rules = i.signingConfiguration.rules.map((r) => ({
      signingProfileArn: r.signingProfileArn,
      ...(r.repositoryFilters ? { repositoryFilters: r.repositoryFilters.map((f) => ({ ...f })) } : {}),
    }));
    await execute(call, { type: 'PutSigningConfiguration', scope: scopeOf(call), rules });
    return { signingConfiguration: wireSigning(rules) };
  }),

  GetSigningConfiguration: op(structure({}), (_i, call) => {
    const scope = scopeOf(call);
    const signing = registry(call, scope).signing;
    if (!signing) throw signingNotFound(scope);
    return { registryId: scope.account, signingConfiguration: wireSigning(signing.rules) };
  }),

  DeleteSigningConfiguration: op(structure({}), async (_i, call) => {
    const scope = scopeOf(call);
    const signing = registry(call, scope).signing;
    await execute(call, { type: 'DeleteSigningConfiguration', scope });
    return { registryId: scope.account, ...(signing ? { signingConfiguration: wireSigning(signing.rules) } : {}) };
  }),

  RegisterPullTimeUpdateExclusion: op(structure({ principalArn }), async (i, call) => {
    const events = await execute(call, { type: 'RegisterPullTimeUpdateExclusion', scope: scopeOf(call), principalArn: i.principalArn });
    return { principalArn: i.principalArn, createdAt: epochSeconds(events[0]?.time ?? call.deps.clock.now()) };
  }),

  DeregisterPullTimeUpdateExclusion: op(structure({ principalArn }), async (i, call) => {
    await execute(call, { type: 'DeregisterPullTimeUpdateExclusion', scope: scopeOf(call), principalArn: i.principalArn });
    return { principalArn: i.principalArn };
  }),

  ListPullTimeUpdateExclusions: op(structure({ nextToken, maxResults: maxResults(1000) }), (i, call) => {
    const page = paginate(registry(call, scopeOf(call)).pullTimeUpdateExclusions ?? [], { ...i, defaultMax: 100, query: 'exclusions' });
    return { pullTimeUpdateExclusions: page.items, ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
  }),

  GetAuthorizationToken: op(structure({ registryIds: v.optional(v.array(v.unwrap(registryId))) }), (i, call) => {
    const expiresAt = call.deps.clock.now() + TOKEN_TTL_MS;
    const accounts = i.registryIds ?? [call.caller.scope.account];
    return {
      authorizationData: accounts.map((account) => {
        const token = call.signer.issue({ account, region: call.caller.scope.region }, expiresAt, call.deps.ids.hex(8));
        return {
          authorizationToken: Buffer.from(`AWS:${token}`).toString('base64'),
          expiresAt: epochSeconds(expiresAt),
          proxyEndpoint: `http://${call.deps.registryHost()}`,
        };
      }),
    };
  }),
};

const signingNotFound = (scope: RegistryScope) =>
  new EcrError('SigningConfigurationNotFoundException', `Signing configuration does not exist in the registry with id '${scope.account}'`);

function wireScanning(s: {
  scanType: string;
  rules: readonly { scanFrequency: string; repositoryFilters: readonly { filter: string }[] }[];
}) {
  return {
    scanType: s.scanType as 'BASIC' | 'ENHANCED',
    rules: s.rules.map((r) => ({
      scanFrequency: r.scanFrequency as 'SCAN_ON_PUSH' | 'CONTINUOUS_SCAN' | 'MANUAL',
      repositoryFilters: r.repositoryFilters.map((f) => ({ filter: f.filter, filterType: 'WILDCARD' as const })),
    })),
  };
}

function wireSigning(rules: readonly { signingProfileArn: string; repositoryFilters?: readonly { filter: string }[] }[]) {
  return {
    rules: rules.map((r) => ({
      signingProfileArn: r.signingProfileArn,
      ...(r.repositoryFilters
        ? { repositoryFilters: r.repositoryFilters.map((f) => ({ filter: f.filter, filterType: 'WILDCARD_MATCH' as const })) }
        : {}),
    })),
  };
}

/** ECR account settings that other parts of the registry consult. */
import { scopeKey, type RegistryScope } from '../scope.ts';
import type { RegistryState } from '../state.ts';
import { ACCOUNT_SETTING_DEFAULTS } from './settings-state.ts';

/** An account setting's value: the one put (PutAccountSetting), else ECR's default. */
export function accountSetting(state: RegistryState, scope: RegistryScope, name: string): string | undefined {
  return state.registries.get(scopeKey(scope))?.accountSettings?.[name] ?? ACCOUNT_SETTING_DEFAULTS[name];
}

/**
 * Whether /v2 cross-repository mounts are allowed (PutAccountSetting BLOB_MOUNTING).
 * When disabled, ECR answers a mount request with 202 and a fresh upload.
 */
export function isBlobMountingEnabled(state: RegistryState, scope: RegistryScope): boolean {
  return accountSetting(state, scope, 'BLOB_MOUNTING') !== 'DISABLED';
}

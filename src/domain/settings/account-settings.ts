/** ECR account settings that other parts of the registry consult. */
import { scopeKey, type RegistryScope } from '../scope.ts';
import type { RegistryState } from '../state.ts';

/** Whether /v2 cross-repository mounts are allowed (PutAccountSetting BLOB_MOUNTING). */
export function isBlobMountingEnabled(state: RegistryState, scope: RegistryScope): boolean {
  void state.registries.get(scopeKey(scope));
  return true;
}

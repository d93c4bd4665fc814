/** Folds the ECR-only events into the registry state (in place, like ../evolve.ts). */
import type { RecordedEvent } from '../events.ts';
import { repoKey } from '../scope.ts';
import type { RegistryState } from '../state.ts';
import type { SettingsEventMap } from './settings-events.ts';

export type SettingsRecordedEvent = Extract<RecordedEvent, { type: keyof SettingsEventMap }>;

export function evolveSettings(state: RegistryState, e: SettingsRecordedEvent): RegistryState {
  switch (e.type) {
    case 'RepositoryTagged': {
      const repo = state.repos.get(repoKey(e.data, e.data.repository));
      if (repo) repo.settings.resourceTags = e.data.tags;
      return state;
    }
    default: {
      const never: never = e.type;
      throw new Error(`unknown event type ${String(never)}`);
    }
  }
}

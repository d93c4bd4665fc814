/** One factory per ECR-only event type (fixed key order, see ../events.ts). */
import type { EventOf } from '../events.ts';
import type { SettingsEventMap } from './settings-events.ts';

export const settingsEvents = {
  RepositoryTagged: (d: SettingsEventMap['RepositoryTagged']): EventOf<'RepositoryTagged'> => ({
    type: 'RepositoryTagged',
    data: {
      account: d.account,
      region: d.region,
      repository: d.repository,
      tags: d.tags.map((t) => ({ Key: t.Key, Value: t.Value })),
    },
  }),
} as const;

/** Schema version of each ECR-only event type (bump with an upcaster, see ../upcasters.ts). */
export const SETTINGS_EVENT_VERSIONS: { [K in keyof SettingsEventMap]: number } = {
  RepositoryTagged: 1,
};

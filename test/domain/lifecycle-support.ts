/** Building registry states of given images for the lifecycle domain tests. */
import { createHash } from 'node:crypto';
import { coreEvents as ev, repositoryCreated, type DomainEvent, type RecordedEvent } from '../../src/domain/events.ts';
import { evolve } from '../../src/domain/evolve.ts';
import { settingsEvents } from '../../src/domain/settings/settings-event-factories.ts';
import { emptyState, type RegistryState } from '../../src/domain/state.ts';
import { defaultRepoSettings } from '../../src/domain/settings/settings-state.ts';

export const NOW = Date.parse('2026-03-01T00:00:00Z');
export const DAY = 24 * 60 * 60 * 1000;
export const scope = { account: '000000000000', region: 'us-east-1' };
export const ref = { ...scope, repository: 'team/app' };

export interface ImageSpec {
  name: string;
  tags?: string[];
  /** Days before NOW it was pushed. */
  pushedDaysAgo: number;
  pulledDaysAgo?: number;
  /** Days before NOW it was archived (absent: STANDARD). */
  archivedDaysAgo?: number;
  /** Names of its child images (an index). */
  children?: string[];
  /** Name of the image it refers to (a referrer). */
  subject?: string;
}

export const digestOf = (name: string): string => `sha256:${createHash('sha256').update(name).digest('hex')}`;

/** The state after creating team/app and pushing, tagging, pulling and archiving the images (times as given). */
export function stateOf(images: readonly ImageSpec[]): RegistryState {
  const timed: { time: number; event: DomainEvent }[] = [
    { time: NOW - 400 * DAY, event: repositoryCreated(ref, defaultRepoSettings(), 'api') },
  ];
  for (const i of images) {
    const pushedAt = NOW - i.pushedDaysAgo * DAY;
    const bytes = Buffer.from(`manifest of ${i.name}`);
    timed.push({
      time: pushedAt,
      event: ev.ManifestPut({
        ...ref,
        digest: digestOf(i.name),
        mediaType: i.children ? 'application/vnd.oci.image.index.v1+json' : 'application/vnd.oci.image.manifest.v1+json',
        bytes,
        size: bytes.byteLength,
        blobs: [],
        manifests: (i.children ?? []).map(digestOf),
        subject: i.subject === undefined ? null : digestOf(i.subject),
        artifactType: null,
        configMediaType: null,
      }),
    });
    for (const tag of i.tags ?? [])
      timed.push({ time: pushedAt, event: ev.TagPut({ ...ref, tag, digest: digestOf(i.name), previous: null }) });
    if (i.pulledDaysAgo !== undefined)
      timed.push({ time: NOW - i.pulledDaysAgo * DAY, event: ev.ImagePulled({ ...ref, digest: digestOf(i.name) }) });
    if (i.archivedDaysAgo !== undefined)
      timed.push({
        time: NOW - i.archivedDaysAgo * DAY,
        event: settingsEvents.ImageStorageClassChanged({ ...ref, digest: digestOf(i.name), storageClass: 'ARCHIVE' }),
      });
  }
  // Pushes in time order (ties keep the given order); a tag, pull or archive follows its image.
  const state = emptyState();
  timed
    .map((t, n) => ({ ...t, n }))
    .sort((a, b) => a.time - b.time || a.n - b.n)
    .forEach((t, k) => {
      evolve(state, { ...t.event, seq: k + 1, v: 1, time: t.time } as RecordedEvent);
    });
  return state;
}

export const policyText = (rules: unknown[]): string => JSON.stringify({ rules });

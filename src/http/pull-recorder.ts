/**
 * Pull bookkeeping, shared by both faces: after a manifest is served (/v2 GET, ECR BatchGetImage) or a
 * layer URL handed out (GetDownloadUrlForLayer), an ImagePulled event records
 * it (lifecycle rules read lastRecordedPullTime). The pull never waits for it,
 * and an image is recorded at most once per refresh interval on the injected
 * clock. The check reads the projection, which the engine updates in the same
 * turn as execute(), so concurrent pulls of one image record it once.
 */
import type { RegistryScope } from '../domain/scope.ts';
import type { Image } from '../domain/state.ts';
import type { Engine } from '../engine/engine.ts';
import type { Clock } from '../support/clock.ts';
import type { Logger } from '../support/logger.ts';

/** AWS refreshes lastRecordedPullTime at least once every 24 hours; we refresh hourly. */
export const PULL_REFRESH_INTERVAL_MS = 60 * 60 * 1000;

export type PullRecorder = (scope: RegistryScope, repository: string, image: Image) => void;

export function createPullRecorder(engine: Engine, clock: Clock, log: Logger): PullRecorder {
  return (scope, repository, image) => {
    if (engine.readOnly !== undefined) return;
    if (image.lastPulledAt !== undefined && clock.now() - image.lastPulledAt < PULL_REFRESH_INTERVAL_MS) return;
    const failed = (err: unknown): void => log.warn({ err, repository, digest: image.digest }, 'could not record a pull');
    try {
      engine.execute({ type: 'RecordPull', scope, repository, digest: image.digest }).catch(failed);
    } catch (err) {
      failed(err);
    }
  };
}

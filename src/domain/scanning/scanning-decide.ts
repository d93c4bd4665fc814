/**
 * decide() for the scanning commands, as a record keyed by command type, and the
 * scans other commands start (on push, on a change of the scanning configuration).
 * Pure, like ../decide.ts: time comes in on the context.
 */
import { type DeciderTable, no, ok, refOf } from '../decision.ts';
import { domainError, type DomainError } from '../errors.ts';
import type { DomainEvent } from '../events.ts';
import { isIndexMediaType } from '../manifest.ts';
import { repoKey, scopeKey, type RegistryScope } from '../scope.ts';
import type { Image, RegistryState, Repository } from '../state.ts';
import { matchFindings } from './match-findings.ts';
import {
  BASIC_SCAN_INTERVAL_MS,
  CONTINUOUS_ELIGIBILITY_MS,
  ENHANCED_LOOKBACK_MS,
  isScannable,
  lastUsedAt,
  registryScanning,
  repositoryScanning,
  type RegistryScanning,
} from './scan-policy.ts';
import type { ScanningCommand } from './scanning-commands.ts';
import { scanningEvents as ev } from './scanning-event-factories.ts';
import { imageScans, scanRecord } from './image-scans.ts';
import { SCAN_DESCRIPTIONS, type Inventory, type ScanStatus, type ScanType } from './scanning-state.ts';

function findImage(
  state: RegistryState,
  scope: RegistryScope,
  repository: string,
  digest: string,
): { repo: Repository; image: Image } | DomainError {
  const repo = state.repos.get(repoKey(scope, repository));
  if (!repo)
    return domainError(
      'RepositoryNotFound',
      `The repository with name '${repository}' does not exist in the registry with id '${scope.account}'`,
    );
  const image = repo.images.get(digest);
  if (!image)
    return domainError(
      'ImageNotFound',
      `The image with imageId {imageDigest:'${digest}', imageTag:'null'} does not exist within the repository with name '${repository}' in the registry with id '${scope.account}'`,
    );
  return { repo, image };
}

/** ENHANCED scans of a continuous-scan repository run again when the advisories change. */
function continuousRescans(state: RegistryState, now: number): DomainEvent[] {
  const out: DomainEvent[] = [];
  const configs = new Map<string, RegistryScanning>();
  for (const repo of state.repos.values()) {
    const key = scopeKey(repo);
    let config = configs.get(key);
    if (!config) configs.set(key, (config = registryScanning(state, repo)));
    if (config.scanType !== 'ENHANCED') continue;
    if (repositoryScanning(config, repo.name, repo.settings.scanOnPush).frequency !== 'CONTINUOUS_SCAN') continue;
    const ref = refOf(repo, repo.name);
    for (const image of repo.images.values()) {
      if (!isScannable(image) || image.storageClass === 'ARCHIVE') continue;
      const rec = scanRecord(image, 'ENHANCED');
      if (rec?.pending) continue;
      if (now - lastUsedAt(image) > CONTINUOUS_ELIGIBILITY_MS) {
        if (rec && rec.status !== 'SCAN_ELIGIBILITY_EXPIRED')
          out.push(
            ev.ImageScanStatusChanged({
              ...ref,
              digest: image.digest,
              scanType: 'ENHANCED',
              status: 'SCAN_ELIGIBILITY_EXPIRED',
              description: SCAN_DESCRIPTIONS.ELIGIBILITY_EXPIRED,
            }),
          );
        continue;
      }
      out.push(ev.ImageScanStarted({ ...ref, digest: image.digest, scanType: 'ENHANCED', trigger: 'continuous' }));
    }
  }
  return out;
}

/** The status, description and findings a finished scan of `type` reports for `inventory`. */
function outcomeOf(
  state: RegistryState,
  repo: Repository,
  image: Image,
  type: ScanType,
  inventory: Inventory,
  now: number,
): { status: ScanStatus; description: string; findings: ReturnType<typeof matchFindings> } {
  if (inventory.kind === 'artifact')
    return {
      status: 'UNSUPPORTED_IMAGE',
      description: `UnsupportedImageError: ${inventory.reason ?? 'The artifact is not a container image.'}`,
      findings: [],
    };
  if (inventory.databases.length === 0) return { status: 'FAILED', description: SCAN_DESCRIPTIONS.UNSUPPORTED_OS, findings: [] };
  const previous = scanRecord(image, type)?.findings ?? [];
  const findings = matchFindings(inventory, state.scanning?.advisories ?? [], now, previous);
  if (
    type === 'ENHANCED' &&
    repositoryScanning(registryScanning(state, repo), repo.name, repo.settings.scanOnPush).frequency === 'CONTINUOUS_SCAN'
  )
    return { status: 'ACTIVE', description: SCAN_DESCRIPTIONS.ACTIVE, findings };
  return { status: 'COMPLETE', description: SCAN_DESCRIPTIONS.COMPLETE, findings };
}

export const scanningDeciders: DeciderTable<ScanningCommand> = {
  PutAdvisories: (state, c, ctx) =>
    ok(ev.AdvisoriesPut({ advisories: c.advisories, source: c.source }), ...continuousRescans(state, ctx.now)),

  StartImageScan: (state, c, ctx) => {
    const found = findImage(state, c.scope, c.repository, c.digest);
    if ('code' in found) return no(found);
    const { image } = found;
    if (!isScannable(image))
      return no(
        domainError('UnsupportedImageType', `The image with digest '${c.digest}' is an image index: scan the images it lists instead`),
      );
    if (image.storageClass === 'ARCHIVE')
      return no(domainError('ImageArchived', `The image with digest '${c.digest}' is archived and cannot be scanned; restore it first`));
    if (registryScanning(state, c.scope).scanType === 'ENHANCED') return no(domainError('Validation', 'This feature is disabled'));
    const last = scanRecord(image, 'BASIC');
    if (last && ctx.now - last.startedAt < BASIC_SCAN_INTERVAL_MS)
      return no(
        domainError(
          'LimitExceeded',
          `The scan quota per image has been exceeded: an image can be scanned once every 24 hours (last scan started ${new Date(last.startedAt).toISOString()})`,
        ),
      );
    return ok(ev.ImageScanStarted({ ...refOf(c.scope, c.repository), digest: c.digest, scanType: 'BASIC', trigger: 'manual' }));
  },

  CompleteImageScan: (state, c, ctx) => {
    const found = findImage(state, c.scope, c.repository, c.digest);
    if ('code' in found) return ok(); // deleted (or rewound away) while it was scanned
    const { repo, image } = found;
    const scans = imageScans(image);
    const pending = (['BASIC', 'ENHANCED'] as const).filter((t) => scanRecord(image, t)?.pending === true);
    if (!scans || pending.length === 0) return ok();
    const ref = refOf(c.scope, c.repository);
    const vulnerabilitySourceUpdatedAt = state.scanning?.updatedAt ?? null;
    if (c.outcome.kind === 'failed') {
      const description = c.outcome.description;
      return ok(
        ...pending.map((scanType) =>
          ev.ImageScanCompleted({
            ...ref,
            digest: c.digest,
            scanType,
            status: 'FAILED',
            description,
            findings: [],
            vulnerabilitySourceUpdatedAt: null,
          }),
        ),
      );
    }
    const events: DomainEvent[] = [];
    let inventory = scans.inventory;
    if (c.outcome.kind === 'inventory' && inventory === null) {
      inventory = c.outcome.inventory;
      events.push(ev.ImageInventoried({ ...ref, digest: c.digest, inventory }));
    }
    if (inventory === null) return no(domainError('InvalidParameter', `no inventory is stored for image ${c.digest}`));
    for (const scanType of pending) {
      const result = outcomeOf(state, repo, image, scanType, inventory, ctx.now);
      events.push(ev.ImageScanCompleted({ ...ref, digest: c.digest, scanType, ...result, vulnerabilitySourceUpdatedAt }));
    }
    return ok(...events);
  },
};

/** The scan a new image manifest starts: on push, when its repository is scanned on push (or continuously). */
export function scansOnPush(
  state: RegistryState,
  scope: RegistryScope,
  repository: string,
  scanOnPush: boolean,
  image: { digest: string; mediaType: string },
): DomainEvent[] {
  if (isIndexMediaType(image.mediaType)) return [];
  const rs = repositoryScanning(registryScanning(state, scope), repository, scanOnPush);
  if (rs.frequency !== 'SCAN_ON_PUSH' && rs.frequency !== 'CONTINUOUS_SCAN') return [];
  return [ev.ImageScanStarted({ ...refOf(scope, repository), digest: image.digest, scanType: rs.scanType, trigger: 'push' })];
}

/**
 * The scans a new registry scanning configuration starts: when repositories come
 * under ENHANCED scanning, their recent images (pushed or pulled within 14 days)
 * without an enhanced scan are scanned at once.
 */
export function scansOnConfiguration(state: RegistryState, scope: RegistryScope, next: RegistryScanning, now: number): DomainEvent[] {
  if (next.scanType !== 'ENHANCED') return [];
  const before = registryScanning(state, scope);
  const out: DomainEvent[] = [];
  for (const repo of state.repos.values()) {
    if (repo.account !== scope.account || repo.region !== scope.region) continue;
    if (repositoryScanning(next, repo.name, repo.settings.scanOnPush).frequency === 'NONE') continue;
    const was = repositoryScanning(before, repo.name, repo.settings.scanOnPush);
    if (was.scanType === 'ENHANCED' && was.frequency !== 'NONE') continue;
    for (const image of repo.images.values()) {
      if (!isScannable(image) || image.storageClass === 'ARCHIVE' || scanRecord(image, 'ENHANCED') !== null) continue;
      if (now - lastUsedAt(image) > ENHANCED_LOOKBACK_MS) continue;
      out.push(ev.ImageScanStarted({ ...refOf(scope, repo.name), digest: image.digest, scanType: 'ENHANCED', trigger: 'configuration' }));
    }
  }
  return out;
}

/** Folds the scanning events into the registry state (in place, like ../evolve.ts), as a record keyed by event type. */
import type { EvolverTable } from '../decision.ts';
import type { RecordedEvent } from '../events.ts';
import { repoKey } from '../scope.ts';
import type { Image, RegistryState } from '../state.ts';
import type { ScanningEventMap } from './scanning-events.ts';
import { SCAN_DESCRIPTIONS, type ImageScans, type ScanRecord, type ScanType } from './scanning-state.ts';

const imageOf = (state: RegistryState, d: { account: string; region: string; repository: string; digest: string }): Image | undefined =>
  state.repos.get(repoKey(d, d.repository))?.images.get(d.digest);

function scansOf(image: Image): ImageScans {
  const extra = (image.extra ??= {});
  let scans = extra.scans as ImageScans | undefined;
  if (!scans) extra.scans = scans = { inventory: null, basic: null, enhanced: null };
  return scans;
}

const get = (s: ImageScans, t: ScanType): ScanRecord | null => (t === 'BASIC' ? s.basic : s.enhanced);
const put = (s: ImageScans, t: ScanType, r: ScanRecord): void => {
  if (t === 'BASIC') s.basic = r;
  else s.enhanced = r;
};

export const scanningEvolvers: EvolverTable<Extract<RecordedEvent, { type: keyof ScanningEventMap }>> = {
  AdvisoriesPut: (state, e) => {
    state.scanning = { advisories: e.data.advisories, updatedAt: e.time, source: e.data.source };
  },
  ImageScanStarted: (state, e) => {
    const image = imageOf(state, e.data);
    if (!image) return;
    const scans = scansOf(image);
    const prev = get(scans, e.data.scanType);
    // An enhanced rescan keeps showing the last results (ACTIVE/COMPLETE) while it runs.
    const keeps =
      e.data.scanType === 'ENHANCED' &&
      prev !== null &&
      prev.completedAt !== null &&
      (prev.status === 'ACTIVE' || prev.status === 'COMPLETE');
    put(scans, e.data.scanType, {
      status: keeps ? prev.status : e.data.scanType === 'BASIC' ? 'IN_PROGRESS' : 'PENDING',
      description: keeps ? prev.description : e.data.scanType === 'BASIC' ? '' : SCAN_DESCRIPTIONS.PENDING,
      trigger: e.data.trigger,
      startedAt: e.time,
      pending: true,
      completedAt: prev?.completedAt ?? null,
      vulnerabilitySourceUpdatedAt: prev?.vulnerabilitySourceUpdatedAt ?? null,
      findings: prev?.findings ?? [],
    });
  },
  ImageInventoried: (state, e) => {
    const image = imageOf(state, e.data);
    if (image) scansOf(image).inventory = e.data.inventory;
  },
  ImageScanCompleted: (state, e) => {
    const image = imageOf(state, e.data);
    if (!image) return;
    const scans = scansOf(image);
    const prev = get(scans, e.data.scanType);
    put(scans, e.data.scanType, {
      status: e.data.status,
      description: e.data.description,
      trigger: prev?.trigger ?? 'manual',
      startedAt: prev?.startedAt ?? e.time,
      pending: false,
      completedAt: e.time,
      vulnerabilitySourceUpdatedAt: e.data.vulnerabilitySourceUpdatedAt,
      findings: e.data.findings,
    });
  },
  ImageScanStatusChanged: (state, e) => {
    const image = imageOf(state, e.data);
    const prev = image && get(scansOf(image), e.data.scanType);
    if (!image || !prev) return;
    put(scansOf(image), e.data.scanType, { ...prev, status: e.data.status, description: e.data.description });
  },
};

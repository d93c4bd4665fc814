/** Image scanning commands. */
import type { RegistryScope } from '../scope.ts';
import type { Advisory, Inventory } from './scanning-state.ts';

interface InRepo {
  scope: RegistryScope;
  repository: string;
}

/** What the scanner found for an image: its inventory, the one already stored, or why it could not read it. */
export type ScanOutcome = { kind: 'inventory'; inventory: Inventory } | { kind: 'stored' } | { kind: 'failed'; description: string };

export type ScanningCommand =
  /** Replaces the advisory list; continuous-scan repositories are scanned again. */
  | { type: 'PutAdvisories'; advisories: Advisory[]; source: string | null }
  /** ECR StartImageScan: a manual basic scan. */
  | ({ type: 'StartImageScan'; digest: string } & InRepo)
  /** The scanner finished the image's started scans. */
  | ({ type: 'CompleteImageScan'; digest: string; outcome: ScanOutcome } & InRepo);

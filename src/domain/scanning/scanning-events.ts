/**
 * Image scanning facts. Part of the one closed union in ../events.ts.
 *
 * A scan is started (on push, by StartImageScan, by a continuous rescan or a
 * change of the scanning configuration), the scanner reads the image's layers
 * once (ImageInventoried), and each started scan ends with its findings, matched
 * against the advisory list of that moment (ImageScanCompleted). Replay and time
 * travel read these; they never scan again.
 */
import type { Advisory, Finding, Inventory, ScanStatus, ScanTrigger, ScanType } from './scanning-state.ts';

interface InRepository {
  account: string;
  region: string;
  repository: string;
}

export interface ScanningEventMap {
  /** The advisory list scans match against was replaced; `source` says where it came from (`file:<name>`, `api`). */
  AdvisoriesPut: { advisories: Advisory[]; source: string | null };
  /** A scan of the image was asked for. */
  ImageScanStarted: InRepository & { digest: string; scanType: ScanType; trigger: ScanTrigger };
  /** The scanner read the image: its distribution and installed packages (or that it is not an image). */
  ImageInventoried: InRepository & { digest: string; inventory: Inventory };
  /** A started scan ended: its status and findings. */
  ImageScanCompleted: InRepository & {
    digest: string;
    scanType: ScanType;
    status: ScanStatus;
    description: string;
    findings: Finding[];
    vulnerabilitySourceUpdatedAt: number | null;
  };
  /** The status of the image's last scan changed without a scan (SCAN_ELIGIBILITY_EXPIRED). */
  ImageScanStatusChanged: InRepository & { digest: string; scanType: ScanType; status: ScanStatus; description: string };
}

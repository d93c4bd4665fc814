/**
 * Starts image scanning for a writable emulator: the advisory file (`--advisories`)
 * is loaded and, when it differs from the list the journal holds, recorded as an
 * AdvisoriesPut; then the scanner starts (and resumes the scans left pending).
 */
import type { BlobStore } from '../blobs/blob-store.ts';
import { canonicalJson } from '../replay/canonical-state.ts';
import type { Engine } from '../engine/engine.ts';
import type { Logger } from '../support/logger.ts';
import { loadAdvisoryFile } from './advisory-input.ts';
import { Scanner } from './scanner.ts';

export async function startScanning(opts: {
  engine: Engine;
  blobs: BlobStore;
  log: Logger;
  advisories: string | undefined;
}): Promise<Scanner> {
  const { engine, log } = opts;
  if (opts.advisories !== undefined) {
    const file = await loadAdvisoryFile(opts.advisories);
    if (canonicalJson(engine.state.scanning?.advisories ?? null) !== canonicalJson(file.advisories)) {
      await engine.execute({ type: 'PutAdvisories', advisories: file.advisories, source: file.source });
      log.info({ file: opts.advisories, advisories: file.advisories.length }, 'advisories loaded');
    }
  }
  const scanner = new Scanner({ engine, blobs: opts.blobs, log });
  scanner.start();
  return scanner;
}

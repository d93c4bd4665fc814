/**
 * The advisory list as a service below the faces: PUT /_rewind/scanning/advisories
 * and `--advisories FILE` both come here. A list is validated (advisory-input.ts)
 * and recorded with a PutAdvisories command, whose decision also starts the
 * continuous rescans; bad input is a DomainFailure (InvalidParameter) that each
 * face maps, so a refused list changes nothing.
 */
import { domainError, DomainFailure } from '../domain/errors.ts';
import type { Advisory } from '../domain/scanning/scanning-state.ts';
import type { Engine } from '../engine/engine.ts';
import { canonicalJson } from '../projections/canonical-state.ts';
// the validation (valibot, advisory-input.ts) loads with the first list, not with the server
const advisoryInput = () => import('./advisory-input.ts');

export interface AdvisoriesRecorded {
  advisories: number;
  /** When the list took effect (vulnerabilitySourceUpdatedAt), epoch ms. */
  updatedAt: number;
  seq: number;
  /** Continuous-scan images scanned again. */
  rescans: number;
}

export class AdvisoryService {
  readonly #engine: Engine;

  constructor(engine: Engine) {
    this.#engine = engine;
  }

  /** Validates `doc` (an array of advisories or {"advisories": [...]}) and records it. */
  async put(doc: unknown, source = 'api'): Promise<AdvisoriesRecorded> {
    const { AdvisoryInputError, parseAdvisories } = await advisoryInput();
    let advisories: Advisory[];
    try {
      advisories = parseAdvisories(doc);
    } catch (err) {
      if (err instanceof AdvisoryInputError) throw new DomainFailure(domainError('InvalidParameter', err.message));
      throw err;
    }
    const events = await this.#engine.execute({ type: 'PutAdvisories', advisories, source });
    const put = events[0]!;
    return { advisories: advisories.length, updatedAt: put.time, seq: put.seq, rescans: events.length - 1 };
  }

  /** `--advisories FILE`: records the file's list when it differs from the one the journal holds. */
  async loadFile(path: string): Promise<AdvisoriesRecorded | undefined> {
    const file = await (await advisoryInput()).loadAdvisoryFile(path);
    if (canonicalJson(this.#engine.state.scanning?.advisories ?? null) === canonicalJson(file.advisories)) return undefined;
    const events = await this.#engine.execute({ type: 'PutAdvisories', advisories: file.advisories, source: file.source });
    const put = events[0]!;
    return { advisories: file.advisories.length, updatedAt: put.time, seq: put.seq, rescans: events.length - 1 };
  }
}

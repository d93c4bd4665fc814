// Helpers of the rewind tests: temp folders, copies of the recorded scenarios, and
// the state of a journal folder replayed from scratch.
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RegistryState } from '../../src/domain/state.ts';
import { openHistory } from '../../src/replay/journal-history.ts';
import { replayTo } from '../../src/replay/time-travel.ts';
import { fileURLToPath } from 'node:url';

/** The recorded scenarios (tools/record-scenarios.ts writes them). */
export const SCENARIO_ROOT = fileURLToPath(new URL('../../journal', import.meta.url));

/** What a scenario's scenario.json says it holds. */
export interface ScenarioFacts {
  description: string;
  /** repository -> tag -> digest, as the scenario leaves it */
  tags: Record<string, Record<string, string>>;
  marks: Record<string, number>;
  lastSeq: number;
  stateHash: string;
}

export const SCENARIO_NAMES = [
  'docker-image',
  'multi-arch',
  'signed-image',
  'immutable-repository',
  'rewound-history',
  'lifecycle-expiry',
  'scanned-image',
] as const;

export async function tempDir(t: { teardown(fn: () => Promise<void>): void }, prefix = 'ecr-rewind-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export const scenarioDir = (name: string): string => join(SCENARIO_ROOT, name);

export async function scenarioFacts(name: string): Promise<ScenarioFacts> {
  return JSON.parse(await readFile(join(scenarioDir(name), 'scenario.json'), 'utf8')) as ScenarioFacts;
}

/** A writable copy of a scenario folder (tests never touch the recorded ones). */
export async function copyScenario(name: string, into: string): Promise<string> {
  const dir = join(into, name);
  await cp(scenarioDir(name), dir, { recursive: true });
  return dir;
}

/** The state of a journal folder at `seq` (default: its end), replayed without checkpoints. */
export async function replayed(dir: string, seq?: number): Promise<RegistryState> {
  const history = await openHistory(dir);
  return (await replayTo(history, seq ?? history.lastSeq, { ignoreCheckpoints: true })).state;
}

/** repository -> tag -> digest */
export function tagsOf(state: RegistryState): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const repo of state.repos.values()) out[repo.name] = Object.fromEntries([...repo.tags].sort());
  return out;
}

/** GET /_rewind/state of a running emulator: the sequence number and canonical hash of its live state. */
export async function liveState(endpoint: string): Promise<{ seq: number; hash: string }> {
  const res = await fetch(`${endpoint}/_rewind/state`);
  if (res.status !== 200) throw new Error(`GET /_rewind/state answered ${res.status}`);
  const { seq, hash } = (await res.json()) as { seq: number; hash: string };
  return { seq, hash };
}

/** GET /_rewind/marks of a running emulator: mark name -> sequence number. */
export async function liveMarks(endpoint: string): Promise<Map<string, number>> {
  const res = await fetch(`${endpoint}/_rewind/marks`);
  if (res.status !== 200) throw new Error(`GET /_rewind/marks answered ${res.status}`);
  return new Map(((await res.json()) as { marks: { name: string; seq: number }[] }).marks.map((m) => [m.name, m.seq]));
}

/**
 * Records the small scenarios under journal/ (`npx tsx tools/record-scenarios.ts [name...]`).
 * Each is a journal folder driven through the emulator's HTTP faces with seeded
 * ids and a stepping clock, so a second recording is byte-identical; beside the
 * journal, scenario.json says what the scenario holds (tests replay and check it).
 */
import { rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator, type Emulator } from '../src/emulator.ts';
import { stateHash } from '../src/projections/canonical-state.ts';
import { descriptorOf, jsonBytes, MEDIA, RegistryDriver, sha256 } from '../src/testkit/registry-driver.ts';

export const RECORDING = { seed: 20260101, clock: '2026-01-01T00:00:00.000Z,1000' } as const;

export interface ScenarioFacts {
  description: string;
  /** repository -> tag -> digest, as the scenario leaves it */
  tags: Record<string, Record<string, string>>;
  marks: Record<string, number>;
  lastSeq: number;
  stateHash: string;
}

/** A scenario's steps; `emu.scansSettled()` waits for background scans, so their events land in the same place every time. */
type Script = (r: RegistryDriver, emu: Emulator) => Promise<string>;

/** A dpkg status file (Debian 12 names) for the scanned-image scenario. */
const DPKG_STATUS = ['bash 5.2.15-2+b2', 'libssl3 3.0.11-1~deb12u2 openssl', 'zlib1g 1:1.2.13.dfsg-1 zlib']
  .map((line) => {
    const [name, version, source] = line.split(' ');
    return `Package: ${name}\nStatus: install ok installed\nArchitecture: amd64\n${source ? `Source: ${source}\n` : ''}Version: ${version}\n`;
  })
  .join('\n');

const ADVISORIES = [
  {
    id: 'CVE-2024-0001',
    package: 'openssl',
    ecosystem: 'debian',
    fixed: '3.0.13-1~deb12u1',
    cvss: { score: 9.8, vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' },
  },
  { id: 'CVE-2023-0002', package: 'openssl', ecosystem: 'debian', fixed: '3.0.9-1', severity: 'HIGH' },
  { id: 'CVE-2024-0003', package: 'zlib', ecosystem: 'debian', affected: '< 1:1.3', severity: 'MEDIUM' },
];

export const SCENARIOS: Record<string, Script> = {
  async 'docker-image'(r) {
    await r.createRepository('hello');
    await r.pushImage('hello', 'latest', 'hello from a docker-style push\n', { docker: true });
    await r.admin('POST', '/marks', { name: 'pushed' });
    const m = await r.getManifest('hello', 'latest');
    await r.putManifest('hello', 'v1', m!.bytes, MEDIA.dockerManifest);
    return 'one image pushed the way docker pushes (docker media types, chunked layer upload), tagged latest and v1';
  },

  async 'multi-arch'(r) {
    await r.createRepository('multi');
    const amd = await r.pushImage('multi', '', 'amd64 build\n', { platform: { architecture: 'amd64', os: 'linux' }, tagless: true });
    const arm = await r.pushImage('multi', '', 'arm64 build\n', { platform: { architecture: 'arm64', os: 'linux' }, tagless: true });
    const index = jsonBytes({ schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests: [amd.descriptor, arm.descriptor] });
    await r.putManifest('multi', '1.0', index, MEDIA.ociIndex);
    return 'an OCI index tagged 1.0 over two untagged platform images (linux/amd64, linux/arm64)';
  },

  async 'signed-image'(r) {
    await r.createRepository('signed');
    const image = await r.pushImage('signed', 'v1', 'signed payload\n');
    const empty = Buffer.from('{}');
    const signature = jsonBytes({
      critical: { image: { 'docker-manifest-digest': image.digest }, type: 'cosign container image signature' },
    });
    await r.pushBlob('signed', empty);
    await r.pushBlob('signed', signature);
    const sig = jsonBytes({
      schemaVersion: 2,
      mediaType: MEDIA.ociManifest,
      artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
      config: descriptorOf(MEDIA.ociEmpty, empty),
      layers: [descriptorOf('application/vnd.dev.cosign.simplesigning.v1+json', signature)],
      subject: descriptorOf(MEDIA.ociManifest, image.bytes),
    });
    await r.putManifest('signed', sha256(sig), sig, MEDIA.ociManifest);
    return 'an image tagged v1 and a signature artifact whose subject is that image (a referrer)';
  },

  async 'immutable-repository'(r) {
    await r.createRepository('locked', { imageTagMutability: 'IMMUTABLE' });
    await r.pushImage('locked', 'v1', 'first release\n');
    await r.admin('POST', '/marks', { name: 'v1-released' });
    try {
      await r.pushImage('locked', 'v1', 'an attempt to overwrite v1\n');
      throw new Error('an immutable tag was overwritten');
    } catch (err) {
      if (!(err instanceof Error) || !/HTTP 4\d\d/.test(err.message)) throw err;
    }
    await r.pushImage('locked', 'v2', 'second release\n');
    return 'an IMMUTABLE repository: v1 pushed, a refused overwrite of v1 (its blobs stay, no manifest), v2 pushed';
  },

  async 'rewound-history'(r) {
    await r.createRepository('app');
    const v1 = await r.pushImage('app', 'v1', 'version 1\n');
    await r.putManifest('app', 'latest', v1.bytes, MEDIA.ociManifest);
    await r.admin('POST', '/marks', { name: 'v1' });
    await r.pushImage('app', 'v2', 'version 2\n');
    const v2 = await r.getManifest('app', 'v2');
    await r.putManifest('app', 'latest', v2!.bytes, MEDIA.ociManifest);
    await r.deleteManifest('app', v1.digest);
    await r.admin('POST', '/marks', { name: 'v2' });
    await r.admin('POST', '/reset', { to: 'v1' });
    await r.pushImage('app', 'v3', 'version 3\n');
    await r.createRepository('scratch');
    await r.pushImage('scratch', 'tmp', 'temporary\n');
    await r.ecr('DeleteRepository', { repositoryName: 'scratch', force: true });
    return 'app: v1 (also latest), mark v1; v2 moved latest and v1 was deleted, mark v2; reset to v1; v3 pushed; a scratch repository created and deleted';
  },

  async 'lifecycle-expiry'(r) {
    const DAY = 24 * 60 * 60 * 1000;
    await r.createRepository('lifecycle');
    // 12 images over 30 simulated days: prod-*, dev-* and untagged ones
    const images: [string | null, number][] = [
      ['prod-1', 0],
      ['dev-1', 2],
      [null, 4],
      ['prod-2', 6],
      ['dev-2', 8],
      [null, 10],
      ['prod-3', 12],
      ['dev-3', 14],
      [null, 16],
      ['prod-4', 20],
      ['dev-4', 24],
      [null, 28],
    ];
    let day = 0;
    for (const [tag, at] of images) {
      if (at > day) await r.admin('POST', '/clock', { advanceMs: (at - day) * DAY });
      day = at;
      await r.pushImage('lifecycle', tag ?? '', `lifecycle image of day ${at}\n`, { tagless: tag === null });
    }
    await r.admin('POST', '/clock', { advanceMs: (30 - day) * DAY });
    const lifecyclePolicyText = JSON.stringify({
      rules: [
        {
          rulePriority: 1,
          description: 'keep the two newest prod images',
          selection: { tagStatus: 'tagged', tagPatternList: ['prod-*'], countType: 'imageCountMoreThan', countNumber: 2 },
          action: { type: 'expire' },
        },
        {
          rulePriority: 2,
          description: 'dev images live ten days',
          selection: { tagStatus: 'tagged', tagPrefixList: ['dev-'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 10 },
          action: { type: 'expire' },
        },
        {
          rulePriority: 3,
          description: 'keep one untagged image',
          selection: { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 },
          action: { type: 'expire' },
        },
      ],
    });
    await r.ecr('PutLifecyclePolicy', { repositoryName: 'lifecycle', lifecyclePolicyText });
    await r.ecr('StartLifecyclePolicyPreview', { repositoryName: 'lifecycle' });
    for (let i = 0; ; i++) {
      const preview = (await r.ecr('GetLifecyclePolicyPreview', { repositoryName: 'lifecycle' })) as { status: string };
      if (preview.status === 'COMPLETE') break;
      if (i > 1000) throw new Error('the lifecycle preview did not complete');
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await r.admin('POST', '/marks', { name: 'before-expiry' });
    await r.admin('POST', '/clock', { advanceMs: DAY });
    return 'lifecycle: 12 images pushed over 30 simulated days (prod-1..4, dev-1..4, 4 untagged), a 3-rule lifecycle policy and its preview, mark before-expiry; one simulated day later the scheduled run expired prod-1, prod-2 (rule 1), dev-1..3 (rule 2) and 3 untagged images (rule 3)';
  },

  async 'scanned-image'(r, emu) {
    await r.admin('PUT', '/scanning/advisories', ADVISORIES);
    await r.createRepository('scanned', { imageScanningConfiguration: { scanOnPush: true } });
    await r.pushImage('scanned', 'v1', DPKG_STATUS, { file: 'var/lib/dpkg/status' });
    await emu.scansSettled();
    await r.admin('POST', '/marks', { name: 'basic-scan' });
    await r.ecr('PutRegistryScanningConfiguration', {
      scanType: 'ENHANCED',
      rules: [{ scanFrequency: 'CONTINUOUS_SCAN', repositoryFilters: [{ filter: 'scanned', filterType: 'WILDCARD' }] }],
    });
    await emu.scansSettled();
    await r.admin('POST', '/marks', { name: 'enhanced-scan' });
    await r.admin('PUT', '/scanning/advisories', [
      ...ADVISORIES,
      { id: 'CVE-2024-0004', package: 'bash', ecosystem: 'debian', fixed: '5.2.15-2+b3', severity: 'LOW' },
    ]);
    await emu.scansSettled();
    return 'scanned:v1 (a dpkg status file) scanned on push (basic: 2 findings), mark basic-scan; ENHANCED continuous scanning (mark enhanced-scan); a fourth advisory and the continuous rescan (3 findings)';
  },
};

/** Records one scenario into `dir` (which must not exist yet) and returns its facts. */
export async function recordScenario(name: string, dir: string): Promise<ScenarioFacts> {
  const script = SCENARIOS[name];
  if (!script) throw new Error(`unknown scenario ${name}`);
  const emu = await startEmulator({ journal: dir, ...RECORDING, fsync: 'never', auth: 'none', logger: false });
  try {
    const description = await script(new RegistryDriver(emu.endpoint), emu);
    const tags: ScenarioFacts['tags'] = {};
    for (const repo of emu.engine.state.repos.values()) tags[repo.name] = Object.fromEntries([...repo.tags].sort());
    return {
      description,
      tags,
      marks: Object.fromEntries(emu.engine.marks),
      lastSeq: emu.engine.lastSeq,
      stateHash: stateHash(emu.engine.state),
    };
  } finally {
    await emu.stop();
  }
}

export const SCENARIO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', 'journal');

/** `[--out DIR] [name...]`: every scenario (or the ones named) into journal/ (or DIR). */
async function main(args: string[]): Promise<void> {
  const outAt = args.indexOf('--out');
  const root = outAt >= 0 ? args[outAt + 1] : SCENARIO_ROOT;
  if (root === undefined) throw new Error('--out needs a folder');
  const names = outAt >= 0 ? args.filter((_, i) => i !== outAt && i !== outAt + 1) : args;
  for (const name of names.length > 0 ? names : Object.keys(SCENARIOS)) {
    const dir = join(root, name);
    await rm(dir, { recursive: true, force: true });
    const facts = await recordScenario(name, dir);
    await writeFile(join(dir, 'scenario.json'), `${JSON.stringify(facts, null, 2)}\n`);
    console.log(`recorded ${dir}: ${facts.lastSeq} events, state ${facts.stateHash.slice(0, 16)}`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main(process.argv.slice(2));

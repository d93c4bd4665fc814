/**
 * Lifecycle policy rows of `npm run bench -- ecr` (also alone: `npm run bench -- ecr-lifecycle`):
 * a 10-rule policy over a repository of 10,000 images (8 tag families, a fifth untagged,
 * pushed a minute apart over about a week).
 *
 * - evaluate(): the pure evaluator, the repository's images gathered and evaluated (median);
 * - preview: StartLifecyclePolicyPreview until GetLifecyclePolicyPreview answers COMPLETE, over
 *   HTTP (median; the scheduler completes it off the request path);
 * - run: POST /_rewind/lifecycle/evaluate, the real run journaled and applied (once: it expires).
 * Targets (issue 11): evaluation under 50 ms, preview to COMPLETE under 100 ms. Each row also
 * gives the process's CPU time, which a machine busy with other work sways less than wall time.
 */
import { performance } from 'node:perf_hooks';
import { evaluate } from '../../src/domain/lifecycle/lifecycle-evaluate.ts';
import { lifecycleImagesOf } from '../../src/domain/lifecycle/lifecycle-images.ts';
import { validateLifecyclePolicy } from '../../src/domain/lifecycle/lifecycle-validation.ts';
import { parseManifest } from '../../src/domain/manifest.ts';
import { repoKey } from '../../src/domain/scope.ts';
import { startEmulator } from '../../src/emulator.ts';
import { steppingClock } from '../../src/support/clock.ts';
import { createHash } from 'node:crypto';

const AUTH = 'AWS4-HMAC-SHA256 Credential=bench/20250101/us-east-1/ecr/aws4_request, SignedHeaders=host, Signature=00ff';
const IMAGES = 10_000;
const FAMILIES = ['prod', 'stage', 'dev', 'feat', 'rel', 'hot', 'test', 'nightly'];
const DAY = 24 * 60 * 60 * 1000;

const POLICY = JSON.stringify({
  rules: [
    {
      rulePriority: 1,
      selection: { tagStatus: 'tagged', tagPatternList: ['prod-*'], countType: 'imageCountMoreThan', countNumber: 500 },
      action: { type: 'expire' },
    },
    {
      rulePriority: 2,
      selection: { tagStatus: 'tagged', tagPrefixList: ['stage-'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 3 },
      action: { type: 'expire' },
    },
    {
      rulePriority: 3,
      selection: { tagStatus: 'tagged', tagPrefixList: ['dev'], countType: 'imageCountMoreThan', countNumber: 200 },
      action: { type: 'expire' },
    },
    {
      rulePriority: 4,
      selection: { tagStatus: 'tagged', tagPatternList: ['feat-*'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 2 },
      action: { type: 'expire' },
    },
    {
      rulePriority: 5,
      selection: { tagStatus: 'tagged', tagPrefixList: ['rel'], countType: 'imageCountMoreThan', countNumber: 1000 },
      action: { type: 'expire' },
    },
    {
      rulePriority: 6,
      selection: { tagStatus: 'tagged', tagPatternList: ['hot-*'], countType: 'imageCountMoreThan', countNumber: 100 },
      action: { type: 'transition', targetStorageClass: 'archive' },
    },
    {
      rulePriority: 7,
      selection: { tagStatus: 'tagged', tagPrefixList: ['test-'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 1 },
      action: { type: 'expire' },
    },
    {
      rulePriority: 8,
      selection: { tagStatus: 'tagged', tagPatternList: ['night*-*'], countType: 'imageCountMoreThan', countNumber: 50 },
      action: { type: 'transition', targetStorageClass: 'archive' },
    },
    {
      rulePriority: 9,
      selection: { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 100 },
      action: { type: 'expire' },
    },
    {
      rulePriority: 10,
      selection: { tagStatus: 'any', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 6 },
      action: { type: 'expire' },
    },
  ],
});

/** This process's CPU time (user + system) since `from`, in ms: less swayed than wall time by a busy machine. */
function cpuMs(from: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1000;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export async function lifecycleRows(rounds: number): Promise<[string, string][]> {
  const start = Date.parse('2026-01-01T00:00:00Z');
  // a minute between clock readings: 10,000 pushes spread over about a week
  const emu = await startEmulator({ port: 0, fsync: 'never', logger: false, clockSource: steppingClock(start, 60_000), auth: 'none' });
  const call = async (op: string, body: unknown): Promise<Record<string, unknown>> => {
    const res = await fetch(`${emu.endpoint}/`, {
      method: 'POST',
      headers: {
        'x-amz-target': `AmazonEC2ContainerRegistry_V20150921.${op}`,
        'content-type': 'application/x-amz-json-1.1',
        authorization: AUTH,
      },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (res.status !== 200) throw new Error(`${op} answered ${res.status}: ${JSON.stringify(json)}`);
    return json;
  };
  const rows: [string, string][] = [];
  try {
    const scope = { account: emu.config.account, region: emu.config.region };
    const repository = 'bench/lifecycle';
    await call('CreateRepository', { repositoryName: repository });
    const config = Buffer.from('{"os":"linux","architecture":"amd64"}');
    const configDigest = `sha256:${createHash('sha256').update(config).digest('hex')}`;
    await emu.engine.execute({ type: 'PushBlob', scope, repository, uploadId: 'bench-config', digest: configDigest, size: config.length });
    for (let i = 0; i < IMAGES; i++) {
      const bytes = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
          layers: [],
          annotations: { n: String(i) },
        }),
      );
      const parsed = parseManifest(bytes);
      if (!parsed.ok) throw new Error(parsed.message);
      const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
      const tag = i % 5 === 4 ? null : `${FAMILIES[i % FAMILIES.length]}-${i}`;
      await emu.engine.execute({ type: 'PutManifest', scope, repository, digest, bytes, manifest: parsed.manifest, tag, via: 'ecr' });
    }
    await call('PutLifecyclePolicy', { repositoryName: repository, lifecyclePolicyText: POLICY });
    const repo = emu.engine.state.repos.get(repoKey(scope, repository))!;
    const v = validateLifecyclePolicy(POLICY);
    if (!v.ok) throw new Error(v.reason);
    const now = start + 8 * DAY;

    let acted = 0;
    const evals: number[] = [];
    const evalCpu: number[] = [];
    for (let r = 0; r < rounds * 4; r++) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      acted = evaluate(v.policy, lifecycleImagesOf(repo), now).length;
      evalCpu.push(cpuMs(c0));
      evals.push(performance.now() - t0);
    }
    rows.push([
      `lifecycle evaluate(): 10 rules x ${IMAGES.toLocaleString('en')} images (${acted} acted on)`,
      `${median(evals).toFixed(1)} ms (cpu ${median(evalCpu).toFixed(1)} ms)`,
    ]);

    const previews: number[] = [];
    const previewCpu: number[] = [];
    for (let r = 0; r < rounds * 2; r++) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      await call('StartLifecyclePolicyPreview', { repositoryName: repository });
      for (;;) {
        const out = await call('GetLifecyclePolicyPreview', { repositoryName: repository, maxResults: 1 });
        if (out.status === 'COMPLETE') break;
        await new Promise((resolve) => setImmediate(resolve));
      }
      previewCpu.push(cpuMs(c0));
      previews.push(performance.now() - t0);
    }
    rows.push([
      `lifecycle preview to COMPLETE over HTTP, same policy and images`,
      `${median(previews).toFixed(1)} ms (cpu ${median(previewCpu).toFixed(1)} ms, client included)`,
    ]);

    const t0 = performance.now();
    const res = await fetch(`${emu.endpoint}/_rewind/lifecycle/evaluate`, { method: 'POST', body: JSON.stringify({ repository }) });
    const body = (await res.json()) as { runs: { expired: unknown[]; transitioned: unknown[] }[] };
    const ms = performance.now() - t0;
    const run = body.runs[0]!;
    rows.push([
      `lifecycle run over HTTP, journaled and applied (once: ${run.expired.length} expired, ${run.transitioned.length} archived)`,
      `${ms.toFixed(1)} ms`,
    ]);
  } finally {
    await emu.stop();
  }
  return rows;
}

export async function run(args: string[]): Promise<void> {
  const rows = await lifecycleRows(args.includes('--quick') ? 3 : 5);
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
}

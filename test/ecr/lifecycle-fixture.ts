/** Shared set-up of the lifecycle tests: a repository of images pushed over simulated days. */
import { GetLifecyclePolicyPreviewCommand, type ECRClient, type GetLifecyclePolicyPreviewResponse } from '@aws-sdk/client-ecr';
import type { Emulator } from '../../src/emulator.ts';
import { RegistryDriver } from '../../src/testkit/registry-driver.ts';

export const DAY = 24 * 60 * 60 * 1000;

export async function admin(emu: Emulator, path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${emu.endpoint}/_rewind${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export const advance = (emu: Emulator, ms: number) => admin(emu, '/clock', { advanceMs: ms });

/** The 12 images of the clock-driven scenario: [tag or null, day pushed]. */
export const TWELVE: readonly (readonly [string | null, number])[] = [
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

/**
 * Three rules: keep the 2 newest prod-* images, expire dev-* images pushed more than 10 days
 * ago, keep one untagged image.
 */
export const THREE_RULES = JSON.stringify({
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

/**
 * Pushes TWELVE into `repo` over 30 simulated days (the clock advanced between pushes through
 * POST /_rewind/clock) and returns each image's digest by name (untagged ones: `untagged-<day>`).
 */
export async function pushTwelve(emu: Emulator, repo: string): Promise<Map<string, string>> {
  const r = new RegistryDriver(emu.endpoint);
  const digests = new Map<string, string>();
  let day = 0;
  for (const [tag, at] of TWELVE) {
    if (at > day) await advance(emu, (at - day) * DAY);
    day = at;
    const name = tag ?? `untagged-${at}`;
    const image = await r.pushImage(repo, tag ?? '', `${repo} ${name}\n`, { tagless: tag === null });
    digests.set(name, image.digest);
  }
  await advance(emu, (30 - day) * DAY);
  return digests;
}

/** Polls GetLifecyclePolicyPreview until it is COMPLETE (the scheduler completes it off the request path). */
export async function completedPreview(
  ecr: ECRClient,
  repositoryName: string,
  extra: object = {},
): Promise<GetLifecyclePolicyPreviewResponse> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const out = await ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName, ...extra }));
    if (out.status === 'COMPLETE') return out;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('the preview did not complete');
}

// The timeline inspector (/_rewind/ui) in a real browser: Debian's Chromium driven by
// playwright-core, against the emulator started from recorded scenarios. Screenshots of
// the main views are written to a temp folder (named in the test log), never into git.
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { startEmulator } from '../../src/index.ts';
import { createAwsCli } from '../support/clients/aws-cli.ts';
import { launchChromium } from '../support/clients/chromium.ts';
import { testRequiring } from '../support/clients/client-test.ts';
import { makeImageLayout } from '../support/clients/oci-layout.ts';
import { createSkopeo } from '../support/clients/skopeo.ts';
import { makeTempDir, removeDir } from '../../src/testkit/temp-dir.ts';
import { scenarioDir } from '../rewind/rewind-support.ts';

const test = testRequiring(['chromium']);
const shots = path.join(tmpdir(), 'ecr-rewind-inspector-screenshots');

async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(shots, { recursive: true });
  const file = path.join(shots, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

interface Row {
  seq: number;
  type: string;
}

/** The rows the virtual list shows now. */
const visibleRows = (page: Page): Promise<Row[]> =>
  page.$$eval('[data-testid=timeline] [role=option]', (els) =>
    els
      .map((e) => ({ seq: Number(e.getAttribute('data-seq')), type: e.querySelector('.type')?.textContent ?? '' }))
      .sort((a, b) => a.seq - b.seq),
  );

/**
 * Waits until the virtual list has rendered at least `count` rows starting at `firstSeq`
 * (after a jump it renders the new window on the next frames, later than the state panel).
 */
async function rowsRendered(page: Page, firstSeq: number, count: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const seqs = (await visibleRows(page)).map((r) => r.seq);
    if (seqs.length >= count && seqs[0] === firstSeq) return;
    if (Date.now() > deadline)
      throw new Error(`the timeline shows seq ${seqs[0]} first and ${seqs.length} rows, not seq ${firstSeq} and ${count}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The visible rows once `ready` holds for them (or as they are after 10 s, for the assertion to report). */
async function settledRows(page: Page, ready: (rows: Row[]) => boolean): Promise<Row[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const rows = await visibleRows(page);
    if (ready(rows) || Date.now() > deadline) return rows;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Waits until the registry panel shows the state after `seq`. */
async function stateShown(page: Page, seq: number): Promise<void> {
  await page.waitForSelector(`[data-testid=registry][data-seq="${seq}"]`, { timeout: 10_000 });
}

/** repository -> tags shown in the registry panel. */
const tagsShown = (page: Page): Promise<Record<string, string[]>> =>
  page.$$eval('[data-testid=registry] details.repo', (repos) =>
    Object.fromEntries(
      repos.map((r) => [r.getAttribute('data-repository') ?? '', [...r.querySelectorAll('.tag')].map((t) => t.textContent ?? '').sort()]),
    ),
  );

async function openInspector(page: Page, endpoint: string): Promise<void> {
  const errors: string[] = [];
  page.on('pageerror', (e) => {
    errors.push(e.message);
    console.error(`page error: ${e.stack ?? e.message}`);
  });
  await page.goto(`${endpoint}/_rewind/ui`);
  await page.waitForSelector('[data-testid=registry]');
  if (errors.length > 0) throw new Error(`page errors: ${errors.join('; ')}`);
}

test('the timeline lists the scenario, the keyboard steps through it and the registry shown changes', async (t) => {
  await using emu = await startEmulator({ fork: scenarioDir('rewound-history'), auth: 'none', logger: false });
  await using browser = await launchChromium();
  const page = await browser.page();
  await openInspector(page, emu.endpoint);
  const journal = (await (await fetch(`${emu.endpoint}/_rewind/events?limit=1000`)).json()) as { events: Row[] };
  t.is(await page.textContent('[data-testid=count]').then((s) => s?.split(' ')[0]), String(journal.events.length));
  // it opens at the end: the live state
  await stateShown(page, 42);
  t.deepEqual(await tagsShown(page), { app: ['latest', 'v1', 'v3'] });
  const last = await settledRows(page, (rows) => rows.length > 0 && rows.every((r) => r.seq > 0));
  t.deepEqual(
    last.slice(-5),
    journal.events.slice(-5).map((e) => ({ seq: e.seq, type: e.type })),
  );
  await screenshot(page, 'timeline-end');

  await page.keyboard.press('Home');
  await stateShown(page, 1);
  t.deepEqual(await tagsShown(page), { app: [] });
  await rowsRendered(page, 1, 15);
  const first = await visibleRows(page);
  t.true(first.length >= 15, `only ${first.length} rows rendered`);
  t.deepEqual(
    first,
    journal.events.slice(0, first.length).map((e) => ({ seq: e.seq, type: e.type })),
  );

  for (let i = 0; i < 9; i++) await page.keyboard.press('j');
  await stateShown(page, 10);
  t.deepEqual(await tagsShown(page), { app: ['latest', 'v1'] });
  t.regex((await page.textContent('[data-testid=position]')) ?? '', /^seq 10 .* TagPut$/);
  await page.keyboard.press('k');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await stateShown(page, 11);
  for (let i = 0; i < 11; i++) await page.keyboard.press('ArrowDown');
  await stateShown(page, 22);
  t.deepEqual(await tagsShown(page), { app: ['latest', 'v2'] });
  // the Rewound row jumps back to the state it restored
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await stateShown(page, 24);
  t.deepEqual(await tagsShown(page), { app: ['latest', 'v1'] });
  await page.click('[data-seq="24"] button.linkish');
  await stateShown(page, 10);
  await page.keyboard.press('End');
  await stateShown(page, 42);
  await screenshot(page, 'registry-at-position');

  // an image's story: from the registry view
  await page.click('[data-testid=registry] table.images button.mono');
  await page.waitForSelector('[data-testid=image-story] ol.story li', { timeout: 10_000 }).catch(async (err: unknown) => {
    t.log(await page.evaluate<string>(`document.querySelector('.right')?.innerHTML.slice(0, 2000)`));
    throw err;
  });
  const story = await page.$$eval('[data-testid=image-story] ol.story li', (els) => els.map((e) => e.textContent ?? ''));
  t.true(
    story.some((s) => /pushed/.test(s)),
    story.join(' | '),
  );
  t.true(
    story.some((s) => /tagged v1/.test(s)),
    story.join(' | '),
  );
  t.regex((await page.textContent('[data-testid=image-story] pre.json')) ?? '', /"schemaVersion": 2/);
  await screenshot(page, 'image-story');

  // search narrows the timeline
  await page.fill('[data-testid=search]', 'scratch');
  await page.waitForFunction(`document.querySelector('[data-testid=count]')?.textContent?.includes('match')`);
  // the rows of the filtered page arrive a moment after its count (placeholders have seq 0): wait for as many as it says
  const count = Number.parseInt(((await page.textContent('[data-testid=count]')) ?? '').replace(/,/g, ''), 10);
  const matched = await settledRows(page, (rows) => rows.length === count && rows.every((r) => r.seq > 0));
  t.true(count > 0, `the search matched ${count} events`);
  t.true(matched.length > 0 && matched.every((r) => r.seq >= 33), JSON.stringify(matched));
  t.log(`screenshots in ${shots}`);
});

test('the diff between two marks names exactly the tags and images that changed', async (t) => {
  await using emu = await startEmulator({ fork: scenarioDir('rewound-history'), auth: 'none', logger: false });
  await using browser = await launchChromium();
  const page = await browser.page();
  await openInspector(page, emu.endpoint);
  await page.click('[data-testid=tab-diff]');
  await page.fill('input[name=from]', 'v1');
  await page.fill('input[name=to]', 'v2');
  await page.click('form.diff-form button[type=submit]');
  await page.waitForSelector('[data-testid=diff-result]');
  const changes = await page.$$eval('[data-testid=diff-result] li', (els) =>
    els.map((e) => [e.getAttribute('data-change'), e.getAttribute('data-tag') ?? e.getAttribute('data-digest')]),
  );
  const state = async (at: string) =>
    (await (await fetch(`${emu.endpoint}/_rewind/state?at=${at}`)).json()) as {
      repositories: { name: string; images: { digest: string; tags: string[] }[] }[];
    };
  const [v1, v2] = [await state('v1'), await state('v2')];
  const digests = (s: typeof v1) => s.repositories.flatMap((r) => r.images.map((i) => i.digest));
  const tags = (s: typeof v1) =>
    new Map(s.repositories.flatMap((r) => r.images.flatMap((i) => i.tags.map((tag) => [tag, i.digest] as const))));
  const [d1, d2, t1, t2] = [digests(v1), digests(v2), tags(v1), tags(v2)];
  const expected = [
    ...d2.filter((d) => !d1.includes(d)).map((d) => ['image-added', d]),
    ...d1.filter((d) => !d2.includes(d)).map((d) => ['image-removed', d]),
    ...[...t2].filter(([tag, d]) => t1.has(tag) && t1.get(tag) !== d).map(([tag]) => ['tag-moved', tag]),
    ...[...t2.keys()].filter((tag) => !t1.has(tag)).map((tag) => ['tag-added', tag]),
    ...[...t1.keys()].filter((tag) => !t2.has(tag)).map((tag) => ['tag-removed', tag]),
  ];
  t.deepEqual(changes, expected);
  // the scenario's own words: latest moved (one line), v2 added, v1 removed with its image
  t.deepEqual(
    changes.map(([kind]) => kind),
    ['image-added', 'image-removed', 'tag-moved', 'tag-added', 'tag-removed'],
  );
  t.is(changes.find(([kind]) => kind === 'tag-moved')?.[1], 'latest');
  await screenshot(page, 'diff-between-marks');
});

const awsTest = testRequiring(['chromium', 'aws']);
awsTest('a reset from the page changes what aws ecr describe-images returns', async (t) => {
  await using emu = await startEmulator({ fork: scenarioDir('rewound-history'), auth: 'none', logger: false });
  await using aws = await createAwsCli({ endpointUrl: emu.endpoint });
  const describe = async (): Promise<string[]> =>
    (await aws.awsJson<{ imageDetails: { imageTags?: string[] }[] }>(['ecr', 'describe-images', '--repository-name', 'app'])).imageDetails
      .flatMap((i) => i.imageTags ?? [])
      .sort();
  t.deepEqual(await describe(), ['latest', 'v1', 'v3']);
  await using browser = await launchChromium();
  const page = await browser.page();
  await openInspector(page, emu.endpoint);
  await page.keyboard.press('Home');
  await stateShown(page, 1);
  for (let i = 0; i < 21; i++) await page.keyboard.press('j');
  await stateShown(page, 22);
  await page.click('text=Reset live registry here…');
  await page.waitForSelector('dialog[open]');
  await screenshot(page, 'confirm-reset');
  await page.click('[data-testid=confirm]');
  await page.waitForFunction(`document.querySelector('[data-testid=message]')?.textContent?.includes('reset to seq 22')`);
  t.deepEqual(await describe(), ['latest', 'v2']);
  // the Rewound event reaches the timeline (live follow)
  await page.waitForFunction(`document.querySelector('[data-testid=count]')?.textContent?.startsWith('43 ')`);
});

const skopeoTest = testRequiring(['chromium', 'skopeo']);
skopeoTest('live follow shows a push made with skopeo while the page is open', async (t) => {
  await using emu = await startEmulator({ fork: scenarioDir('docker-image'), auth: 'any', logger: false });
  await using skopeo = await createSkopeo();
  const dir = await makeTempDir('inspector-layout');
  t.teardown(() => removeDir(dir));
  const image = await makeImageLayout(path.join(dir, 'in'), { tag: 'v2', layers: 2 });
  // under --auth any the page's requests need credentials: the browser answers the admin API's Basic challenge
  await using browser = await launchChromium({ httpCredentials: { username: 'AWS', password: 'any' } });
  const page = await browser.page();
  await openInspector(page, emu.endpoint);
  const before = (await (await fetch(`${emu.endpoint}/_rewind/health`)).json()) as { journal: { lastSeq: number } };
  await stateShown(page, before.journal.lastSeq);
  await skopeo.copy(`oci:${image.dir}:v2`, `docker://${emu.registryHost}/hello:v2`, { destCreds: { username: 'AWS', password: 'any' } });
  const after = (await (await fetch(`${emu.endpoint}/_rewind/health`)).json()) as { journal: { lastSeq: number } };
  t.true(after.journal.lastSeq > before.journal.lastSeq);
  // the page follows: the new last event is selected and its registry shows the pushed tag
  await stateShown(page, after.journal.lastSeq);
  t.true((await tagsShown(page)).hello?.includes('v2'));
  const rows = await settledRows(page, (r) => r.at(-1)?.seq === after.journal.lastSeq && r.every((x) => x.seq > 0));
  t.is(rows.at(-1)?.seq, after.journal.lastSeq);
  t.true(rows.some((r) => r.type === 'ManifestPut' && r.seq > before.journal.lastSeq));
  await screenshot(page, 'live-follow');
});

test('against serve --at the page is read-only: no actions, the view of the past selected', async (t) => {
  await using emu = await startEmulator({ fork: scenarioDir('rewound-history'), at: 'v1', auth: 'none', logger: false });
  await using browser = await launchChromium();
  const page = await browser.page();
  await openInspector(page, emu.endpoint);
  await stateShown(page, 10);
  t.regex((await page.textContent('[data-testid=mode]')) ?? '', /read-only view \(seq 10\)/);
  t.is(await page.$('text=Reset live registry here…'), null);
  t.is(await page.$('text=Set mark here…'), null);
  t.not(await page.$('text=Copy CLI command'), null);
});

test('keyboard navigable and readable at 1280x800 and on a narrow window', async (t) => {
  await using emu = await startEmulator({ fork: scenarioDir('signed-image'), auth: 'none', logger: false });
  await using browser = await launchChromium();
  for (const viewport of [
    { width: 1280, height: 800 },
    { width: 420, height: 800 },
  ]) {
    const page = await browser.page(viewport);
    await openInspector(page, emu.endpoint);
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    t.true(overflow <= 0, `${viewport.width}px: the page is ${overflow}px wider than the window`);
    // Tab reaches the search box, the filters and the timeline; the referrer is shown under its subject
    const reached = new Set<string>();
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Tab');
      reached.add(
        await page.evaluate<string>(`document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.tagName ?? ''`),
      );
    }
    t.true(reached.has('Search') && reached.has('Timeline of events'), [...reached].join(', '));
    t.true((await page.$$('[data-testid=registry] tr.referrer')).length > 0, 'the signature is nested under its subject');
    await screenshot(page, `layout-${viewport.width}`);
    await page.close();
  }
});

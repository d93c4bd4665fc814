// Debian's Chromium driven by playwright-core: no browser download, a fresh profile per
// launch (its own --user-data-dir in a temp dir), headless, and no traffic of its own
// (no QUIC, background networking, component updates or sync): it talks only to the
// emulator on 127.0.0.1.

import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { preferCommand } from '../../../src/testkit/commands.ts';
import { makeTempDir, removeDir } from '../../../src/testkit/temp-dir.ts';

export const chromiumCommand = (): string => preferCommand('/usr/bin/chromium', 'chromium');

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Chromium extends AsyncDisposable {
  readonly context: BrowserContext;
  /** A new tab of the given size (default 1280x800). */
  page(viewport?: { width: number; height: number }): Promise<Page>;
  close(): Promise<void>;
}

/**
 * `httpCredentials`: what the browser answers a Basic challenge with (as a user types them into
 * its login prompt), e.g. for the admin API of an emulator that is not `--auth none`.
 */
export async function launchChromium(opts: { httpCredentials?: { username: string; password: string } } = {}): Promise<Chromium> {
  const profile = await makeTempDir('chromium');
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumCommand(),
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 },
    // page.waitForFunction(string) evaluates its predicate in the page: a strict CSP forbids that
    bypassCSP: true,
    ...(opts.httpCredentials ? { httpCredentials: opts.httpCredentials } : {}),
  });
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closed ??= (async () => {
      await context.close().catch(() => undefined);
      await removeDir(profile);
    })());
  return {
    context,
    async page(viewport = { width: 1280, height: 800 }) {
      const page = await context.newPage();
      await page.setViewportSize(viewport);
      return page;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

// ava helpers for tests that drive real clients.
//
// A test that needs a client it cannot find is skipped loudly on a developer machine,
// and fails in CI (CI=true), because CI installs every client (.ci/run).

import test from 'ava';
import type { ExecutionContext, Implementation } from 'ava';
import { missingCommands } from '../../../src/testkit/commands.ts';

export const inCi = process.env.CI === 'true' || process.env.CI === '1';

function missingReason(missing: readonly string[]): string {
  return `missing client command(s): ${missing.join(', ')} (install them as .ci/run does)`;
}

/**
 * For use at the top of a test body: true when every command exists.
 * Otherwise it logs why and returns false (the caller returns early); in CI it fails the test instead.
 */
export function skipUnless(t: ExecutionContext, names: readonly string[]): boolean {
  const missing = missingCommands(names);
  if (missing.length === 0) return true;
  const reason = missingReason(missing);
  if (inCi) {
    t.fail(`${reason}; CI=true, so this is a failure, not a skip`);
  } else {
    console.warn(`\n*** SKIPPING "${t.title}": ${reason} ***\n`);
    t.log(`SKIPPED: ${reason}`);
    t.pass();
  }
  return false;
}

type TitledTest = (title: string, implementation: Implementation<[]>) => void;
const reportedMissing = new Set<string>();

/**
 * Chooses at registration time how to declare tests that need real clients:
 * `const clientTest = testRequiring(['skopeo']); clientTest('copies ...', async (t) => ...)`.
 * With every command present this is ava's `test.serial`; without, the tests are `test.skip`
 * (with a warning on stderr), and in CI one extra failing test names what is missing.
 */
export function testRequiring(names: readonly string[]): TitledTest {
  const missing = missingCommands(names);
  if (missing.length === 0) return (title, implementation) => test.serial(title, implementation);
  const reason = missingReason(missing);
  const key = missing.join(',');
  if (!reportedMissing.has(key)) {
    reportedMissing.add(key);
    console.warn(`\n*** ${reason}: tests that need them are skipped ***\n`);
    if (inCi) {
      test(`required clients are installed: ${missing.join(', ')}`, (t) => {
        t.fail(`${reason}; CI=true, so this is a failure, not a skip`);
      });
    }
  }
  return (title, implementation) => test.skip(`${title} [${reason}]`, implementation);
}

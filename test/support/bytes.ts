// Comparing bytes in tests. ava's deepEqual walks a Buffer as a list, one element at a time: a
// 7 MiB body took it ~12 s of CPU here (two such tests at once once ran past a 40 s timeout, which
// read as a hang). Buffer.equals compares them at once; a mismatch still says where they part.
import type { ExecutionContext } from 'ava';

/** Passes when `actual` holds exactly the bytes of `expected`; else fails saying their lengths and the first offset where they differ. */
export function sameBytes(t: ExecutionContext, actual: Uint8Array, expected: Uint8Array, message = 'the same bytes'): void {
  const a = Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength);
  const b = Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength);
  if (a.equals(b)) {
    t.pass(message);
    return;
  }
  let at = 0;
  while (at < a.length && at < b.length && a[at] === b[at]) at++;
  t.fail(`${message}: ${a.length} bytes where ${b.length} were expected, first different at offset ${at}`);
}

/**
 * Debian package versions ordered as dpkg orders them (deb-version(7), Debian
 * Policy 5.6.12): `[epoch:]upstream_version[-debian_revision]`.
 *
 * - The epoch (default 0) is compared as a number first.
 * - Then the upstream version, then the revision (the part after the last `-`,
 *   empty when there is none), each with the same string comparison: the string
 *   is read as alternating runs of non-digits and digits. Non-digit runs are
 *   compared character by character where every letter sorts before every
 *   non-letter, and `~` sorts before anything, even the end of the run (so
 *   `1.0~rc1` < `1.0`). Digit runs are compared as numbers (`10` > `9`, `007` = `7`);
 *   a missing run counts as empty (non-digits) or zero (digits).
 */

export interface DpkgVersion {
  epoch: number;
  upstream: string;
  revision: string;
}

/** Splits a version into epoch, upstream version and revision (a missing epoch is 0). */
export function parseDpkgVersion(text: string): DpkgVersion {
  const v = text.trim();
  const colon = v.indexOf(':');
  let epoch = 0;
  let rest = v;
  if (colon > 0 && /^\d+$/.test(v.slice(0, colon))) {
    epoch = Number(v.slice(0, colon));
    rest = v.slice(colon + 1);
  }
  const dash = rest.lastIndexOf('-');
  return dash < 0 ? { epoch, upstream: rest, revision: '' } : { epoch, upstream: rest.slice(0, dash), revision: rest.slice(dash + 1) };
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isLetter = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/** The weight of a character inside a non-digit run; `c` is -1 past the end of the string. */
function weight(c: number): number {
  if (c === 126) return -1; // '~' sorts before everything, the end included
  if (c < 0 || isDigit(c)) return 0; // the end of the run
  if (isLetter(c)) return c;
  return c + 256; // every other character sorts after the letters
}

const at = (s: string, k: number): number => (k < s.length ? s.charCodeAt(k) : -1);

/** Compares two upstream versions or two revisions by dpkg's rules: <0, 0 or >0. */
export function compareDpkgPart(a: string, b: string): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    // a run of non-digits
    while ((i < a.length && !isDigit(at(a, i))) || (j < b.length && !isDigit(at(b, j)))) {
      const wa = weight(at(a, i));
      const wb = weight(at(b, j));
      if (wa !== wb) return wa - wb;
      i++;
      j++;
    }
    // a run of digits, compared as numbers of any length
    while (at(a, i) === 48) i++;
    while (at(b, j) === 48) j++;
    let firstDifference = 0;
    while (isDigit(at(a, i)) && isDigit(at(b, j))) {
      if (firstDifference === 0) firstDifference = at(a, i) - at(b, j);
      i++;
      j++;
    }
    if (isDigit(at(a, i))) return 1; // a's number has more digits
    if (isDigit(at(b, j))) return -1;
    if (firstDifference !== 0) return firstDifference;
  }
  return 0;
}

/** Orders two Debian versions: negative when a < b, 0 when equal, positive when a > b. */
export function compareDpkgVersions(a: string, b: string): number {
  if (a === b) return 0;
  return compareParsedDpkg(parseDpkgVersion(a), parseDpkgVersion(b));
}

/** Orders two parsed Debian versions (parse once, compare often). */
export function compareParsedDpkg(x: DpkgVersion, y: DpkgVersion): number {
  if (x.epoch !== y.epoch) return x.epoch - y.epoch;
  return compareDpkgPart(x.upstream, y.upstream) || compareDpkgPart(x.revision, y.revision);
}

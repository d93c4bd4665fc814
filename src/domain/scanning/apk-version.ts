/**
 * Alpine package versions ordered as apk orders them (apk-package(5), `apk version -t`):
 * `number(.number)*[letter](_suffix[number])*[~hash][-rN]`.
 *
 * A version is read as a sequence of tokens, each of a kind (in this order of
 * kinds: dot-number, number, letter, suffix, suffix number, revision, end) and a
 * value, and two versions are compared token by token:
 *
 * - Tokens of the same kind compare by value. The first number is a plain number;
 *   a number after a dot with leading zeros counts as minus the count of those
 *   zeros, followed by the rest of its digits (so `1.01` < `1.1`, `1.001` < `1.01`).
 *   A letter compares by character; `_alpha` < `_beta` < `_pre` < `_rc` (pre-releases,
 *   negative) < `_cvs` < `_svn` < `_git` < `_hg` < `_p` (post-releases).
 * - Where the kinds differ, a pre-release suffix makes its version the smaller;
 *   otherwise the version whose next token is of the later kind is the smaller
 *   (so `1.0` < `1.0.1`, `1.0` < `1.0a`, `1.0a` < `1.0.1`, `1.0_p1` > `1.0-r5`).
 *
 * A commit hash (`~abc123`) does not take part in the order. A string that is not
 * an apk version compares with another by its characters.
 */

/** Token kinds, in the order that decides between versions whose kinds differ. */
const Kind = {
  DotNumber: 0,
  Number: 1,
  Letter: 2,
  Suffix: 3,
  SuffixNumber: 4,
  Revision: 5,
  End: 6,
} as const;
type Kind = (typeof Kind)[keyof typeof Kind];

interface Token {
  kind: Kind;
  value: number;
}

const PRE_RELEASE = ['alpha', 'beta', 'pre', 'rc'];
const POST_RELEASE = ['cvs', 'svn', 'git', 'hg', 'p'];

const SHAPE = /^(\d+)((?:\.\d+)*)([a-z])?((?:_(?:alpha|beta|pre|rc|cvs|svn|git|hg|p)\d*)*)(?:~[0-9a-f]+)?(?:-r(\d+))?$/;

/** A digit run's value (exact up to 2^53, which version numbers stay below). */
const num = (digits: string): number => Number(digits);

/** The tokens of an apk version, or undefined when `text` is not one. */
export function apkTokens(text: string): Token[] | undefined {
  const m = SHAPE.exec(text.trim());
  if (!m) return undefined;
  const [, first = '', dotted = '', letter, suffixes = '', revision] = m;
  const out: Token[] = [{ kind: Kind.Number, value: num(first) }];
  for (const group of dotted.split('.').slice(1)) {
    const zeros = /^0*/.exec(group)![0].length;
    if (zeros === 0) {
      out.push({ kind: Kind.DotNumber, value: num(group) });
      continue;
    }
    out.push({ kind: Kind.DotNumber, value: -zeros });
    out.push({ kind: Kind.Number, value: num(group.slice(zeros) || '0') });
  }
  if (letter !== undefined) out.push({ kind: Kind.Letter, value: letter.charCodeAt(0) });
  for (const s of suffixes.split('_').slice(1)) {
    const name = /^[a-z]+/.exec(s)![0];
    const digits = s.slice(name.length);
    const pre = PRE_RELEASE.indexOf(name);
    out.push({ kind: Kind.Suffix, value: pre >= 0 ? pre - PRE_RELEASE.length : POST_RELEASE.indexOf(name) });
    if (digits !== '') out.push({ kind: Kind.SuffixNumber, value: num(digits) });
  }
  if (revision !== undefined) out.push({ kind: Kind.Revision, value: num(revision) });
  out.push({ kind: Kind.End, value: 0 });
  return out;
}

/** Whether `text` is a well-formed apk version. */
export const isApkVersion = (text: string): boolean => apkTokens(text) !== undefined;

/** Orders two Alpine versions: negative when a < b, 0 when equal, positive when a > b. */
export function compareApkVersions(a: string, b: string): number {
  if (a === b) return 0;
  return compareParsedApk(parseApkVersion(a), parseApkVersion(b));
}

/** A version read once for many comparisons: its tokens, or its text when it is not an apk version. */
export interface ApkVersion {
  text: string;
  tokens: Token[] | undefined;
}

export const parseApkVersion = (text: string): ApkVersion => ({ text, tokens: apkTokens(text) });

/** Orders two parsed Alpine versions (parse once, compare often). */
export function compareParsedApk(a: ApkVersion, b: ApkVersion): number {
  const x = a.tokens;
  const y = b.tokens;
  if (!x || !y) return a.text < b.text ? -1 : a.text > b.text ? 1 : 0;
  for (let k = 0; ; k++) {
    const p = x[k]!;
    const q = y[k]!;
    if (p.kind === q.kind) {
      if (p.kind === Kind.End) return 0;
      if (p.value !== q.value) return p.value < q.value ? -1 : 1;
      continue;
    }
    // The kinds differ: a pre-release suffix loses; else the later kind is the smaller version.
    if (p.kind === Kind.Suffix && p.value < 0) return -1;
    if (q.kind === Kind.Suffix && q.value < 0) return 1;
    return p.kind > q.kind ? -1 : 1;
  }
}

// The layer rules of src/README.md, checked on the import graph: which room may import
// which, the edges the faces may not cross, no cycles anywhere, and tools/ and test/ apart.
// Breaking a rule (say, an import of src/journal from src/http/oci) fails this test.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { findCycles, importsOf, ROOM_RULES, roomOf, violations } from './import-graph.ts';

const ROOT = normalize(join(dirname(fileURLToPath(import.meta.url)), '..', '..'));

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(ROOT, dir))) {
    const rel = join(dir, name);
    if (statSync(join(ROOT, rel)).isDirectory()) out.push(...sourceFiles(rel));
    else if (/\.(ts|js|mjs)$/.test(name) && !name.endsWith('.d.ts')) out.push(rel);
  }
  return out;
}

const files = [...sourceFiles('src'), ...sourceFiles('test'), ...sourceFiles('tools')];
const graph = new Map(files.map((f) => [f, importsOf(f, readFileSync(join(ROOT, f), 'utf8'))]));

test('every file under src/ is in a room the rules name', (t) => {
  const unknown = files.filter((f) => f.startsWith('src/') && roomOf(f) === undefined);
  t.deepEqual(unknown, [], 'add the room to ROOM_RULES (test/architecture/import-graph.ts) and to src/README.md');
});

test('rooms import only the rooms they may use (src/README.md)', (t) => {
  const found = violations(graph);
  t.deepEqual(found, [], found.join('\n'));
});

test('no import cycles anywhere in src/, test/ or tools/', (t) => {
  const cycles = findCycles(graph).map((c) => c.join(' -> '));
  t.deepEqual(cycles, [], cycles.join('\n'));
});

test('tools/ and test/ do not import each other', (t) => {
  const crossing: string[] = [];
  for (const [from, targets] of graph)
    for (const to of targets) {
      if (from.startsWith('tools/') && to.startsWith('test/')) crossing.push(`${from} -> ${to}`);
      if (from.startsWith('test/') && to.startsWith('tools/')) crossing.push(`${from} -> ${to}`);
    }
  t.deepEqual(crossing, []);
});

test('the checker itself: an import of src/journal from src/http/oci is refused, a cycle is found', (t) => {
  const bad = new Map([
    ['src/http/oci/blob-routes.ts', importsOf('src/http/oci/blob-routes.ts', "import { Journal } from '../../journal/index.ts';")],
  ]);
  t.deepEqual(violations(bad), ['src/http/oci/blob-routes.ts -> src/journal/index.ts (http may not use journal)']);
  const cyclic = new Map([
    ['src/domain/a.ts', ['src/domain/b.ts']],
    ['src/domain/b.ts', ['src/domain/a.ts']],
  ]);
  t.deepEqual(findCycles(cyclic), [['src/domain/a.ts', 'src/domain/b.ts', 'src/domain/a.ts']]);
  t.true(Object.keys(ROOM_RULES).length > 5);
  t.is(relative(ROOT, join(ROOT, 'src')), 'src');
});

test('no file in src/ is over 400 lines unless a comment at its top says why', (t) => {
  const long = files
    .filter((f) => f.startsWith('src/'))
    .filter((f) => {
      const text = readFileSync(join(ROOT, f), 'utf8');
      const lines = text.split('\n').length;
      const head = text.split('\n').slice(0, 40).join('\n');
      return lines > 400 && !/over 400 lines because/.test(head);
    });
  t.deepEqual(long, []);
});

// A start answers GET /_rewind/health only once the three faces can answer (issue 12): their code
// loads with the server, never on a first request or after the start. What a face may still load
// on first use is an optional part of an answer (the inspector's bundle from sources, the P-384
// curve behind the signing certificates), outside src/http/.
test('the faces (src/http/) load whole with the server: no dynamic import() in them', (t) => {
  const lazy = files.filter((f) => f.startsWith('src/http/') && /(?<!typeof )\bimport\(\s*['"`]/.test(readFileSync(join(ROOT, f), 'utf8')));
  t.deepEqual(lazy, []);
});

// Floors only import downward: each src/ file may import its own floor or one below it, and
// the only import circle allowed is the engine core (tensor, ops, autograd, memory), where eager
// autograd with tensor methods makes one inherent. Also: every source file under 400 lines, and
// ARCHITECTURE.md's picture of the floors equal to FLOORS. Run by `npm run lint`.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import madge from 'madge';

const FLOORS = [
  ['core/'],
  ['backends/'],
  ['tensor/', 'ops/', 'autograd/', 'memory.ts'], // the engine core: one unit
  ['nn/', 'optim/', 'data/'],
  ['io/', 'metrics/', 'experiments/'],
  ['models/'],
  ['report/'], // charts of model results (at.report); cli writes reports with it
  ['cli/', 'onnx/'],
  ['index.ts'],
];
const ENGINE = 2;

function floorOf(file) {
  const i = FLOORS.findIndex((prefixes) => prefixes.some((p) => file === p || file.startsWith(p)));
  if (i < 0)
    throw new Error(`check-floors: ${file} is on no floor; add its folder to FLOORS in scripts/check-floors.mjs`);
  return i;
}

// WGSL sources (../kernels) are text the webgpu backend bundles, not modules on a floor.
const res = await madge('src', { fileExtensions: ['ts'], excludeRegExp: [/\.d\.ts$/, /\.wgsl$/] });
const graph = res.obj();
const problems = [];
for (const [file, deps] of Object.entries(graph)) {
  for (const dep of deps) {
    if (floorOf(dep) > floorOf(file))
      problems.push(`upward import: ${file} (floor ${floorOf(file)}) imports ${dep} (floor ${floorOf(dep)})`);
  }
}
const circles = res.circular();
for (const circle of circles) {
  if (!circle.every((f) => floorOf(f) === ENGINE))
    problems.push(`import circle outside the engine core: ${circle.join(' > ')}`);
}
// The house rule on size: every source file under 400 lines (split a bigger one by concern).
const MAX_LINES = 400;
for (const file of Object.keys(graph)) {
  const lines = readFileSync(path.join('src', file), 'utf8').split('\n').length - 1;
  if (lines >= MAX_LINES)
    problems.push(`src/${file} has ${lines} lines; keep source files under ${MAX_LINES} (split it by concern)`);
}

// ARCHITECTURE.md draws the floors as mermaid nodes F0["core/"] ... F7["index.ts"]; the picture
// must list the same floors, in the same order, as FLOORS.
const doc = readFileSync(new URL('../ARCHITECTURE.md', import.meta.url), 'utf8');
const drawn = [...doc.matchAll(/^\s*F(\d+)\["([^"]*)"\]/gm)]
  .map((m) => [
    Number(m[1]),
    m[2]
      .replace(/\s*\(.*\)\s*$/, '')
      .split(' · ')
      .map((s) => s.trim()),
  ])
  .sort((a, b) => a[0] - b[0]);
const floorsText = (list) => list.map((prefixes, i) => `F${i}: ${prefixes.join(' · ')}`).join('; ');
const drawnText = floorsText(drawn.map(([, prefixes]) => prefixes));
if (drawn.some(([i], j) => i !== j) || drawnText !== floorsText(FLOORS))
  problems.push(`ARCHITECTURE.md draws the floors as ${drawnText || 'nothing'}; FLOORS has ${floorsText(FLOORS)}`);
const engineCircles = circles.length - problems.filter((p) => p.startsWith('import circle')).length;
if (problems.length) {
  console.error(problems.join('\n'));
  console.error(`check-floors: ${problems.length} problem(s)`);
  process.exit(1);
}
console.log(
  `check-floors: ${Object.keys(graph).length} files, every import goes down a floor or stays on it; ${engineCircles} circle(s), all inside the engine core; every file under ${MAX_LINES} lines; ARCHITECTURE.md draws these floors`,
);

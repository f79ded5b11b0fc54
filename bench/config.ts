// Config engine speed: merge time for each config of configs/ (cold, warm,
// cached) and for a generated tree of 2,000 configs; peak memory.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ConfigLoader, loadConfig } from '../src/config';
import { collectConfigFiles } from '../src/cli/lint';
import { generateConfigTree } from './generate-configs';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

export async function run(): Promise<void> {
  const root = path.resolve(__dirname, '..');
  const { files } = collectConfigFiles([path.join(root, 'configs')]);
  console.log('## config engine');
  console.log('config'.padEnd(52), 'cold ms'.padStart(9), 'warm ms'.padStart(9), 'cached ms'.padStart(10), 'depth'.padStart(6));
  let deepest = { file: '', depth: -1, warm: 0 };
  for (const f of files) {
    const cold = time(() => loadConfig(f, { loader: new ConfigLoader() }));
    for (let i = 0; i < 10; i++) loadConfig(f, { loader: new ConfigLoader() });
    const warm = median(Array.from({ length: 30 }, () => time(() => loadConfig(f, { loader: new ConfigLoader() }))));
    const shared = new ConfigLoader();
    loadConfig(f, { loader: shared });
    const cached = median(Array.from({ length: 20 }, () => time(() => loadConfig(f, { loader: shared }))));
    const r = loadConfig(f, { loader: new ConfigLoader() });
    const depthOf = (u: typeof r.unit): number => (u.baseUnits.length ? 1 + Math.max(...u.baseUnits.map(depthOf)) : 0);
    const depth = depthOf(r.unit);
    if (depth > deepest.depth || (depth === deepest.depth && warm > deepest.warm)) deepest = { file: f, depth, warm };
    console.log(path.relative(root, f).padEnd(52), cold.toFixed(2).padStart(9), warm.toFixed(2).padStart(9), cached.toFixed(3).padStart(10), String(depth).padStart(6));
  }
  console.log(`deepest real config: ${path.relative(root, deepest.file)} (${deepest.depth} hops) warm ${deepest.warm.toFixed(2)} ms; target < 5 ms: ${(deepest.warm / 5).toFixed(2)}x of budget`);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yololab-bench-'));
  const gen = generateConfigTree(dir, 2000);
  const rss0 = process.memoryUsage().rss;
  let peak = rss0;
  const loader = new ConfigLoader();
  const t0 = performance.now();
  let ok = 0;
  for (const f of gen.files) {
    if (loadConfig(f, { loader }).ok) ok++;
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  const cold = performance.now() - t0;
  // An edit to one root base: only it and its dependents are evaluated again.
  const root0 = gen.roots[0];
  fs.appendFileSync(root0, '\nextra_key = 1\n');
  const t1 = performance.now();
  for (const f of gen.files) loadConfig(f, { loader });
  const reload = performance.now() - t1;
  console.log(`generated tree: ${gen.files.length} configs, chains ${gen.depth} deep, ${gen.basesPerFile} bases per file: ${ok} loaded in ${cold.toFixed(0)} ms cold (${(cold / gen.files.length).toFixed(2)} ms/config); target < 5000 ms: ${(cold / 5000).toFixed(2)}x of budget`);
  console.log(`after editing one root base, re-loading all ${gen.files.length}: ${reload.toFixed(0)} ms (cache keyed by content; ${gen.dependentsOfRoot} configs depend on that base)`);
  console.log(`peak RSS ${(peak / 2 ** 20).toFixed(0)} MB (start ${(rss0 / 2 ** 20).toFixed(0)} MB)`);
  fs.rmSync(dir, { recursive: true, force: true });
}

// Config engine speed: merge time for each config of configs/ (cold, warm,
// cached) and for a generated tree of 2,000 configs; peak memory; and lint and
// print-config of 14 and 20 MB configs through the CLI (time, CPU, peak RSS).

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ConfigLoader, loadConfig } from '../src/config';
import { collectConfigFiles } from '../src/cli/lint';
import { spawnSync } from 'node:child_process';
import { bigConfig } from './big-config';
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
  console.log(
    'config'.padEnd(52),
    'cold ms'.padStart(9),
    'warm ms'.padStart(9),
    'cached ms'.padStart(10),
    'depth'.padStart(6),
  );
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
    console.log(
      path.relative(root, f).padEnd(52),
      cold.toFixed(2).padStart(9),
      warm.toFixed(2).padStart(9),
      cached.toFixed(3).padStart(10),
      String(depth).padStart(6),
    );
  }
  console.log(
    `deepest real config: ${path.relative(root, deepest.file)} (${deepest.depth} hops) warm ${deepest.warm.toFixed(2)} ms; target < 5 ms: ${(deepest.warm / 5).toFixed(2)}x of budget`,
  );

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
  console.log(
    `generated tree: ${gen.files.length} configs, chains ${gen.depth} deep, ${gen.basesPerFile} bases per file: ${ok} loaded in ${cold.toFixed(0)} ms cold (${(cold / gen.files.length).toFixed(2)} ms/config); target < 5000 ms: ${(cold / 5000).toFixed(2)}x of budget`,
  );
  console.log(
    `after editing one root base, re-loading all ${gen.files.length}: ${reload.toFixed(0)} ms (cache keyed by content; ${gen.dependentsOfRoot} configs depend on that base)`,
  );
  console.log(`peak RSS ${(peak / 2 ** 20).toFixed(0)} MB (start ${(rss0 / 2 ** 20).toFixed(0)} MB)`);
  fs.rmSync(dir, { recursive: true, force: true });
  largeConfigs(root);
}

/** One CLI run as a user makes it: wall time, CPU time and peak RSS of the child process. */
function cliRun(root: string, args: string[]): { wallMs: number; cpuMs: number; rssMb: number; status: number | null } {
  const usage = path.join(os.tmpdir(), `yololab-usage-${process.pid}.json`);
  const t = performance.now();
  const r = spawnSync(
    process.execPath,
    ['--require', path.join(__dirname, 'child-usage.cjs'), path.join(root, 'bin/yololab.js'), ...args],
    {
      env: { ...process.env, YOLOLAB_USAGE_FILE: usage },
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 600_000,
    },
  );
  const wallMs = performance.now() - t;
  const u = JSON.parse(fs.readFileSync(usage, 'utf8')) as { cpuMs: number; maxRssKb: number };
  fs.rmSync(usage, { force: true });
  return { wallMs, cpuMs: u.cpuMs, rssMb: u.maxRssKb / 1024, status: r.status };
}

/**
 * Issue 14: a 14 MB config took 10-13 s to lint from the CLI (templates made the engine
 * quadratic). Targets: 20 MB in under 5 s, and no run past 500 MB RSS. The config is
 * bench/big-config.ts (one MMYOLO-style dict per line reading the base through a template).
 * Medians of 3 runs; wall time depends on what else the machine runs, CPU time less so.
 */
function largeConfigs(root: string): void {
  console.log('');
  console.log('### large configs through the CLI (issue 14; reference: 14 MB took 10-13 s to lint before)');
  console.log(
    'config'.padEnd(14),
    'command'.padEnd(22),
    'wall s'.padStart(8),
    'cpu s'.padStart(8),
    'peak RSS MB'.padStart(12),
  );
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yololab-bench-big-'));
  let worst = { wall: 0, rss: 0 };
  for (const mb of [14, 20]) {
    const big = bigConfig(dir, mb * 1024 * 1024, `big_${mb}mb.py`);
    for (const [name, args] of [
      ['lint', ['lint', big.main]],
      ['print-config', ['print-config', big.main]],
      ['print-config --json', ['print-config', big.main, '--format', 'json']],
    ] as const) {
      const runs = Array.from({ length: 3 }, () => cliRun(root, [...args]));
      const bad = runs.find((r) => r.status === null || r.status > 1);
      if (bad) console.log(`  ${name} on ${mb} MB failed (status ${bad.status})`);
      const wall = median(runs.map((r) => r.wallMs)) / 1000;
      const cpu = median(runs.map((r) => r.cpuMs)) / 1000;
      const rss = Math.max(...runs.map((r) => r.rssMb));
      if (mb === 20) worst = { wall: Math.max(worst.wall, wall), rss: Math.max(worst.rss, rss) };
      console.log(
        `${mb} MB`.padEnd(14),
        name.padEnd(22),
        wall.toFixed(2).padStart(8),
        cpu.toFixed(2).padStart(8),
        rss.toFixed(0).padStart(12),
      );
    }
  }
  console.log(
    `20 MB, slowest command: ${worst.wall.toFixed(2)} s wall; target < 5 s: ${(worst.wall / 5).toFixed(2)}x of budget`,
  );
  console.log(
    `largest peak RSS: ${worst.rss.toFixed(0)} MB; target < 500 MB: ${(worst.rss / 500).toFixed(2)}x of budget`,
  );

  // Small inputs that would take unbounded memory or time if nothing bounded them.
  console.log('');
  console.log('### hostile configs through print-config (target: an answer, never past 500 MB RSS)');
  const hostile: [string, string][] = [
    ['ten million dicts', 'x = [{} for _ in range(10**7)]'],
    ['dicts with lists', 'x = [dict(a=i, b=[i, i], c=dict(d=i)) for i in range(3 * 10**6)]'],
    ['tuples of strings', 'x = [(i, str(i) * 10, i * 1.5) for i in range(10**7)]'],
    ['strings', 'x = [str(i) for i in range(10**7)]'],
    ['dict comprehension', 'x = {i: i for i in range(10**7)}'],
    ['lists of zeros', 'x = [[0] * 100000 for _ in range(1000)]'],
    // server-core's report: these 40 bytes took 61 s and 2.8 GB before the budget.
    ['many small lists', 'x = [[0]*1000 for i in range(100000)]'],
    ['lists that multiply', 'a = [1] * 1000\nb = [a] * 1000\nc = [b] * 1000'],
    ['long strings', "x = ['ab' * 8000000, 'cd' * 8000000]"],
    ['string growth', "x = 'ab' * 8000000\nfor i in range(20):\n    x = x + x"],
    ['nesting by a loop', 'x = []\nfor i in range(10**6):\n    x = [x]'],
    ['a huge format width', "x = '{:>999999999}'.format(1)"],
    // Little memory, hours of work if nothing counted it.
    ['sum in a loop', 'a = [0] * 10**6\nx = [sum(a) for i in range(10**6)]'],
    ['filtered nested loops', 'x = [0 for i in range(10**7) for j in range(10**7) if 0]'],
  ];
  console.log('case'.padEnd(22), 'exit'.padStart(5), 'wall s'.padStart(8), 'peak RSS MB'.padStart(12));
  let peak = 0;
  for (const [name, text] of hostile) {
    const file = path.join(dir, `hostile_${name.replace(/\W+/g, '_')}.py`);
    fs.writeFileSync(file, text + '\n');
    const r = cliRun(root, ['print-config', file]);
    peak = Math.max(peak, r.rssMb);
    console.log(
      name.padEnd(22),
      String(r.status).padStart(5),
      (r.wallMs / 1000).toFixed(2).padStart(8),
      r.rssMb.toFixed(0).padStart(12),
    );
  }
  console.log(
    `hostile configs: largest peak RSS ${peak.toFixed(0)} MB; target < 500 MB: ${(peak / 500).toFixed(2)}x of budget`,
  );
  fs.rmSync(dir, { recursive: true, force: true });
}

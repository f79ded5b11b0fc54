// Editor features, in-process, on the fixture trees (test/fixtures/workspace-traps and a
// generated checkout of 2,000 configs with a metafile and a README per folder): the
// propagation-trap fix (with its check by reloading), the merged preview's text, inlay hints,
// and the document edits of a rename. Medians of repeated runs, next to the latency an
// editor action should stay under, and the ratio.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ConfigLoader, loadConfig } from '../src/config/index';
import { propagationTrap } from '../src/lint/inheritance';
import { documentRenameEdits } from '../src/workspace/doc-rename-edits';
import { valueHints } from '../src/workspace/inlay-hints';
import { mergedView } from '../src/workspace/merged-view';
import { propagationFix } from '../src/workspace/trap-fix';

const TRAPS = path.resolve(__dirname, '../test/fixtures/workspace-traps/configs');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(n: number, fn: () => void): number {
  fn(); // warm
  const t: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    fn();
    t.push(performance.now() - t0);
  }
  return median(t);
}

function report(what: string, ms: number, targetMs: number): void {
  console.log(
    `${what.padEnd(64)} ${ms.toFixed(2).padStart(8)} ms   target ${String(targetMs).padStart(4)} ms   ratio ${(ms / targetMs).toFixed(2)}`,
  );
}

/** A checkout of `folders` model folders with 5 chained configs, a metafile and a README each. */
export function generateCheckout(folders: number): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'yololab-bench-editor-'));
  fs.mkdirSync(path.join(root, 'mmyolo'));
  fs.writeFileSync(path.join(root, 'mmyolo/__init__.py'), '');
  fs.mkdirSync(path.join(root, 'configs/_base_'), { recursive: true });
  fs.writeFileSync(path.join(root, 'configs/_base_/runtime.py'), "default_scope = 'mmyolo'\n");
  for (let f = 0; f < folders; f++) {
    const dir = path.join(root, `configs/algo${f}`);
    fs.mkdirSync(dir);
    const names = ['s', 'm', 'l', 'x', 'xx'].map((s) => `algo${f}_${s}_syncbn_fast_8xb16-300e_coco.py`);
    names.forEach((n, i) =>
      fs.writeFileSync(
        path.join(dir, n),
        `_base_ = '${i ? './' + names[i - 1] : '../_base_/runtime.py'}'\nmax_epochs = ${300 + i}\n`,
      ),
    );
    fs.writeFileSync(
      path.join(dir, 'metafile.yml'),
      'Models:\n' + names.map((n) => `  - Name: ${n.slice(0, -3)}\n    Config: configs/algo${f}/${n}\n`).join(''),
    );
    fs.writeFileSync(path.join(dir, 'README.md'), `# algo${f}\n\n` + names.map((n) => `- [config](./${n})\n`).join(''));
  }
  return root;
}

export async function run(): Promise<void> {
  console.log('## editor features (in-process)');
  const cat = path.join(TRAPS, 'yolov8/yolov8_s_fast_1xb12-40e_cat.py');
  const base = path.join(TRAPS, 'yolov8/yolov8_s_syncbn_fast_8xb16-500e_coco.py');
  const loader = new ConfigLoader();
  const r = loadConfig(cat, { loader });
  const names = propagationTrap(r.unit).map((d) => (d.data as { name: string }).name);
  const reload = (text: string) =>
    loadConfig(cat, { loader: new ConfigLoader(), overlay: (f) => (f === cat ? text : undefined) });
  report(
    `trap fix with its reload check, ${names.length} traps of the cat fixture (each)`,
    time(20, () => names.forEach((n) => propagationFix(r.unit, n, reload))) / names.length,
    100,
  );
  report(
    'merged preview text (focused part + MMEngine layout), cat fixture',
    time(50, () => mergedView(r)),
    50,
  );
  const b = loadConfig(base, { loader });
  report(
    `inlay hints of a ${b.unit.text.split('\n').length}-line base config`,
    time(200, () => valueHints(b)),
    10,
  );

  const root = generateCheckout(400);
  try {
    const from = path.join(root, 'configs/algo200/algo200_l_syncbn_fast_8xb16-300e_coco.py');
    const moves = [{ from, to: from.replace('8xb16', '8x16b') }];
    let edits = 0;
    const ms = time(10, () => (edits = documentRenameEdits([root], moves, () => undefined).length));
    report(`document edits of a rename, 2,000 configs, 400 metafiles and READMEs (${edits} edits)`, ms, 100);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

if (require.main === module) void run();

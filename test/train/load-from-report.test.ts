// load_from with a checkpoint of another architecture (a neck twice as deep, or half as deep) and
// another num_classes: the run starts from what fits and the log says what did not, as MMEngine's
// load_state_dict does: "unexpected key in source state_dict: ...", "missing keys in source
// state_dict: ..." (num_batches_tracked left out of the missing ones) and the size mismatches.
// The expected key sets come from PyTorch's state_dict of each model (every BatchNorm also has
// num_batches_tracked), not from the loader.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { makeDemoDataset } from '../../src/data/demo-dataset';
import { torchShape } from '../../src/checkpoint/mmyolo-params';
import { openCheckpoint, savePthCheckpoint } from '../../src/train/checkpoint';
import { loadTrainConfig } from '../../src/train/config';
import { buildModel } from '../../src/train/prepare';
import { train } from '../../src/train/runner';
import { tinyConfig } from './fixtures/tiny-config';
import { runLogText } from '../helpers/cli-output';

const dir = mkdtempSync(join(tmpdir(), 'yololab-lf-report-'));
const data = join(dir, 'data');
const DEEP_NECK = "model['neck']['deepen_factor'] = 0.67\n";
const THREE_CLASSES = "model['bbox_head']['head_module']['num_classes'] = 3\n";
let n = 0;

function config(extra: string): string {
  const f = join(dir, `cfg${n++}.py`);
  writeFileSync(f, tinyConfig(data, `val_evaluator = None\n${extra}`));
  return f;
}

/** A state_dict as PyTorch has it: key -> shape, num_batches_tracked ([]) for every BatchNorm. */
type TorchState = Map<string, number[]>;

/** The state_dict of a config's freshly built model, and (with `save`) that model saved as a .pth. */
async function modelState(cfgFile: string, save?: string): Promise<TorchState> {
  await tf.setBackend('cpu');
  const { store } = buildModel(loadTrainConfig(cfgFile), 0);
  if (save)
    savePthCheckpoint(save, {
      store,
      meta: { epoch: 0, iter: 0, seed: 0, experimentName: 'source', classes: ['a', 'b', 'c', 'd'], yololab: {} },
    });
  const state: TorchState = new Map();
  for (const [k, v] of store.stateDict()) {
    state.set(k, torchShape(k, v.shape));
    if (k.endsWith('.running_mean')) state.set(k.replace(/running_mean$/, 'num_batches_tracked'), []);
  }
  store.dispose();
  return state;
}

/** A source checkpoint made from `extra`'s model; its state_dict as read back from the file. */
async function source(extra: string): Promise<{ file: string; state: TorchState }> {
  const file = join(dir, `source${n}.pth`);
  await modelState(config(extra), file);
  const ck = await openCheckpoint(file);
  const state: TorchState = new Map([...ck.inference].map(([k, t]) => [k, t.shape]));
  await ck.close();
  return { file, state };
}

/** What MMEngine's load_state_dict reports for `src` loaded into `model`. */
function expectedReport(src: TorchState, model: TorchState) {
  const same = (a: number[], b: number[]) => a.length === b.length && a.every((d, i) => d === b[i]);
  const keys = [...model.keys()];
  return {
    unexpected: [...src.keys()].filter((k) => !model.has(k)),
    missing: keys.filter((k) => !src.has(k) && !k.endsWith('num_batches_tracked')),
    mismatched: keys.filter((k) => src.has(k) && !same(src.get(k)!, model.get(k)!)),
    tensors: keys.filter((k) => !k.endsWith('num_batches_tracked')).length,
  };
}

/** load_from's log lines (as the run's .log file has them) of a one-iteration run of `cfgFile`. */
async function loadLines(cfgFile: string, workDir: string): Promise<string[]> {
  const r = await train({
    config: cfgFile,
    workDir,
    seed: 1,
    echo: () => undefined,
    tty: false,
    backend: 'wasm',
    maxIters: 1,
  });
  const log = runLogText(r.runDir);
  return log
    .split('\n')
    .filter((l) => /(^| - )(INFO|WARNING) - load_from/.test(l))
    .map((l) => l.replace(/^(.* - )?(INFO|WARNING) - /, ''));
}

/** The names a report line lists (the first 8) and how many it says there are in all. */
function listed(lines: string[], prefix: string): { names: string[]; total: number } | undefined {
  const line = lines.find((l) => l.startsWith(prefix));
  if (!line) return undefined;
  const m = /^(.*?)(?: and (\d+) more)?$/.exec(line.slice(prefix.length))!;
  const names = prefix.includes('size mismatch')
    ? [...m[1].matchAll(/(?:^|\), )([\w.]+) \(checkpoint/g)].map((x) => x[1])
    : m[1].split(', ');
  return { names, total: names.length + Number(m[2] ?? 0) };
}

function assertListed(lines: string[], prefix: string, want: string[], what: string): void {
  const got = listed(lines, prefix);
  if (!want.length) {
    assert.equal(got, undefined, `${what}: nothing to report, yet:\n${lines.join('\n')}`);
    return;
  }
  assert.ok(got, `${what}: no line '${prefix}...' in:\n${lines.join('\n')}`);
  assert.equal(
    got.total,
    want.length,
    `${what}: ${got.total} keys reported, ${want.length} expected (${want.join(', ')})`,
  );
  assert.equal(got.names.length, Math.min(8, want.length), `${what}: the first 8 are named`);
  for (const k of got.names) assert.ok(want.includes(k), `${what}: ${k} is not one of ${want.join(', ')}`);
}

function assertReport(lines: string[], want: ReturnType<typeof expectedReport>, what: string): void {
  assertListed(lines, 'load_from: unexpected key in source state_dict: ', want.unexpected, `${what}, unexpected`);
  assertListed(lines, 'load_from: missing keys in source state_dict: ', want.missing, `${what}, missing`);
  assertListed(lines, 'load_from: size mismatch, skipped: ', want.mismatched, `${what}, size mismatch`);
  const loaded = lines.map((l) => /: loaded (\d+) of (\d+) tensors$/.exec(l)).find((m) => m);
  assert.ok(loaded, `${what}: no 'loaded N of M tensors' in:\n${lines.join('\n')}`);
  assert.deepEqual(
    [Number(loaded[1]), Number(loaded[2])],
    [want.tensors - want.missing.length - want.mismatched.length, want.tensors],
    `${what}: loaded N of M`,
  );
}

before(async () => {
  await makeDemoDataset(data, { train: 4, val: 2, size: 64, seed: 5 });
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('a checkpoint with a deeper neck and 3 classes: its extra keys are reported unexpected, the class layers and final convs mismatched', async () => {
  const src = await source(DEEP_NECK + THREE_CLASSES);
  const cfg = config(`load_from = '${src.file}'\n`);
  const want = expectedReport(src.state, await modelState(cfg));
  // The deeper neck's second bottleneck in each of its four CSP layers, nothing else.
  assert.ok(want.unexpected.length > 8, `${want.unexpected.length} unexpected keys`);
  for (const k of want.unexpected) assert.match(k, /^neck\.(top_down|bottom_up)_layers\.[01]\.blocks\.1\./);
  assert.deepEqual(want.missing, []);
  // The class-score convs (3 classes, not 4) and each CSP layer's final conv (fewer inputs).
  for (const k of want.mismatched)
    assert.match(k, /^bbox_head\.head_module\.cls_preds\.\d\.2\.|\.final_conv\.conv\.weight$/);
  assert.ok(want.mismatched.includes('bbox_head.head_module.cls_preds.0.2.weight'), want.mismatched.join(', '));
  assertReport(await loadLines(cfg, join(dir, 'wd-deep')), want, 'deeper neck, 3 classes into the tiny config');
});

test('a checkpoint with a shallower neck: the keys it lacks are reported missing, num_batches_tracked left out', async () => {
  const src = await source('');
  const cfg = config(`${DEEP_NECK}load_from = '${src.file}'\n`);
  const want = expectedReport(src.state, await modelState(cfg));
  assert.ok(want.missing.length > 8, `${want.missing.length} missing keys`);
  for (const k of want.missing) assert.match(k, /^neck\.(top_down|bottom_up)_layers\.[01]\.blocks\.1\./);
  assert.deepEqual(want.unexpected, []);
  const lines = await loadLines(cfg, join(dir, 'wd-shallow'));
  assertReport(lines, want, 'tiny neck into a deeper one');
  assert.ok(
    !lines.some((l) => /num_batches_tracked/.test(l)),
    `num_batches_tracked is never missing:\n${lines.join('\n')}`,
  );
});

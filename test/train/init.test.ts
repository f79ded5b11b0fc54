// Initialisation as MMYOLO does it, checked against the weights MMYOLO v0.6.0 itself
// initialises for the same configs (test/fixtures/mmyolo-reference/init_stats.json, from
// make_init_stats.py): per tensor the same size and a matching distribution (mean, spread and
// largest magnitude). What this pins down:
// - backbone and neck convs, plugin convs included, are reset to PyTorch's default
//   (csp_darknet.py L290-299, yolov5_pafpn.py L58-67): uniform in +-1/sqrt(fan_in);
// - head ConvModules keep MMCV's kaiming_init (conv_module.py L234-251, weight_init.py L91-106:
//   normal, fan_out, relu gain), since the heads' init_weights resets no conv (yolov8_head.py L76-84);
// - the prediction biases carry MMYOLO's priors (yolov5_head.py L91-104, yolov8_head.py L76-84);
// - BatchNorm weights 1, biases 0, running mean 0 and variance 1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/data/rng';
import { loadTrainConfig } from '../../src/train/config';
import { YOLODetector } from '../../src/train/model/detector';
import { ParamStore } from '../../src/train/params';
import { REFERENCE_DIR } from '../helpers/reference-tensors';

const ROOT = join(__dirname, '..', '..');
const reference = JSON.parse(readFileSync(join(REFERENCE_DIR, 'init_stats.json'), 'utf8')) as Record<
  string,
  { config: string; stats: Record<string, [number, number, number, number]> }
>;

function stats(v: Float32Array): [number, number, number, number] {
  let s = 0;
  let m = 0;
  for (const x of v) {
    s += x;
    m = Math.max(m, Math.abs(x));
  }
  const mean = s / v.length;
  let q = 0;
  for (const x of v) q += (x - mean) ** 2;
  return [v.length, mean, v.length > 1 ? Math.sqrt(q / (v.length - 1)) : 0, m];
}

for (const [name, ref] of Object.entries(reference)) {
  test(`initial weights of ${ref.config} are distributed as MMYOLO initialises them`, async () => {
    await tf.setBackend('cpu');
    const store = new ParamStore(new Rng(0).fork('init'));
    new YOLODetector(store, loadTrainConfig(join(ROOT, ref.config)).cfg.model);
    const ours = store.stateDict();
    const problems: string[] = [];
    for (const [key, [n, mean, std, max]] of Object.entries(ref.stats)) {
      const v = ours.get(key);
      if (!v) {
        problems.push(`${key}: missing`);
        continue;
      }
      const [on, omean, ostd, omax] = stats(v.dataSync() as Float32Array);
      const say = (what: string) =>
        problems.push(
          `${key} (${n} values): ${what}; ours mean ${omean.toExponential(3)} std ${ostd.toExponential(3)} max ${omax.toExponential(3)}, MMYOLO mean ${mean.toExponential(3)} std ${std.toExponential(3)} max ${max.toExponential(3)}`,
        );
      if (on !== n) say('size differs');
      else if (n === 1) {
        // One random number each (a 1-channel conv's bias): both drawn, or both the same constant.
        if ((max === 0) !== (omax === 0)) say('one is zero, the other not');
      } else if (std === 0) {
        if (ostd !== 0 || Math.abs(omean - mean) > 1e-6) say('MMYOLO has a constant');
      } else {
        // Means agree within sampling error; spread within 15% (a factor 2.5 under 32 values);
        // the largest magnitude tells a uniform (about 1.7 std) from a normal (3-4 std) distribution.
        const big = n >= 256;
        if (Math.abs(omean - mean) > 5 * (std / Math.sqrt(n)) + 1e-6) say('mean differs');
        else if (n >= 32 ? Math.abs(ostd / std - 1) > (big ? 0.15 : 0.3) : ostd / std > 2.5 || std / ostd > 2.5)
          say('spread differs');
        else if (big && Math.abs(omax / max - 1) > 0.35) say('largest magnitude differs (another distribution)');
      }
    }
    assert.deepEqual(problems, [], `${name}: ${problems.length} tensors differ from MMYOLO's initialisation`);
    store.dispose();
  });
}

// The filename convention parser (docs/filename-convention.md) on the names MMYOLO and MMDetection use.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFilename } from '../../src/lint/filename';

test('MMYOLO names split into their parts', () => {
  const { parts, issues } = parseFilename('yolov5_s-v61_syncbn_fast_8xb16-300e_coco.py');
  assert.deepEqual(issues, []);
  assert.equal(parts.algorithm, 'yolov5');
  assert.deepEqual(parts.components, ['s-v61']);
  assert.equal(parts.size, 's');
  assert.equal(parts.norm, 'syncbn');
  assert.equal(parts.preprocessor, 'fast');
  assert.deepEqual([parts.gpus, parts.batch, parts.epochs, parts.trainData], [8, 16, 300, 'coco']);
});

test('ppyoloe_plus is one algorithm; iterations and MMDetection schedules parse', () => {
  assert.equal(parseFilename('ppyoloe_plus_s_fast_8xb8-80e_coco.py').parts.algorithm, 'ppyoloe_plus');
  assert.equal(parseFilename('rtmdet_tiny_syncbn_fast_8xb32-300k_coco.py').parts.iters, 300000);
  const frcnn = parseFilename('faster-rcnn_r50_fpn_1x_coco.py');
  assert.deepEqual(frcnn.issues, []);
  assert.deepEqual([frcnn.parts.components, frcnn.parts.epochs], [['r50', 'fpn'], 12]);
  assert.equal(parseFilename('yolov8_s_fast_1xb12-40e_cat.py').parts.trainData, 'cat');
});

test('8x16b is flagged with the fix', () => {
  const { issues, parts } = parseFilename('yolov7_tiny_syncbn_fast_8x16b-300e_coco.py');
  assert.equal(issues.length, 1);
  assert.equal(issues[0].rule, 'filename-misspelling');
  assert.equal(issues[0].fix, 'yolov7_tiny_syncbn_fast_8xb16-300e_coco.py');
  assert.deepEqual([parts.gpus, parts.batch, parts.epochs], [8, 16, 300]);
});

test('a user dataset is information, not an error; a wrong separator is a warning with a fix', () => {
  const own = parseFilename('yolov8_s_fast_1xb16-100e_mydrones.py');
  assert.deepEqual(
    own.issues.map((i) => [i.rule, i.severity]),
    [['filename-unknown-token', 'information']],
  );
  const sep = parseFilename('yolov8_s_fast_8xb16_100e_coco.py');
  assert.equal(sep.issues[0].rule, 'filename-separator');
  assert.equal(sep.issues[0].fix, 'yolov8_s_fast_8xb16-100e_coco.py');
});

test('a known dataset with a variant after - (voc0712-cocofmt, crowdhuman-mot20train, demo-2cls) is known; an unknown one stays information', () => {
  for (const name of ['faster-rcnn_r50_fpn_1x_voc0712-cocofmt.py', 'yolov8_n-tiny_1xb8-10e_demo-2cls.py'])
    assert.deepEqual(parseFilename(name).issues, [], name);
  assert.equal(parseFilename('yolov8_n-tiny_1xb8-10e_demo-2cls.py').parts.trainData, 'demo-2cls');
  // MMDetection's tracking detector: trained on crowdhuman-mot20train (known), tested on test-mot20test (not).
  const mot = parseFilename('yolox_x_8xb4-80e_crowdhuman-mot20train_test-mot20test.py');
  assert.deepEqual(
    mot.issues.map((i) => [i.rule, i.severity, i.message]),
    [
      [
        'filename-unknown-token',
        'information',
        "'test-mot20test' is not a dataset name YOLO Lab knows (fine for your own data)",
      ],
    ],
  );
});

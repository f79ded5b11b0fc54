import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseScalarLine, readScalarsFile, ScalarsTail } from '../../client/runs/scalars-tail';

function tmpFile(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'yololab-tail-')), 'scalars.json');
}

test('a missing file yields nothing until the trainer writes it', () => {
  const t = new ScalarsTail(tmpFile());
  assert.deepEqual(t.read(), { records: [], reset: false, problems: [] });
});

test('appended lines arrive once each; a partial last line waits for its newline', () => {
  const f = tmpFile();
  const t = new ScalarsTail(f);
  fs.writeFileSync(f, '{"loss": 4.1, "iter": 10, "step": 10}\n{"loss": 3.');
  assert.deepEqual(t.read().records, [{ loss: 4.1, iter: 10, step: 10 }]);
  assert.deepEqual(t.read().records, []);
  fs.appendFileSync(f, '9, "iter": 20, "step": 20}\n');
  assert.deepEqual(t.read().records, [{ loss: 3.9, iter: 20, step: 20 }]);
});

test('a multi-byte character split between two writes is decoded intact', () => {
  const f = tmpFile();
  const t = new ScalarsTail(f);
  const line = Buffer.from('{"loss": 1, "note": "λ", "step": 1}\n');
  const cut = line.indexOf(0xce) + 1; // inside the two bytes of λ
  fs.writeFileSync(f, line.subarray(0, cut));
  assert.equal(t.read().problems.length, 0);
  fs.appendFileSync(f, line.subarray(cut));
  const r = t.read();
  assert.deepEqual(r.records, [{ loss: 1, step: 1 }]); // strings are not scalars
  assert.deepEqual(r.problems, []);
});

test('truncation restarts from the top and says so', () => {
  const f = tmpFile();
  const t = new ScalarsTail(f);
  fs.writeFileSync(f, '{"loss": 5, "step": 1}\n{"loss": 4, "step": 2}\n');
  assert.equal(t.read().records.length, 2);
  fs.writeFileSync(f, '{"loss": 9, "step": 1}\n');
  const r = t.read();
  assert.equal(r.reset, true);
  assert.deepEqual(r.records, [{ loss: 9, step: 1 }]);
});

test('a file replaced by a new one (same size or bigger) is read from its start', () => {
  const f = tmpFile();
  const t = new ScalarsTail(f);
  fs.writeFileSync(f, '{"loss": 5, "step": 1}\n');
  t.read();
  const other = f + '.new';
  fs.writeFileSync(other, '{"loss": 7, "step": 1}\n{"loss": 6, "step": 2}\n');
  fs.renameSync(other, f);
  const r = t.read();
  assert.equal(r.reset, true);
  assert.deepEqual(
    r.records.map((x) => x.loss),
    [7, 6],
  );
});

test('a deleted file resets the reader', () => {
  const f = tmpFile();
  const t = new ScalarsTail(f);
  fs.writeFileSync(f, '{"loss": 5, "step": 1}\n');
  t.read();
  fs.unlinkSync(f);
  assert.equal(t.read().reset, true);
});

test('bad lines are reported with file and line number and do not stop later lines', () => {
  const f = tmpFile();
  fs.writeFileSync(f, '{"loss": 1, "step": 1}\nnot json\n[1,2]\n{"loss": 0.5, "step": 2}\n');
  const r = new ScalarsTail(f).read();
  assert.deepEqual(
    r.records.map((x) => x.step),
    [1, 2],
  );
  assert.equal(r.problems.length, 2);
  assert.match(r.problems[0], new RegExp(`^${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: not valid JSON`));
  assert.match(r.problems[1], /:3: not a JSON object$/);
});

test('non-finite and non-numeric fields are left out of a record', () => {
  assert.deepEqual(parseScalarLine('{"loss": "nan", "lr": 0.01, "step": 3, "flag": true}'), { lr: 0.01, step: 3 });
});

test('a finished file whose last line lacks a newline is read completely', () => {
  const f = tmpFile();
  fs.writeFileSync(f, '{"loss": 1, "step": 1}\n{"loss": 0.5, "step": 2}');
  assert.deepEqual(
    readScalarsFile(f).records.map((x) => x.step),
    [1, 2],
  );
});

test('the MMYOLO fixture (real format: yolov5 losses, coco metrics) parses without problems', () => {
  const f = path.join(
    __dirname,
    'fixtures/work_dirs/yolov5_s-v61_syncbn_fast_8xb16-300e_coco/20230115_093012/vis_data/scalars.json',
  );
  const r = readScalarsFile(f);
  assert.deepEqual(r.problems, []);
  assert.equal(r.records.length, 82);
  assert.ok(r.records.some((x) => 'coco/bbox_mAP' in x && x.step === 20));
});

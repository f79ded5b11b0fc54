import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseScalarLine, readScalarsFile, ScalarsTail } from '../../client/runs/scalars-tail';
import { evaluateInChild } from '../helpers/evaluate-in-child';
import { hasMkfifo, makeFifo } from '../helpers/fifo';

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

const tailModule = path.resolve(__dirname, '../../client/runs/scalars-tail.ts');

test(
  'a FIFO named scalars.json is reported once and never waited on (a blocking open would hang the editor)',
  { skip: !hasMkfifo && 'mkfifo is not available' },
  () => {
    const fifo = makeFifo(tmpFile());
    // In a child process with a timeout: a blocking open here would hang the test runner itself
    const reads = evaluateInChild(
      `(() => { const t = new (require(${JSON.stringify(tailModule)}).ScalarsTail)(${JSON.stringify(fifo)}); return [t.read(), t.read()]; })()`,
    );
    assert.deepEqual(reads, [
      { records: [], reset: false, problems: [`${fifo}: not a regular file`] },
      { records: [], reset: false, problems: [] },
    ]);
  },
);

test('a regular file replaced by a FIFO drops its records', { skip: !hasMkfifo && 'mkfifo is not available' }, () => {
  const f = tmpFile();
  fs.writeFileSync(f, '{"loss": 5, "step": 1}\n');
  const file = JSON.stringify(f);
  const read = evaluateInChild(`(() => {
      const t = new (require(${JSON.stringify(tailModule)}).ScalarsTail)(${file});
      t.read();
      require('node:fs').unlinkSync(${file});
      require('node:child_process').execFileSync('mkfifo', [${file}]);
      return t.read();
    })()`);
  assert.deepEqual(read, { records: [], reset: true, problems: [`${f}: not a regular file`] });
});

test('a folder or a device named scalars.json is a problem line, not an exception', () => {
  const dir = tmpFile();
  fs.mkdirSync(dir);
  assert.deepEqual(new ScalarsTail(dir).read().problems, [`${dir}: not a regular file`]);
  if (fs.existsSync('/dev/zero')) {
    const link = tmpFile();
    fs.symlinkSync('/dev/zero', link);
    assert.deepEqual(new ScalarsTail(link).read().problems, [`${link}: not a regular file`]);
  }
});

test('a big file arrives in bounded reads, the rest on the next calls, every line once', () => {
  const f = tmpFile();
  const lines = Array.from({ length: 10 }, (_, i) => `{"loss": ${i}, "step": ${i}}\n`);
  fs.writeFileSync(f, lines.join(''));
  const t = new ScalarsTail(f, { maxReadBytes: 50, maxLineBytes: 1000 });
  const first = t.read();
  assert.deepEqual(
    first.records.map((r) => r.step),
    [0, 1], // two whole lines in the first 50 bytes
  );
  assert.equal(t.caughtUp, false);
  const steps = first.records.map((r) => r.step);
  for (let reads = 1; !t.caughtUp && reads < 100; reads++) steps.push(...t.read().records.map((r) => r.step));
  assert.deepEqual(
    steps,
    lines.map((_, i) => i),
  );
  assert.deepEqual(
    readScalarsFile(f, { maxReadBytes: 50, maxLineBytes: 1000 }).records.map((r) => r.step),
    steps,
  );
});

test('a line longer than the limit is reported and skipped, never held; the lines after it still count', () => {
  const f = tmpFile();
  fs.writeFileSync(f, `{"loss": 1, "step": 1}\n{"note": "${'x'.repeat(300)}"}\n{"loss": 0.5, "step": 3}\n`);
  const r = readScalarsFile(f, { maxReadBytes: 64, maxLineBytes: 100 });
  assert.deepEqual(
    r.records.map((x) => x.step),
    [1, 3],
  );
  assert.deepEqual(r.problems, [`${f}:2: line longer than 100 bytes, skipped`]);
});

test('a huge sparse file costs one bounded read per call, not its size in memory', () => {
  const f = tmpFile();
  fs.writeFileSync(f, '');
  fs.truncateSync(f, 8 * 1024 ** 3); // 8 GiB of holes: more than one Buffer can hold
  try {
    const t = new ScalarsTail(f);
    const r = t.read();
    assert.deepEqual(r.records, []);
    assert.deepEqual(r.problems, [`${f}:1: line longer than 1048576 bytes, skipped`]);
    assert.equal(t.caughtUp, false);
    assert.deepEqual(t.read().problems, []); // still the same line: said once
  } finally {
    fs.rmSync(f); // no 8 GiB file (even a sparse one) left in the temp folder
  }
});

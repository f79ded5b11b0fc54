// The lr schedules against the values the real MMEngine v0.10.7 and MMYOLO v0.6.0 produced
// (test/fixtures/schedules/schedules.json, written by make_schedules.py beside it):
// every group's lr at every iteration, for param_scheduler lists stepped as MMEngine's
// ParamSchedulerHook steps them (mmengine/hooks/param_scheduler_hook.py L28-90) and for
// YOLOv5ParamSchedulerHook driven with runner.epoch as EpochBasedTrainLoop reports it
// (mmengine/runner/loops.py L103-124: after_train_epoch runs before the epoch counter moves).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ParamSchedulers } from '../../src/train/param-scheduler';
import { YOLOv5ParamScheduler } from '../../src/train/schedule';
import type { ParamSchedulerCfg, SchedulerHookCfg } from '../../src/train/config-types';
import { ConfigError } from '../../src/errors';

const fixture = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'schedules', 'schedules.json'), 'utf8')) as {
  param_scheduler: Array<{
    name: string;
    param_scheduler: ParamSchedulerCfg[];
    max_epochs: number;
    epoch_length: number;
    lr: number;
    lrs: number[][];
  }>;
  yolov5_hook: Array<{
    name: string;
    hook: SchedulerHookCfg;
    max_epochs: number;
    epoch_length: number;
    lr: number;
    momentum: number;
    lrs: number[][];
    momentums: number[][];
  }>;
};

function assertSeries(got: number[][], want: number[][], what: string): void {
  assert.equal(got.length, want.length, `${what}: iterations`);
  got.forEach((row, i) =>
    row.forEach((v, g) =>
      assert.ok(
        Math.abs(v - want[i][g]) <= 1e-12 + 1e-9 * Math.abs(want[i][g]),
        `${what}: iteration ${i}, group ${g}: ${v}, MMEngine ${want[i][g]}`,
      ),
    ),
  );
}

for (const c of fixture.param_scheduler) {
  test(`param_scheduler as MMEngine: ${c.name}`, () => {
    const groups = [0, 1, 2].map(() => ({ lr: c.lr }));
    const s = new ParamSchedulers(c.param_scheduler, groups, { maxEpochs: c.max_epochs, epochLength: c.epoch_length });
    const lrs: number[][] = [];
    for (let e = 0; e < c.max_epochs; e++) {
      for (let i = 0; i < c.epoch_length; i++) {
        lrs.push(groups.map((g) => g.lr));
        s.afterTrainIter();
      }
      s.afterTrainEpoch();
    }
    assertSeries(lrs, c.lrs, c.name);
  });
}

for (const c of fixture.yolov5_hook) {
  test(`YOLOv5ParamSchedulerHook as MMYOLO: ${c.name}`, () => {
    const groups = [0, 1, 2].map(() => ({ lr: c.lr, initialLr: c.lr, momentum: c.momentum }));
    const s = new YOLOv5ParamScheduler(c.hook, groups, c.epoch_length, true);
    const lrs: number[][] = [];
    const momentums: number[][] = [];
    let iter = 0;
    for (let epoch = 0; epoch < c.max_epochs; epoch++) {
      for (let i = 0; i < c.epoch_length; i++, iter++) {
        s.beforeTrainIter(iter, epoch);
        lrs.push(groups.map((g) => g.lr));
        momentums.push(groups.map((g) => g.momentum));
      }
      s.afterTrainEpoch(epoch);
    }
    assertSeries(lrs, c.lrs, c.name);
    assertSeries(momentums, c.momentums, `${c.name} (momentum)`);
  });
}

test('a scheduler type the trainer does not build is an error naming it and the ones it builds', () => {
  const groups = [{ lr: 0.01 }];
  assert.throws(
    () =>
      new ParamSchedulers(
        [
          { type: 'LinearLR', end: 3, by_epoch: false },
          { type: 'CosineRestartLR', periods: [5] },
        ],
        groups,
        { maxEpochs: 5, epochLength: 2 },
      ),
    (e: Error) =>
      e instanceof ConfigError &&
      /param_scheduler\.1: 'CosineRestartLR' is not built by the trainer \(it builds: LinearLR, .*OneCycleLR\)/.test(
        e.message,
      ),
  );
  assert.throws(
    () => new ParamSchedulers({ type: 'MultiStepLR', milestones: 'x' }, groups, { maxEpochs: 5, epochLength: 2 }),
    /param_scheduler: milestones must be a list of numbers/,
  );
  assert.throws(
    () => new ParamSchedulers({ type: 'LinearLR', begin: 3, end: 3 }, groups, { maxEpochs: 5, epochLength: 2 }),
    /end should be larger than begin/,
  );
});

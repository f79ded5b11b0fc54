import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RunFollower } from '../../client/runs/run-follower';
import { runAt, RunLocation, timestampOf } from '../../client/runs/run-dirs';
import { DEFAULT_TAIL_LIMITS, TailRead } from '../../client/runs/scalars-tail';

// Polls a condition (watch events are asynchronous); fails with the given message after a bound.
async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('a live follower finds the TIMESTAMP folder the trainer creates and streams appended records', async () => {
  const wd = fs.mkdtempSync(path.join(os.tmpdir(), 'yololab-follow-'));
  const events: { run: RunLocation; read: TailRead }[] = [];
  const f = new RunFollower(
    { kind: 'live', workDir: wd, startedAt: new Date() },
    (run, read) => events.push({ run, read }),
    { debounceMs: 30, safetyMs: 0 },
  );
  f.start();
  try {
    const ts = timestampOf(new Date());
    const vis = path.join(wd, ts, 'vis_data');
    fs.mkdirSync(vis, { recursive: true });
    const file = path.join(vis, 'scalars.json');
    fs.writeFileSync(file, '{"loss": 3, "iter": 1, "step": 1}\n');
    await until(() => events.some((e) => e.read.records.length === 1), 'first record');
    assert.equal(f.current?.timestamp, ts);
    fs.appendFileSync(file, '{"loss": 2, "iter": 2, "step": 2}\n{"loss": 1.5, "it');
    await until(() => events.flatMap((e) => e.read.records).length === 2, 'second record');
    fs.appendFileSync(file, 'er": 3, "step": 3}\n');
    await until(() => events.flatMap((e) => e.read.records).length === 3, 'completed partial line');
    assert.deepEqual(
      events.flatMap((e) => e.read.records).map((r) => r.loss),
      [3, 2, 1.5],
    );

    // A resumed run writes a new TIMESTAMP folder: the follower moves over and says its data restarts
    const ts2 = timestampOf(new Date(Date.now() + 2000));
    fs.mkdirSync(path.join(wd, ts2, 'vis_data'), { recursive: true });
    fs.writeFileSync(path.join(wd, ts2, 'vis_data', 'scalars.json'), '{"loss": 1.4, "iter": 4, "step": 4}\n');
    await until(
      () => f.current?.timestamp === ts2 && events.at(-1)!.read.records[0]?.loss === 1.4,
      'switch to the new run',
    );
    assert.ok(events.some((e) => e.run.timestamp === ts2 && e.read.reset));
  } finally {
    f.dispose();
  }
});

test('a burst of writes is coalesced into a few reads, not one per write', async () => {
  const wd = fs.mkdtempSync(path.join(os.tmpdir(), 'yololab-burst-'));
  const run = runAt(wd, '20240101_000000');
  fs.mkdirSync(path.dirname(run.scalarsFile), { recursive: true });
  fs.writeFileSync(run.scalarsFile, '');
  let total = 0;
  const f = new RunFollower({ kind: 'fixed', run }, (_r, read) => (total += read.records.length), {
    debounceMs: 100,
    safetyMs: 0,
  });
  f.start();
  try {
    for (let i = 1; i <= 200; i++)
      fs.appendFileSync(run.scalarsFile, `{"loss": ${1 / i}, "iter": ${i}, "step": ${i}}\n`);
    await until(() => total === 200, 'all 200 records');
    assert.ok(f.checks < 20, `expected a handful of reads for 200 writes, got ${f.checks}`);
  } finally {
    f.dispose();
  }
});

test('the safety re-check picks up writes that no watch event reported', async () => {
  const wd = fs.mkdtempSync(path.join(os.tmpdir(), 'yololab-safety-'));
  const run = runAt(wd, '20240101_000000');
  let total = 0;
  const f = new RunFollower({ kind: 'fixed', run }, (_r, read) => (total += read.records.length), {
    debounceMs: 30,
    safetyMs: 100,
  });
  f.start();
  try {
    // The folder did not exist when watching began, so only the periodic check can see this file appear
    fs.mkdirSync(path.dirname(run.scalarsFile), { recursive: true });
    fs.writeFileSync(run.scalarsFile, '{"loss": 1, "iter": 1, "step": 1}\n');
    await until(() => total === 1, 'record seen by the safety check');
  } finally {
    f.dispose();
  }
});

test('a file bigger than one read is read to its end without waiting for another write', async () => {
  const wd = fs.mkdtempSync(path.join(os.tmpdir(), 'yololab-big-'));
  const run = runAt(wd, '20240101_000000');
  fs.mkdirSync(path.dirname(run.scalarsFile), { recursive: true });
  // ~20 MiB of ~1 KiB lines: more than the reader takes per call (DEFAULT_TAIL_LIMITS.maxReadBytes)
  const note = 'x'.repeat(1000);
  const lines = 20 * 1024;
  fs.writeFileSync(
    run.scalarsFile,
    Array.from({ length: lines }, (_, i) => `{"loss": 1, "step": ${i + 1}, "note": "${note}"}\n`).join(''),
  );
  assert.ok(fs.statSync(run.scalarsFile).size > DEFAULT_TAIL_LIMITS.maxReadBytes);
  let total = 0;
  const f = new RunFollower({ kind: 'fixed', run }, (_r, read) => (total += read.records.length), {
    debounceMs: 30,
    safetyMs: 0, // no periodic re-check, and nothing writes: only the follower itself can come back for the rest
  });
  f.start();
  try {
    await until(() => total === lines, `all ${lines} records`);
  } finally {
    f.dispose();
  }
});

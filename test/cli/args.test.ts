// The one argv parser every yololab command uses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { intValue, numberValue, parseArgs, parseScopes, UsageError } from '../../src/cli/args';

const trainSpec = {
  values: ['work-dir', 'seed'],
  flags: ['amp'],
  optional: ['resume'],
  lists: ['cfg-options'],
  positionals: 1,
};

test('positionals, valued options in both spellings, flags', () => {
  const a = parseArgs(['cfg.py', '--work-dir', 'w', '--seed=3', '--amp'], trainSpec);
  assert.deepEqual(a.positional, ['cfg.py']);
  assert.equal(a.values.get('work-dir'), 'w');
  assert.equal(intValue(a, 'seed'), 3);
  assert.ok(a.flags.has('amp'));
});

test('--cfg-options takes every word up to the next option', () => {
  const a = parseArgs(['cfg.py', '--cfg-options', 'a.b=1', 'c=[1,2]', '--amp'], trainSpec);
  assert.deepEqual(a.lists.get('cfg-options'), ['a.b=1', 'c=[1,2]']);
  assert.ok(a.flags.has('amp'));
});

test('--resume takes a value only once the positionals are there', () => {
  assert.deepEqual(parseArgs(['--resume', 'cfg.py'], trainSpec).positional, ['cfg.py']);
  assert.equal(parseArgs(['--resume', 'cfg.py'], trainSpec).values.get('resume'), '');
  const b = parseArgs(['cfg.py', '--resume', 'w/epoch_3.pth'], trainSpec);
  assert.equal(b.values.get('resume'), 'w/epoch_3.pth');
  assert.equal(parseArgs(['cfg.py', '--resume', '--amp'], trainSpec).values.get('resume'), '');
  assert.equal(parseArgs(['cfg.py', '--resume=x.pth'], trainSpec).values.get('resume'), 'x.pth');
});

test('repeatable options collect in order; --scope NAME=DIR', () => {
  const a = parseArgs(['f.py', '--scope', 'mmdet=/a', '--scope=mmcls=/b'], { repeat: ['scope'] });
  assert.deepEqual(parseScopes(a.repeated.get('scope')!), { mmdet: '/a', mmcls: '/b' });
  assert.throws(() => parseScopes(['mmdet']), /--scope expects NAME=DIR, got 'mmdet'/);
});

test('mistakes are UsageErrors that say what is wrong', () => {
  assert.throws(
    () => parseArgs(['--bogus'], trainSpec),
    (e: Error) => e instanceof UsageError && /unknown option --bogus \(known: .*--work-dir/.test(e.message),
  );
  assert.throws(() => parseArgs(['cfg.py', '--work-dir'], trainSpec), /--work-dir needs a value/);
  assert.throws(() => parseArgs(['cfg.py', '--work-dir', '--amp'], trainSpec), /--work-dir needs a value/);
  assert.throws(() => parseArgs(['cfg.py', '--amp=yes'], trainSpec), /--amp takes no value/);
  assert.throws(
    () => intValue(parseArgs(['c', '--seed', '1.5'], trainSpec), 'seed'),
    /--seed must be an integer, got '1.5'/,
  );
  assert.throws(
    () => intValue(parseArgs(['c', '--seed', '0'], trainSpec), 'seed', 1),
    /--seed must be an integer >= 1/,
  );
  assert.throws(() => numberValue(parseArgs(['c', '--seed', 'x'], trainSpec), 'seed'), /--seed must be a number/);
});

test('an error line is printed once located: engine, data layer and plain errors', async () => {
  const { errorLine } = await import('../../src/cli/error-line');
  assert.equal(errorLine('train', new Error('a.py:3:5: error: bad')), 'a.py:3:5: error: bad');
  assert.equal(errorLine('train', new Error('/d/x.jpg: error: truncated JPEG')), '/d/x.jpg: error: truncated JPEG');
  assert.equal(
    errorLine('train', Object.assign(new Error('no such type'), { where: 'a.py:1:1' })),
    'a.py:1:1: error: no such type',
  );
  assert.equal(errorLine('train', new Error('something broke')), 'yololab train: error: something broke');
});

// The extension's small pure helpers: settings, config detection, preview links, webview HTML/CSP,
// the metrics hub that outlives the panel, and the server restart budget.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readSettings, resolveSettingPath } from '../../client/settings';
import { configName, looksLikeConfig } from '../../client/config-detect';
import { contentSecurityPolicy, makeNonce, metricsHtml } from '../../client/webview/html';
import { MetricsHub } from '../../client/runs/metrics-hub';
import { CrashBudget } from '../../client/restart-policy';

test('settings: defaults when unset, typed values when set, nonsense replaced by defaults', () => {
  const d = readSettings(() => undefined);
  assert.equal(d.runner, 'builtin');
  assert.equal(d.workDirRoot, 'work_dirs');
  assert.deepEqual(d.mmyolo, { root: '', gpus: 1, launcher: 'none', partition: '' });
  const vals: Record<string, unknown> = {
    runner: 'mmyolo',
    'mmyolo.gpus': 4.7,
    'mmyolo.launcher': 'slurm',
    scopes: { mmdet: '/x', bad: 3 },
    configGlobs: ['a/*.py', 5],
    stopGraceSeconds: 0,
  };
  const s = readSettings((k) => vals[k]);
  assert.equal(s.runner, 'mmyolo');
  assert.equal(s.mmyolo.gpus, 4);
  assert.equal(s.mmyolo.launcher, 'slurm');
  assert.deepEqual(s.scopes, { mmdet: '/x' });
  assert.deepEqual(s.configGlobs, ['a/*.py']);
  assert.equal(s.stopGraceSeconds, 1);
  assert.equal(
    readSettings((k) => (k === 'mmyolo.launcher' ? 'mpi' : k === 'runner' ? 'docker' : undefined)).mmyolo.launcher,
    'none',
  );
});

test('setting paths: relative to the workspace, ~ and ${workspaceFolder} expanded, absolute kept', () => {
  assert.equal(resolveSettingPath('work_dirs', '/ws', '/home/u'), '/ws/work_dirs');
  assert.equal(resolveSettingPath('~/mmyolo', '/ws', '/home/u'), '/home/u/mmyolo');
  assert.equal(resolveSettingPath('${workspaceFolder}/out', '/ws', '/home/u'), '/ws/out');
  assert.equal(resolveSettingPath('/abs/p', '/ws', '/home/u'), '/abs/p');
});

test('config detection: files under configs/ or using _base_, not ordinary Python', () => {
  assert.equal(looksLikeConfig('/ws/configs/yolov8/a.py', 'x = 1'), true);
  assert.equal(looksLikeConfig('/ws/exp/a.py', "_base_ = ['../b.py']\nmodel = dict()"), true);
  assert.equal(looksLikeConfig('/ws/exp/a.py', 'lr = {{_base_.lr}}'), true);
  assert.equal(looksLikeConfig('/ws/tools/train.py', 'import torch\nbase_ = 1'), false);
  assert.equal(looksLikeConfig('/ws/configs/readme.md', ''), false);
  assert.equal(
    configName('/ws/configs/yolov8/yolov8_s_syncbn_fast_8xb16-500e_coco.py'),
    'yolov8_s_syncbn_fast_8xb16-500e_coco',
  );
});

test('webview HTML: strict CSP, only the nonce-bearing bundle may run, no remote origins', () => {
  const nonce = makeNonce();
  assert.notEqual(nonce, makeNonce());
  assert.match(nonce, /^[A-Za-z0-9+/=]{24}$/);
  const html = metricsHtml({
    cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
    scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview-metrics.js',
    nonce,
  });
  const csp = contentSecurityPolicy('https://file+.vscode-resource.vscode-cdn.net', nonce);
  assert.ok(html.includes(`content="${csp}"`));
  assert.match(csp, /^default-src 'none'/);
  assert.match(csp, new RegExp(`script-src 'nonce-${nonce.replace(/[+/=]/g, '\\$&')}'(;|$)`));
  assert.doesNotMatch(csp, /unsafe-(inline|eval)/);
  const scripts = [...html.matchAll(/<script([^>]*)>/g)].map((m) => m[1]);
  assert.equal(scripts.length, 1);
  assert.ok(scripts[0].includes(`nonce="${nonce}"`));
  assert.doesNotMatch(html, /https?:\/\/(?!file\+\.vscode-resource)/);
});

test('metrics hub: a panel opened late is replayed every run and record; live updates follow', () => {
  const hub = new MetricsHub();
  hub.addRun('a', 'demo/1', true);
  hub.addRecords('a', [{ loss: 3, iter: 1, step: 1 }]);
  hub.addRecords('a', [{ loss: 2, iter: 2, step: 2 }]);
  hub.endRun('a', 'stopped');
  hub.addRun('b', 'mmyolo/2', false);
  const replay = hub.replay();
  assert.deepEqual(
    replay.map((m) => m.type),
    ['run', 'records', 'runEnded', 'run'],
  );
  assert.equal((replay[1] as any).records.length, 2);
  const seen: string[] = [];
  const off = hub.subscribe((m) => seen.push(m.type));
  hub.addRecords('b', [{ loss: 1, iter: 1, step: 1 }]);
  hub.addRecords('b', [], true);
  hub.removeRun('b');
  off();
  hub.addRecords('a', [{ loss: 1, iter: 3, step: 3 }]);
  assert.deepEqual(seen, ['records', 'records', 'remove']);
});

test('server restart budget: restarts until 5 crashes within 3 minutes, then stops; old crashes expire', () => {
  let now = 0;
  const b = new CrashBudget(5, 180_000, () => now);
  for (let i = 1; i <= 5; i++) assert.deepEqual(b.recordCrash(), { restart: true, recent: i });
  assert.equal(b.recordCrash().restart, false);
  now = 400_000;
  assert.deepEqual(b.recordCrash(), { restart: true, recent: 1 });
});

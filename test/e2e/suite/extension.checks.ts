// What the extension does inside a real VS Code, checked through the public vscode API: activation,
// the language features, the server's restart, and Restricted Mode. Training: training.checks.ts.
// The workspace is scripts/e2e's copy of test/e2e/fixtures/workspace (repo configs and demo data included);
// YOLOLAB_E2E_FIXTURES points at test/client/fixtures (a run in real MMYOLO's format).
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Check, extensionApi, poll, ws } from './helpers';

const child = () => vscode.Uri.joinPath(ws(), 'configs/e2e/tiny_child.py');

// In a workspace that is not trusted (Restricted Mode) reading configs still works; training is refused.
export const untrustedChecks: Check[] = [
  [
    'restricted mode: the workspace is not trusted and the extension still activates',
    async () => {
      assert.equal(vscode.workspace.isTrusted, false);
      const doc = await vscode.workspace.openTextDocument(child());
      await vscode.window.showTextDocument(doc);
      await extensionApi();
    },
  ],
  [
    'restricted mode: hover still shows merged values',
    async () => {
      const doc = await vscode.workspace.openTextDocument(child());
      const line = doc
        .getText()
        .split('\n')
        .findIndex((l) => l.includes('backbone'));
      const pos = new vscode.Position(line, doc.lineAt(line).text.indexOf('backbone') + 2);
      await poll('a hover with deepen_factor=0.33', async () => {
        const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
          'vscode.executeHoverProvider',
          doc.uri,
          pos,
        );
        return hovers.some((h) => h.contents.some((c) => (typeof c === 'string' ? c : c.value).includes('0.33')));
      });
    },
  ],
  [
    'restricted mode: Start Training refuses to run the config',
    async () => {
      const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'yololab-untrusted-'));
      const config = vscode.Uri.joinPath(ws(), 'configs/e2e/train_tiny.py');
      const run = await vscode.commands.executeCommand('yololab.startTraining', config, { prompt: false, workDir });
      assert.equal(run, undefined);
      assert.deepEqual(fs.readdirSync(workDir), [], 'nothing was started in the work dir');
    },
  ],
];

export const checks: Check[] = [
  [
    'the extension activates on a config and registers its commands',
    async () => {
      const doc = await vscode.workspace.openTextDocument(child());
      await vscode.window.showTextDocument(doc);
      await extensionApi();
      const all = await vscode.commands.getCommands(true);
      const ours = ['startTraining', 'stopTraining', 'showMergedConfig', 'showMetrics', 'openRun', 'restartServer'].map(
        (c) => `yololab.${c}`,
      );
      for (const c of ours) assert.ok(all.includes(c), `command ${c}`);
      return doc.languageId;
    },
  ],
  [
    'hover on a key shows the merged value with what the base contributes',
    async () => {
      const doc = await vscode.workspace.openTextDocument(child());
      const line = doc
        .getText()
        .split('\n')
        .findIndex((l) => l.includes('backbone'));
      const pos = new vscode.Position(line, doc.lineAt(line).text.indexOf('backbone') + 2);
      const text = await poll('a hover with deepen_factor=0.33', async () => {
        const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
          'vscode.executeHoverProvider',
          doc.uri,
          pos,
        );
        const t = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
        return t.includes('0.33') ? t : '';
      });
      return JSON.stringify(text.slice(0, 120));
    },
  ],
  [
    'the merged preview is a read-only document whose lines lead to the files that set them',
    async () => {
      await vscode.commands.executeCommand('yololab.showMergedConfig', child());
      const doc = await poll('the merged preview', () =>
        vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'yololab-merged'),
      );
      assert.match(doc.getText(), /deepen_factor=0\.33/);
      assert.match(doc.getText(), /widen_factor=0\.5/);
      // Shown as links: only the file:line of the values the child replaced (they are in the base).
      const links = await poll('document links', async () => {
        const l = await vscode.commands.executeCommand<vscode.DocumentLink[]>('vscode.executeLinkProvider', doc.uri);
        return l.length ? l : undefined;
      });
      const targets = new Set(links.map((l) => path.basename(l.target!.path)));
      assert.deepEqual([...targets], ['tiny_base.py']);
      // Every line leads to where it was set: the child's own change to the child.
      const line = doc
        .getText()
        .split('\n')
        .findIndex((l) => l.startsWith('model.backbone.widen_factor = 0.5'));
      assert.ok(line > 0, doc.getText().slice(0, 300));
      const defs = await vscode.commands.executeCommand<(vscode.Location | vscode.LocationLink)[]>(
        'vscode.executeDefinitionProvider',
        doc.uri,
        new vscode.Position(line, 2),
      );
      const to = defs.map((d) => path.basename(('targetUri' in d ? d.targetUri : d.uri).path));
      assert.deepEqual(to, ['tiny_child.py']);
      return `${doc.lineCount} lines, ${links.length} links to ${[...targets].join(', ')}; line ${line + 1} leads to ${to.join(', ')}`;
    },
  ],
  [
    'a crashed language server is restarted and answers again',
    async () => {
      // The server is a child of this extension host, started from dist/server.js over IPC
      const pids = () =>
        execFileSync('pgrep', ['-P', String(process.pid), '-f', 'dist/server.js'], { encoding: 'utf8' })
          .trim()
          .split('\n')
          .filter(Boolean)
          .map(Number);
      const [before] = pids();
      assert.ok(before, 'a server process is running');
      process.kill(before, 'SIGKILL');
      const after = await poll('a new server process', () => pids().find((p) => p !== before), 30000);
      const doc = await vscode.workspace.openTextDocument(child());
      const line = doc
        .getText()
        .split('\n')
        .findIndex((l) => l.includes('backbone'));
      const pos = new vscode.Position(line, doc.lineAt(line).text.indexOf('backbone') + 2);
      await poll('a hover from the restarted server', async () => {
        const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
          'vscode.executeHoverProvider',
          doc.uri,
          pos,
        );
        return hovers.some((h) => h.contents.some((c) => (typeof c === 'string' ? c : c.value).includes('0.33')));
      });
      return `server pid ${before} killed, ${after} answers`;
    },
  ],
];

// YOLO Lab extension entry: wires the language client, the merged-config preview, training runs and
// the metrics panel to VS Code commands. Logic lives in the modules it imports.
import * as vscode from 'vscode';
import { IndexStatus } from './index-status';
import { configFileRule, ServerConnection } from './language-client';
import { MergedPreview } from './preview/merged-preview';
import { MetricsHub } from './runs/metrics-hub';
import { MetricsPanel } from './metrics-panel';
import { StartOptions, TrainingManager } from './training-manager';
import { looksLikeConfig } from './config-detect';

let training: TrainingManager | undefined;

export async function activate(
  context: vscode.ExtensionContext,
): Promise<{ training: TrainingManager; hub: MetricsHub }> {
  const log = vscode.window.createOutputChannel('YOLO Lab');
  const status = new IndexStatus(log);
  const server = new ServerConnection(context, log, (client) => status.follow(client));
  const preview = new MergedPreview(server);
  const hub = new MetricsHub();
  let panel: MetricsPanel;
  training = new TrainingManager(context, hub, () => panel);
  const manager = training;
  panel = new MetricsPanel(context, hub, () => manager.openRun());

  context.subscriptions.push(
    log,
    status,
    server,
    preview,
    panel,
    manager,
    vscode.commands.registerCommand('yololab.startTraining', (uri?: vscode.Uri, opts?: StartOptions) =>
      manager.start(uri instanceof vscode.Uri ? uri : undefined, opts),
    ),
    vscode.commands.registerCommand('yololab.stopTraining', (runId?: number) =>
      manager.stop(typeof runId === 'number' ? runId : undefined),
    ),
    vscode.commands.registerCommand('yololab.showMetrics', () => panel.show()),
    vscode.commands.registerCommand('yololab.openRun', (uri?: vscode.Uri) =>
      manager.openRun(uri instanceof vscode.Uri ? uri : undefined),
    ),
    vscode.commands.registerCommand('yololab.showMergedConfig', async (uri?: vscode.Uri) => {
      const target = uri instanceof vscode.Uri ? uri : vscode.window.activeTextEditor?.document.uri;
      if (!target || target.scheme !== 'file' || !target.path.endsWith('.py')) {
        void vscode.window.showErrorMessage('YOLO Lab: open a config (.py) to see its merged form.');
        return;
      }
      await preview.show(target);
    }),
    vscode.commands.registerCommand('yololab.restartServer', () =>
      server.restart().then(() => server.unavailable && status.failed(server.unavailable)),
    ),
  );
  // If the extension host goes away without deactivate() (the server shutting down sends it SIGTERM),
  // still Ctrl-C the trainers; SIGTERM is re-raised so the host exits exactly as it would have.
  const onExit = () => manager.interruptAllNow();
  const onTerm = () => {
    manager.interruptAllNow();
    if (process.listenerCount('SIGTERM') === 0) process.kill(process.pid, 'SIGTERM');
  };
  process.once('exit', onExit);
  process.once('SIGTERM', onTerm);
  context.subscriptions.push({
    dispose: () => {
      process.removeListener('exit', onExit);
      process.removeListener('SIGTERM', onTerm);
    },
  });
  // Menus offer the config commands only on configs (yololab.isConfig), not on every Python file
  const updateContext = (e: vscode.TextEditor | undefined) =>
    void vscode.commands.executeCommand(
      'setContext',
      'yololab.isConfig',
      !!e &&
        e.document.uri.scheme === 'file' &&
        looksLikeConfig(e.document.fileName, e.document.getText(), configFileRule()),
    );
  updateContext(vscode.window.activeTextEditor);
  context.subscriptions.push(
    vscode.window.onDidChangeActiveTextEditor(updateContext),
    vscode.workspace.onDidSaveTextDocument(
      (d) => d === vscode.window.activeTextEditor?.document && updateContext(vscode.window.activeTextEditor),
    ),
    vscode.workspace.onDidChangeConfiguration(
      (e) => e.affectsConfiguration('yololab.configGlobs') && updateContext(vscode.window.activeTextEditor),
    ),
  );
  // Hover and diagnostics need the server; the training commands do not wait for it
  void server.start().then(() => server.unavailable && status.failed(server.unavailable));
  return { training: manager, hub };
}

export async function deactivate(): Promise<void> {
  // Runs are in their own process groups, so they would outlive the editor: stop them now
  await training?.stopAll(4000);
}

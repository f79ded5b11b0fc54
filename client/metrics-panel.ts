// The metrics webview panel: one per window, fed from the MetricsHub; closing it loses nothing.
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { MetricsHub } from './runs/metrics-hub';
import { metricsHtml, makeNonce } from './webview/html';
import type { FromWebview } from './webview/series';

export class MetricsPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly hub: MetricsHub,
    private readonly openRun: () => Promise<void>,
  ) {}

  show(preserveFocus = false): void {
    if (this.panel) {
      this.panel.reveal(undefined, preserveFocus);
      return;
    }
    const dist = vscode.Uri.joinPath(this.context.extensionUri, 'dist');
    const panel = vscode.window.createWebviewPanel(
      'yololab.metrics',
      'YOLO Lab Metrics',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus },
      { enableScripts: true, localResourceRoots: [dist], retainContextWhenHidden: true },
    );
    this.panel = panel;
    const script = vscode.Uri.joinPath(dist, 'webview-metrics.js');
    if (!fs.existsSync(script.fsPath)) {
      panel.webview.html = `<!DOCTYPE html><html><body><p>YOLO Lab: ${script.fsPath} is missing; build it with <code>npm run build</code>.</p></body></html>`;
    } else {
      panel.webview.html = metricsHtml({
        cspSource: panel.webview.cspSource,
        scriptUri: panel.webview.asWebviewUri(script).toString(),
        nonce: makeNonce(),
      });
    }
    panel.webview.onDidReceiveMessage((m: FromWebview) => this.onMessage(m));
    panel.onDidDispose(() => {
      this.unsubscribe?.();
      this.unsubscribe = undefined;
      this.panel = undefined;
    });
  }

  private onMessage(m: FromWebview): void {
    if (m.type === 'ready') {
      // The webview (re)loaded: give it the whole history, then live updates
      this.unsubscribe?.();
      for (const msg of this.hub.replay()) void this.panel?.webview.postMessage(msg);
      this.unsubscribe = this.hub.subscribe((msg) => void this.panel?.webview.postMessage(msg));
    } else if (m.type === 'openRun') {
      void this.openRun();
    } else if (m.type === 'exportPng') {
      void this.exportPng(m.name, m.dataUrl);
    }
  }

  private async exportPng(name: string, dataUrl: string): Promise<void> {
    const prefix = 'data:image/png;base64,';
    if (typeof dataUrl !== 'string' || !dataUrl.startsWith(prefix)) return;
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const fileName = `${name.replace(/[^\w.-]+/g, '_')}.png`;
    const target = await vscode.window.showSaveDialog({
      defaultUri: folder ? vscode.Uri.joinPath(folder, fileName) : undefined,
      filters: { 'PNG image': ['png'] },
      title: `Save the ${name} chart`,
    });
    if (!target) return;
    await vscode.workspace.fs.writeFile(target, Buffer.from(dataUrl.slice(prefix.length), 'base64'));
    void vscode.window.showInformationMessage(`Saved ${target.fsPath}`);
  }

  dispose(): void {
    this.unsubscribe?.();
    this.panel?.dispose();
  }
}

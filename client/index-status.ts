// The status bar item for the language server and its index (wording in index-state.ts). It follows
// each LanguageClient the extension starts: its state changes and the server's yololab/indexed report.
// Clicking it shows the "YOLO Lab" output channel, where the server logs its start, the index and errors.
import * as vscode from 'vscode';
import { State, type LanguageClient } from 'vscode-languageclient/node';
import { INDEXED_NOTIFICATION, type IndexedParams } from '../protocol/index';
import { statusView, type IndexState } from './index-state';

export class IndexStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('yololab.index', vscode.StatusBarAlignment.Left, 10);
  private readonly subs: vscode.Disposable[] = [];
  /** The handlers on the client followed now (a restart makes a new client). */
  private following: vscode.Disposable[] = [];
  state: IndexState = { kind: 'starting' };

  constructor(log: vscode.OutputChannel) {
    this.item.name = 'YOLO Lab index';
    this.item.command = 'yololab.showOutput';
    this.subs.push(vscode.commands.registerCommand('yololab.showOutput', () => log.show(true)));
    this.set({ kind: 'starting' });
    this.item.show();
  }

  /** Call with each new client before it starts, so its first report is not missed. */
  follow(client: LanguageClient): void {
    this.following.forEach((d) => d.dispose());
    this.following = [
      client.onDidChangeState((e) => {
        if (e.newState === State.Starting) this.set({ kind: 'starting' });
        else if (e.newState === State.Running) this.set({ kind: 'indexing' });
        else if (this.state.kind !== 'failed') this.set({ kind: 'stopped' });
      }),
      client.onNotification(INDEXED_NOTIFICATION, (p: IndexedParams) => this.set({ kind: 'ready', report: p })),
    ];
  }

  /** The server could not start at all (missing bundle, failed start). */
  failed(message: string): void {
    this.set({ kind: 'failed', message });
  }

  private set(s: IndexState): void {
    this.state = s;
    const v = statusView(s);
    this.item.text = v.text;
    this.item.tooltip = v.tooltip;
    this.item.backgroundColor =
      v.severity === 'error'
        ? new vscode.ThemeColor('statusBarItem.errorBackground')
        : v.severity === 'warning'
          ? new vscode.ThemeColor('statusBarItem.warningBackground')
          : undefined;
  }

  dispose(): void {
    this.item.dispose();
    this.subs.forEach((s) => s.dispose());
    this.following.forEach((d) => d.dispose());
  }
}

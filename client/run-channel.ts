// A run's output channel that also keeps its last lines: what the user was shown is then readable
// by the extension-host tests (VS Code offers no API to read an output channel back).
import * as vscode from 'vscode';

const KEEP = 400;

export class RunChannel implements vscode.Disposable {
  private readonly channel: vscode.OutputChannel;
  private readonly lines: string[] = [];
  private partial = '';

  constructor(name: string) {
    this.channel = vscode.window.createOutputChannel(name);
  }

  append(text: string): void {
    this.channel.append(text);
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop() ?? '';
    this.lines.push(...parts);
    if (this.lines.length > KEEP) this.lines.splice(0, this.lines.length - KEEP);
  }

  appendLine(line: string): void {
    this.append(line + '\n');
  }

  show(preserveFocus = false): void {
    this.channel.show(preserveFocus);
  }

  tail(): string[] {
    return this.partial ? [...this.lines, this.partial] : [...this.lines];
  }

  dispose(): void {
    this.channel.dispose();
  }
}

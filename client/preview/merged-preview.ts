// "Show Merged Config": a read-only virtual document (scheme yololab-merged): what the config changes
// over its bases, then the whole config as MMEngine prints it, refreshed as the source is edited (unsaved
// text counts: the server has it). Each line leads back to the line that set it (Go to Definition, or
// "YOLO Lab: Go to Where This Is Set"); only the file:line of old values are shown as links.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ServerConnection } from '../language-client';
import type { MergedConfigResult } from '../../protocol/index';
import { linkTargetUri, previewLinks, validateMergedResult } from './merged-links';

export const MERGED_SCHEME = 'yololab-merged';

export function previewUriFor(source: vscode.Uri): vscode.Uri {
  const dir = path.posix.dirname(source.path);
  const name = path.posix.basename(source.path, '.py');
  return vscode.Uri.from({ scheme: MERGED_SCHEME, path: `${dir}/${name} (merged).py`, query: source.toString() });
}

export class MergedPreview
  implements
    vscode.TextDocumentContentProvider,
    vscode.DocumentLinkProvider,
    vscode.DefinitionProvider,
    vscode.Disposable
{
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private results = new Map<string, MergedConfigResult>(); // preview uri -> last reply
  private timers = new Map<string, NodeJS.Timeout>();
  private subs: vscode.Disposable[] = [];

  constructor(
    private readonly server: ServerConnection,
    private readonly debounceMs = 300,
  ) {
    this.subs.push(
      vscode.workspace.registerTextDocumentContentProvider(MERGED_SCHEME, this),
      vscode.languages.registerDocumentLinkProvider({ scheme: MERGED_SCHEME }, this),
      vscode.languages.registerDefinitionProvider({ scheme: MERGED_SCHEME }, this),
      vscode.commands.registerCommand('yololab.goToSource', () => this.goToSource()),
      vscode.workspace.onDidChangeTextDocument((e) => this.sourceChanged(e.document)),
      vscode.workspace.onDidSaveTextDocument((d) => this.sourceChanged(d)),
      vscode.workspace.onDidCloseTextDocument((d) => {
        if (d.uri.scheme === MERGED_SCHEME) this.results.delete(d.uri.toString());
      }),
    );
  }

  async show(source: vscode.Uri): Promise<void> {
    const uri = previewUriFor(source);
    const doc = await vscode.workspace.openTextDocument(uri);
    if (doc.languageId !== 'python')
      await vscode.languages.setTextDocumentLanguage(doc, 'python').then(undefined, () => undefined);
    await vscode.window.showTextDocument(uri, {
      viewColumn: vscode.ViewColumn.Beside,
      preserveFocus: true,
      preview: false,
    });
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const source = vscode.Uri.parse(uri.query);
    let reply: unknown;
    try {
      reply = await this.server.mergedConfig(source.toString());
    } catch (e) {
      this.results.delete(uri.toString());
      return `# YOLO Lab could not merge ${source.fsPath}:\n# ${e instanceof Error ? e.message : String(e)}\n`;
    }
    const result = validateMergedResult(reply);
    if (typeof result === 'string') {
      this.results.delete(uri.toString());
      return `# YOLO Lab could not merge ${source.fsPath}: ${result}\n`;
    }
    this.results.set(uri.toString(), result);
    if (result.diagnostics.length && !result.text.trim()) {
      return (
        result.diagnostics
          .map((d) => `# ${vscode.Uri.parse(d.uri).fsPath}:${d.line + 1}:${d.character + 1}: ${d.message}`)
          .join('\n') + '\n'
      );
    }
    return result.text;
  }

  provideDocumentLinks(doc: vscode.TextDocument): vscode.DocumentLink[] {
    const result = this.results.get(doc.uri.toString());
    if (!result) return [];
    return previewLinks(result).map((l) => {
      const link = new vscode.DocumentLink(
        new vscode.Range(l.line, l.start, l.line, l.end),
        vscode.Uri.parse(linkTargetUri(l.target)),
      );
      link.tooltip = `the old value, set in ${path.basename(vscode.Uri.parse(l.target.uri).fsPath)}:${l.target.line + 1}`;
      return link;
    });
  }

  /** From the cursor's line in a preview to the line of the config (or base) that set it. */
  async goToSource(): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    if (!editor || editor.document.uri.scheme !== MERGED_SCHEME) {
      void vscode.window.showInformationMessage(
        'YOLO Lab: put the cursor on a line of a merged preview (YOLO Lab: Show Merged Config) first.',
      );
      return;
    }
    const loc = this.results.get(editor.document.uri.toString())?.lines[editor.selection.active.line];
    if (!loc) {
      void vscode.window.showInformationMessage(
        'YOLO Lab: this line of the preview was not set by a file (a heading, or a value made up by MMEngine).',
      );
      return;
    }
    const uri = vscode.Uri.parse(loc.uri);
    const pos = new vscode.Position(loc.line, loc.character);
    // Where the source is already shown, else the first column (the preview is beside it).
    const shown = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri.toString());
    await vscode.window.showTextDocument(uri, {
      selection: new vscode.Range(pos, pos),
      viewColumn: shown?.viewColumn ?? vscode.ViewColumn.One,
    });
  }

  provideDefinition(doc: vscode.TextDocument, pos: vscode.Position): vscode.Location | undefined {
    const loc = this.results.get(doc.uri.toString())?.lines[pos.line];
    return loc
      ? new vscode.Location(vscode.Uri.parse(loc.uri), new vscode.Position(loc.line, loc.character))
      : undefined;
  }

  // Any open preview whose source (or one of its bases, which the server tracks) changed refreshes, debounced.
  private sourceChanged(doc: vscode.TextDocument): void {
    if (doc.uri.scheme !== 'file' || doc.languageId !== 'python') return;
    for (const editorDoc of vscode.workspace.textDocuments) {
      if (editorDoc.uri.scheme !== MERGED_SCHEME) continue;
      const key = editorDoc.uri.toString();
      clearTimeout(this.timers.get(key));
      this.timers.set(
        key,
        setTimeout(() => {
          this.timers.delete(key);
          this.changed.fire(editorDoc.uri);
        }, this.debounceMs),
      );
    }
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    for (const s of this.subs) s.dispose();
    this.changed.dispose();
  }
}

// YOLO Lab language server: a thin LSP adapter over src/workspace (the
// editor-agnostic logic) and the config engine. `node dist/server.js --stdio`,
// or IPC when vscode-languageclient starts it (createConnection handles both).

import {
  CodeActionKind, CodeLensRefreshRequest, CompletionItemKind, createConnection, DidChangeConfigurationNotification, DocumentSymbol, MarkupKind, MessageType, ShowMessageNotification,
  ProposedFeatures, SymbolKind, TextDocuments, TextDocumentSyncKind,
  type CodeAction, type CompletionItem, type Connection, type Location, type TextEdit, type WorkspaceEdit,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { ConfigLoader, loadConfig, toPythonText, type Diagnostic, type Range } from '../src/config/index';
import { completions } from '../src/workspace/completion';
import { listPythonFiles } from '../src/workspace/config-files';
import { ConfigWorkspace, type WorkspaceSettings } from '../src/workspace/config-workspace';
import { hoverText } from '../src/workspace/hover';
import { filenameProblems } from '../src/workspace/lint-bridge';
import { definitionOf, referencesOf } from '../src/workspace/navigation';
import { configSymbols, lensFacts, type ConfigSymbol } from '../src/workspace/outline';
import { addDeleteEdit } from '../src/workspace/quick-fixes';
import { propagationFix } from '../src/workspace/trap-fix';
import { documentRenameEdits } from '../src/workspace/doc-rename-edits';
import { baseRenameEdits, type FileMove } from '../src/workspace/rename-edits';
import { targetAt } from '../src/workspace/targets';
import { pathToUri, toLspDiagnostic, toLspRange, uriToPath } from './convert';
import { startWatcher, type ChangeKind, type Watcher } from './watcher';
import * as path from 'node:path';

export const MERGED_CONFIG_REQUEST = 'yololab/mergedConfig';
/** Sent when the background index is built and the watcher is live: { configs, ms, scanMs }. */
export const INDEXED_NOTIFICATION = 'yololab/indexed';

const connection: Connection = createConnection(ProposedFeatures.all);
// A failed message to the client (e.g. a request it does not implement) must not end the server.
process.on('unhandledRejection', (e) => connection.console.error(`yololab: ${e instanceof Error ? e.message : String(e)}`));
const documents = new TextDocuments(TextDocument);
let ws = new ConfigWorkspace([]);
let watcher: Watcher | undefined;
let canConfigure = false;
let canReportProgress = false;
let canRefreshLenses = false;
const published = new Set<string>();

/** Runs a handler; a bug in one answer is logged, never fatal to the server. */
function safe<A extends unknown[], R>(name: string, fallback: R, fn: (...a: A) => R | Promise<R>): (...a: A) => Promise<R> {
  return async (...a: A) => {
    try {
      return await fn(...a);
    } catch (e) {
      connection.console.error(`yololab: ${name} failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
      return fallback;
    }
  };
}

/** The config file behind a URI, or undefined for anything that is not a config. */
function configFile(uri: string): string | undefined {
  const file = uriToPath(uri);
  return file && ws.isConfig(file) ? file : undefined;
}

connection.onInitialize((params) => {
  const folders = params.workspaceFolders?.map((f) => uriToPath(f.uri)).filter((p): p is string => !!p);
  const root = params.rootUri ? uriToPath(params.rootUri) : params.rootPath ?? undefined;
  ws = new ConfigWorkspace(folders?.length ? folders : root ? [root] : []);
  // The extension sends { settings: <yololab section> }; a bare section is accepted too.
  const init = (params.initializationOptions ?? {}) as Partial<WorkspaceSettings> & { settings?: Partial<WorkspaceSettings> };
  ws.configure(init.settings ?? init);
  canConfigure = !!params.capabilities.workspace?.configuration;
  canReportProgress = !!params.capabilities.window?.workDoneProgress;
  canRefreshLenses = !!params.capabilities.workspace?.codeLens?.refreshSupport;
  const py = { filters: [{ scheme: 'file', pattern: { glob: '**/*.py', matches: 'file' as const } }, { scheme: 'file', pattern: { glob: '**/*', matches: 'folder' as const } }] };
  return {
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      definitionProvider: true,
      referencesProvider: true,
      hoverProvider: true,
      completionProvider: { triggerCharacters: ['(', ',', '=', "'", '"'], resolveProvider: false },
      documentSymbolProvider: true,
      codeLensProvider: { resolveProvider: false },
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
      workspace: { fileOperations: { willRename: py }, workspaceFolders: { supported: false } },
    },
    serverInfo: { name: 'yololab', version: '0.1.0' },
  };
});

connection.onInitialized(async () => {
  if (canConfigure) {
    await readSettings();
    void connection.client.register(DidChangeConfigurationNotification.type, { section: 'yololab' });
  }
  // Watch first, so nothing changed during the scan is missed; the index is announced once both are done.
  watcher = startWatcher(ws.roots, onDiskChange);
  await buildIndex(watcher?.ready);
});

async function readSettings(): Promise<void> {
  try {
    const s = (await connection.workspace.getConfiguration('yololab')) as Partial<WorkspaceSettings> | null | undefined;
    // A client with no answer for the section keeps what initializationOptions gave.
    if (s) ws.configure(s);
  } catch (e) {
    connection.console.warn(`yololab: cannot read settings: ${String(e)}`);
  }
}

async function buildIndex(watching?: Promise<void>): Promise<void> {
  const t0 = performance.now();
  const progress = canReportProgress ? await connection.window.createWorkDoneProgress().catch(() => undefined) : undefined;
  progress?.begin('YOLO Lab: indexing configs', 0, undefined, false);
  await ws.scan((done, total) => progress?.report(total ? Math.round((100 * done) / total) : 100, `${done}/${total} Python files`));
  const scanMs = Math.round(performance.now() - t0);
  await watching;
  progress?.done();
  void connection.sendNotification(INDEXED_NOTIFICATION, { configs: ws.index.size, ms: Math.round(performance.now() - t0), scanMs });
  ws.invalidateAll();
  schedulePublish(documents.keys().map((u) => uriToPath(u)).filter((p): p is string => !!p));
  refreshLenses();
}

connection.onDidChangeConfiguration(
  safe('configuration', undefined, async (change) => {
    const s = (change.settings as { yololab?: Partial<WorkspaceSettings> } | undefined)?.yololab;
    if (canConfigure) await readSettings();
    else if (s) ws.configure(s);
    await ws.scan();
    schedulePublish(openFiles());
    refreshLenses();
  }),
);

let lensTimer: NodeJS.Timeout | undefined;

/** Asks the editor to re-request code lenses; a burst of changes (a git checkout) asks once. */
function refreshLenses(): void {
  if (!canRefreshLenses || lensTimer) return;
  lensTimer = setTimeout(() => {
    lensTimer = undefined;
    void connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined);
  }, 100);
}

function openFiles(): string[] {
  return documents.keys().map((u) => uriToPath(u)).filter((p): p is string => !!p);
}

// ---- diagnostics: published for open configs, re-published for open dependents after a base changes ----

const pending = new Set<string>();
let flushTimer: NodeJS.Timeout | undefined;

function schedulePublish(files: string[]): void {
  const open = new Set(openFiles());
  for (const f of files) if (open.has(f)) pending.add(f);
  if (!flushTimer && pending.size) flushTimer = setTimeout(flush, 5);
}

function flush(): void {
  flushTimer = undefined;
  const files = [...pending];
  pending.clear();
  for (const f of files) {
    try {
      publish(f);
    } catch (e) {
      connection.console.error(`yololab: diagnostics for ${f} failed: ${e instanceof Error ? e.stack : String(e)}`);
      const message = `YOLO Lab could not analyse this file (internal error: ${e instanceof Error ? e.message : String(e)})`;
      void connection.sendDiagnostics({ uri: pathToUri(f), diagnostics: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, severity: 1, message, source: 'yololab' }] });
    }
  }
}

function publish(file: string): void {
  const uri = pathToUri(file);
  const doc = documents.get(uri);
  if (!ws.isConfig(file)) {
    if (published.delete(file)) void connection.sendDiagnostics({ uri, diagnostics: [] });
    return;
  }
  const a = ws.analyze(file);
  published.add(file);
  void connection.sendDiagnostics({ uri, version: doc?.version, diagnostics: a.diagnostics.map(toLspDiagnostic) });
}

documents.onDidChangeContent((e) => {
  const file = uriToPath(e.document.uri);
  if (!file) return;
  schedulePublish(ws.setBuffer(file, e.document.getText()));
});

documents.onDidClose((e) => {
  const file = uriToPath(e.document.uri);
  if (!file) return;
  const affected = ws.setBuffer(file, undefined);
  if (published.delete(file)) void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  schedulePublish(affected);
});

function onDiskChange(file: string, kind: ChangeKind): void {
  if (kind === 'addDir') {
    for (const f of listPythonFiles([file])) if (!ws.textOf(f)) schedulePublish(ws.fileChanged(f));
  } else if (kind === 'unlinkDir') {
    const gone = ws.index.all().filter((f) => f.path.startsWith(file + path.sep)).map((f) => f.path);
    ws.index.removeUnder(file);
    schedulePublish(gone.flatMap((f) => ws.invalidate(f)));
  } else if (!ws.textOf(file)) schedulePublish(ws.fileChanged(file));
  else ws.invalidate(file); // an open buffer wins over the disk; its dependents are unchanged
  refreshLenses();
}

// ---- navigation ----

connection.onDefinition(
  safe('definition', null, (p) => {
    const file = configFile(p.textDocument.uri);
    if (!file) return null;
    const a = ws.analyze(file);
    const t = targetAt(a.result.unit, { line: p.position.line, col: p.position.character }, ws.index.get(file)?.bases);
    const loc = t && definitionOf(a.result, t, a.lastGood);
    return loc ? ({ uri: pathToUri(loc.file), range: toLspRange(loc.range) } satisfies Location) : null;
  }),
);

connection.onReferences(
  safe('references', [] as Location[], (p) => {
    const file = configFile(p.textDocument.uri);
    if (!file) return [];
    const a = ws.analyze(file);
    const t = targetAt(a.result.unit, { line: p.position.line, col: p.position.character }, ws.index.get(file)?.bases);
    const keyPath = t?.kind === 'key' ? t.keyPath : t?.kind === 'name' ? [t.name] : undefined;
    if (!t || !keyPath) return [];
    const refs = referencesOf(ws, file, keyPath).map((l) => ({ uri: pathToUri(l.file), range: toLspRange(l.range) }));
    if (p.context.includeDeclaration) refs.unshift({ uri: p.textDocument.uri, range: toLspRange(t.range) });
    return refs;
  }),
);

connection.onHover(
  safe('hover', null, (p) => {
    const file = configFile(p.textDocument.uri);
    if (!file) return null;
    const a = ws.analyze(file);
    const t = targetAt(a.result.unit, { line: p.position.line, col: p.position.character }, ws.index.get(file)?.bases);
    const text = t && hoverText(a.result, t, a.lastGood);
    return text ? { contents: { kind: MarkupKind.Markdown, value: text }, range: toLspRange(t.range) } : null;
  }),
);

connection.onCompletion(
  safe('completion', [] as CompletionItem[], (p) => {
    const file = configFile(p.textDocument.uri);
    const doc = documents.get(p.textDocument.uri);
    if (!file || !doc) return [];
    const a = ws.analyze(file);
    const result = a.result.unit.mergedBase ? a.result : a.lastGood;
    return completions(doc.getText(), doc.offsetAt(p.position), result).map((c) => ({
      label: c.label,
      kind: c.kind === 'type' ? CompletionItemKind.Class : CompletionItemKind.Property,
      detail: c.detail,
      documentation: c.documentation ? { kind: MarkupKind.Markdown, value: c.documentation } : undefined,
      insertText: c.insertText,
    }));
  }),
);

// ---- outline ----

function toSymbol(s: ConfigSymbol): DocumentSymbol {
  return {
    name: s.name,
    kind: s.kind === 'dict' ? SymbolKind.Object : SymbolKind.Property,
    range: toLspRange(s.range),
    selectionRange: toLspRange(s.selectionRange),
    children: s.children.map(toSymbol),
  };
}

connection.onDocumentSymbol(
  safe('documentSymbol', [] as DocumentSymbol[], (p) => {
    const file = configFile(p.textDocument.uri);
    if (!file) return [];
    const a = ws.analyze(file);
    const r = a.result.unit.own ? a.result : a.lastGood;
    return r ? configSymbols(r, file).map(toSymbol) : [];
  }),
);

connection.onCodeLens(
  safe('codeLens', [], (p) => {
    const file = configFile(p.textDocument.uri);
    if (!file) return [];
    const a = ws.analyze(file);
    return lensFacts(a.result, file, ws.index).map((l) => ({ range: toLspRange(l.range), command: { title: l.title, command: '', arguments: [l.files.map(pathToUri)] } }));
  }),
);

// ---- quick fixes ----

interface FixData {
  fix?: string;
  valueRange?: Range;
  name?: string;
  newName?: string;
}

connection.onCodeAction(
  safe('codeAction', [] as CodeAction[], (p) => {
    const file = configFile(p.textDocument.uri);
    if (!file) return [];
    const unit = ws.analyze(file).result.unit;
    const uri = p.textDocument.uri;
    const actions: CodeAction[] = [];
    for (const d of p.context.diagnostics) {
      const data = d.data as FixData | undefined;
      if (!data?.fix) continue;
      let edit: WorkspaceEdit | undefined;
      let title = '';
      if (data.fix === 'add-delete' && data.valueRange) {
        const e = addDeleteEdit(unit, data.valueRange);
        if (e) (edit = { changes: { [uri]: [{ range: toLspRange(e.range), newText: e.newText }] } }), (title = 'Add _delete_=True (replace the base dict)');
      } else if (data.fix === 'rebind' && typeof data.name === 'string') {
        // Checked by loading the edited text (bases as the editor has them) with a loader of its own.
        const reload = (text: string) => loadConfig(file, { loader: new ConfigLoader(), scopes: ws.scopes, overlay: (f) => (f === file ? text : ws.textOf(f)) });
        const r = propagationFix(unit, data.name, reload);
        if ('fix' in r) (edit = { changes: { [uri]: r.fix.edits.map((e) => ({ range: toLspRange(e.range), newText: e.newText })) } }), (title = r.fix.title);
        else connection.console.info(`yololab: no quick fix for the ${data.name} propagation trap in ${path.basename(file)}: ${r.error}`);
      } else if (data.fix === 'rename' && data.newName) {
        const to = path.join(path.dirname(file), data.newName);
        edit = renameEdit([{ from: file, to }], true);
        title = `Rename to ${data.newName} (and update _base_ references)`;
      }
      if (edit) actions.push({ title, kind: CodeActionKind.QuickFix, diagnostics: [d], edit, isPreferred: true });
    }
    return actions;
  }),
);

/** `_base_` updates for moves, and (for a quick fix) the file renames themselves after them. */
function renameEdit(moves: FileMove[], withRename: boolean): WorkspaceEdit {
  const textOf = (f: string) => ws.textOf(f) ?? documents.get(pathToUri(f))?.getText();
  const edits = [...baseRenameEdits(ws.index, moves, textOf), ...documentRenameEdits(ws.roots, moves, textOf)];
  const byUri = new Map<string, TextEdit[]>();
  for (const e of edits) {
    const uri = pathToUri(e.file);
    if (!byUri.has(uri)) byUri.set(uri, []);
    byUri.get(uri)!.push({ range: toLspRange(e.range), newText: e.newText });
  }
  if (!withRename) return { changes: Object.fromEntries(byUri) };
  return {
    documentChanges: [
      ...[...byUri].map(([uri, es]) => ({ textDocument: { uri, version: documents.get(uri)?.version ?? null }, edits: es })),
      ...moves.map((m) => ({ kind: 'rename' as const, oldUri: pathToUri(m.from), newUri: pathToUri(m.to) })),
    ],
  };
}

connection.workspace.onWillRenameFiles(
  safe('willRenameFiles', null, (p) => {
    const moves = p.files.map((f) => ({ from: uriToPath(f.oldUri), to: uriToPath(f.newUri) })).filter((m): m is FileMove => !!m.from && !!m.to);
    for (const m of moves) {
      if (!m.to.endsWith('.py') || !ws.isConfig(m.from)) continue;
      const problems = filenameProblems(m.to);
      if (problems.length) void connection.sendNotification(ShowMessageNotification.type, { type: MessageType.Warning, message: `${path.basename(m.to)} breaks the config naming convention: ${problems.join('; ')}` });
    }
    const edit = renameEdit(moves, false);
    return Object.keys(edit.changes ?? {}).length ? edit : null;
  }),
);

// ---- merged preview ----

interface MergedConfig {
  text: string;
  lines: ({ uri: string; line: number; character: number } | null)[];
  diagnostics: { message: string; uri: string; line: number; character: number }[];
}

connection.onRequest(
  MERGED_CONFIG_REQUEST,
  safe('mergedConfig', { text: '', lines: [], diagnostics: [] } as MergedConfig, (p: { uri: string }): MergedConfig => {
    const file = uriToPath(p.uri);
    if (!file || !ws.isConfig(file)) {
      return { text: '', lines: [], diagnostics: [{ message: `not a config file: ${p.uri}`, uri: p.uri, line: 0, character: 0 }] };
    }
    const a = ws.analyze(file);
    const diag = (d: Diagnostic) => ({ message: `${d.severity}: ${d.message} [${d.code}]`, uri: pathToUri(d.file), line: d.range.start.line, character: d.range.start.col });
    const shown = a.result.ok ? a.result : a.lastGood;
    const diagnostics = a.result.diagnostics.filter((d) => d.severity === 'error' || d.severity === 'warning').map(diag);
    if (!shown?.config) return { text: '', lines: [], diagnostics };
    if (!a.result.ok) diagnostics.unshift({ message: 'showing the last version that loaded', uri: p.uri, line: 0, character: 0 });
    const py = toPythonText(shown.config);
    return {
      text: py.text,
      lines: py.lines.map((prov) => (prov && !prov.file.startsWith('<') ? { uri: pathToUri(prov.file), line: prov.range.start.line, character: prov.range.start.col } : null)),
      diagnostics,
    };
  }),
);

connection.onShutdown(async () => {
  await watcher?.close();
  watcher = undefined;
});

documents.listen(connection);
connection.listen();

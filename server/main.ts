// YOLO Lab language server: an LSP adapter over src/workspace. Each handler
// turns the request into a path and a {line, col}, calls one feature of
// src/workspace/features.ts, and turns the plain answer back into LSP.
// `node dist/server.js --stdio`, or IPC when vscode-languageclient starts it
// (createConnection handles both).

import {
  CancellationToken,
  CodeActionKind,
  CodeLensRefreshRequest,
  CompletionItemKind,
  createConnection,
  DidChangeConfigurationNotification,
  MarkupKind,
  MessageType,
  ProposedFeatures,
  ShowMessageNotification,
  SymbolKind,
  TextDocuments,
  TextDocumentSyncKind,
  type CodeAction,
  type CodeLens,
  type CompletionItem,
  type Connection,
  type Definition,
  type DocumentSymbol,
  type Hover,
  type InlayHint,
  type Location,
  type WorkspaceEdit,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  INDEXED_NOTIFICATION,
  MERGED_CONFIG_REQUEST,
  type IndexedParams,
  type InitializationOptions,
  type MergedConfigParams,
  type MergedConfigResult,
} from '../protocol/index';
import { listPythonFiles } from '../src/workspace/config-files';
import { ConfigWorkspace, type WorkspaceSettings } from '../src/workspace/config-workspace';
import { features } from '../src/workspace/features';
import { indexReport, reportLines } from '../src/workspace/index-report';
import type { ConfigSymbol } from '../src/workspace/outline';
import type { FileMove } from '../src/workspace/rename-edits';
import { pathToUri, toLocation, toLspDiagnostic, toLspRange, toWorkspaceEdit, uriToPath } from './convert';
import { PublishQueue } from './publish-queue';
import { startWatcher, type ChangeKind, type Watcher } from './watcher';

const connection: Connection = createConnection(ProposedFeatures.all);
// A failed message to the client (e.g. a request it does not implement) must not end the server.
process.on('unhandledRejection', (e) =>
  connection.console.error(`yololab: ${e instanceof Error ? e.message : String(e)}`),
);
const documents = new TextDocuments(TextDocument);
let ws = new ConfigWorkspace([]);
let watcher: Watcher | undefined;
let canConfigure = false;
let canReportProgress = false;
let canRefreshLenses = false;
/** `yololab.inlayHints.enabled` (on unless set to false). */
let hintsEnabled = true;
const published = new Set<string>();

/**
 * Runs a handler: a request the client already cancelled is not worked on, and
 * a bug in one answer is logged, never fatal to the server.
 */
function safe<P, R>(
  name: string,
  fallback: R,
  fn: (p: P, token?: CancellationToken) => R | Promise<R>,
): (p: P, token?: CancellationToken) => Promise<R> {
  return async (p, token) => {
    if (token?.isCancellationRequested) return fallback;
    try {
      return await fn(p, token);
    } catch (e) {
      connection.console.error(`yololab: ${name} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      return fallback;
    }
  };
}

const pos = (p: { line: number; character: number }) => ({ line: p.line, col: p.character });

connection.onInitialize((params) => {
  const folders = params.workspaceFolders?.map((f) => uriToPath(f.uri)).filter((p): p is string => !!p);
  const root = params.rootUri ? uriToPath(params.rootUri) : (params.rootPath ?? undefined);
  // The extension sends { settings: <yololab section>, workspaceTrusted }; a bare section is accepted too.
  const init = (params.initializationOptions ?? {}) as InitializationOptions & Partial<WorkspaceSettings>;
  ws = new ConfigWorkspace(folders?.length ? folders : root ? [root] : [], {
    trusted: init.workspaceTrusted !== false,
  });
  ws.configure((init.settings as Partial<WorkspaceSettings> | undefined) ?? init);
  readHintSetting(init.settings ?? init);
  canConfigure = !!params.capabilities.workspace?.configuration;
  canReportProgress = !!params.capabilities.window?.workDoneProgress;
  canRefreshLenses = !!params.capabilities.workspace?.codeLens?.refreshSupport;
  const py = {
    filters: [
      { scheme: 'file', pattern: { glob: '**/*.py', matches: 'file' as const } },
      { scheme: 'file', pattern: { glob: '**/*', matches: 'folder' as const } },
    ],
  };
  return {
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      definitionProvider: true,
      referencesProvider: true,
      hoverProvider: true,
      completionProvider: { triggerCharacters: ['(', ',', '=', "'", '"', '.'], resolveProvider: false },
      documentSymbolProvider: true,
      codeLensProvider: { resolveProvider: false },
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
      inlayHintProvider: true,
      workspace: { fileOperations: { willRename: py }, workspaceFolders: { supported: false } },
    },
    serverInfo: { name: 'yololab', version: '0.1.0' },
  };
});

connection.onInitialized(async () => {
  connection.console.info(
    `yololab: language server 0.1.0 started (Node ${process.version}, pid ${process.pid}) for ${ws.roots.join(', ') || 'no workspace folder'}`,
  );
  if (canConfigure) {
    await readSettings();
    void connection.client.register(DidChangeConfigurationNotification.type, { section: 'yololab' });
  }
  // Watch first, so nothing changed during the scan is missed; the index is announced once both are done.
  watcher = startWatcher(ws.roots, onDiskChange);
  await buildIndex(watcher?.ready);
});

function readHintSetting(section: unknown): void {
  const hints = (section as { inlayHints?: { enabled?: unknown } } | undefined)?.inlayHints;
  hintsEnabled = hints?.enabled !== false;
}

async function readSettings(): Promise<void> {
  try {
    const s = (await connection.workspace.getConfiguration('yololab')) as Partial<WorkspaceSettings> | null | undefined;
    // A client with no answer for the section keeps what initializationOptions gave.
    if (s) {
      ws.configure(s);
      readHintSetting(s);
    }
  } catch (e) {
    connection.console.warn(`yololab: cannot read settings: ${String(e)}`);
  }
}

async function buildIndex(watching?: Promise<void>): Promise<void> {
  const t0 = performance.now();
  const progress = canReportProgress
    ? await connection.window.createWorkDoneProgress().catch(() => undefined)
    : undefined;
  progress?.begin('YOLO Lab: indexing configs', 0, undefined, false);
  try {
    await ws.scan((done, total) =>
      progress?.report(total ? Math.round((100 * done) / total) : 100, `${done}/${total} Python files`),
    );
  } catch (e) {
    const error = `indexing failed: ${e instanceof Error ? e.message : String(e)}`;
    connection.console.error(`yololab: ${error}`);
    progress?.done();
    void connection.sendNotification(INDEXED_NOTIFICATION, {
      configs: ws.index.size,
      ms: Math.round(performance.now() - t0),
      scanMs: 0,
      error,
    } satisfies IndexedParams);
    return;
  }
  const scanMs = Math.round(performance.now() - t0);
  await watching;
  progress?.done();
  announceIndex(performance.now() - t0, scanMs);
  ws.invalidateAll();
  queue.add(openFiles());
  refreshLenses();
}

let lastReport = '';

/** Says in the output channel (once per change: settings arrive more than once at start) and to the status bar what the index holds. */
function announceIndex(ms: number, scanMs: number): void {
  const report = indexReport(ws, ms);
  const lines = reportLines(report);
  const key = JSON.stringify([report.configs, lines.slice(1)]);
  if (key !== lastReport) for (const line of lines) connection.console.info(`yololab: ${line}`);
  lastReport = key;
  void connection.sendNotification(INDEXED_NOTIFICATION, {
    configs: report.configs,
    ms: report.ms,
    scanMs,
    scopes: report.scopes,
    unresolved: report.unresolved,
  } satisfies IndexedParams);
}

connection.onDidChangeConfiguration(
  safe('configuration', undefined, async (change) => {
    const s = (change.settings as { yololab?: Partial<WorkspaceSettings> } | undefined)?.yololab;
    if (canConfigure) await readSettings();
    else if (s) {
      ws.configure(s);
      readHintSetting(s);
    }
    void connection.languages.inlayHint.refresh().catch(() => undefined);
    const t0 = performance.now();
    await ws.scan();
    announceIndex(performance.now() - t0, Math.round(performance.now() - t0));
    queue.add(openFiles());
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
  return documents
    .keys()
    .map((u) => uriToPath(u))
    .filter((p): p is string => !!p);
}

// ---- diagnostics: published for open configs, re-published for open dependents after a base changes ----

const queue = new PublishQueue((file) => {
  const uri = pathToUri(file);
  const doc = documents.get(uri);
  if (!doc) return; // closed meanwhile
  try {
    const diagnostics = features.diagnostics(ws, file);
    if (!diagnostics) {
      if (published.delete(file)) void connection.sendDiagnostics({ uri, diagnostics: [] });
      return;
    }
    published.add(file);
    void connection.sendDiagnostics({ uri, version: doc.version, diagnostics: diagnostics.map(toLspDiagnostic) });
  } catch (e) {
    connection.console.error(`yololab: diagnostics for ${file} failed: ${e instanceof Error ? e.stack : String(e)}`);
    const message = `YOLO Lab could not analyse this file (internal error: ${e instanceof Error ? e.message : String(e)})`;
    void connection.sendDiagnostics({
      uri,
      diagnostics: [
        {
          range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
          severity: 1,
          message,
          source: 'yololab',
        },
      ],
    });
  }
});

/** Queues the open ones among `files` for publishing. */
function republish(files: string[]): void {
  const open = new Set(openFiles());
  queue.add(files.filter((f) => open.has(f)));
}

documents.onDidChangeContent((e) => {
  const file = uriToPath(e.document.uri);
  if (file) republish(ws.setBuffer(file, e.document.getText()));
});

documents.onDidClose((e) => {
  const file = uriToPath(e.document.uri);
  if (!file) return;
  const affected = ws.setBuffer(file, undefined);
  if (published.delete(file)) void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  republish(affected);
});

function onDiskChange(file: string, kind: ChangeKind): void {
  if (kind === 'addDir') {
    for (const f of listPythonFiles([file])) if (!ws.textOf(f)) republish(ws.fileChanged(f));
  } else if (kind === 'unlinkDir') {
    republish(ws.folderRemoved(file));
  } else if (!ws.textOf(file)) republish(ws.fileChanged(file));
  else ws.invalidate(file); // an open buffer wins over the disk; its dependents are unchanged
  refreshLenses();
}

// ---- features ----

connection.onDefinition(
  safe('definition', null as Definition | null, (p) => {
    const file = uriToPath(p.textDocument.uri);
    const loc = file && features.definition(ws, file, pos(p.position));
    return loc ? toLocation(loc) : null;
  }),
);

connection.onReferences(
  safe('references', [] as Location[], async (p, token) => {
    const file = uriToPath(p.textDocument.uri);
    if (!file) return [];
    const refs = await features.references(ws, file, pos(p.position), p.context.includeDeclaration, {
      cancelled: () => !!token?.isCancellationRequested,
    });
    return refs.map(toLocation);
  }),
);

connection.onHover(
  safe('hover', null as Hover | null, (p) => {
    const file = uriToPath(p.textDocument.uri);
    const h = file && features.hover(ws, file, pos(p.position));
    return h ? { contents: { kind: MarkupKind.Markdown, value: h.markdown }, range: toLspRange(h.range) } : null;
  }),
);

connection.languages.inlayHint.on(
  safe('inlayHint', [] as InlayHint[], (p) => {
    const file = uriToPath(p.textDocument.uri);
    if (!file || !hintsEnabled) return [];
    const range = { start: pos(p.range.start), end: pos(p.range.end) };
    return features.inlayHints(ws, file, range).map((h) => ({
      position: { line: h.position.line, character: h.position.col },
      label: h.label,
      tooltip: h.tooltip,
      paddingLeft: true,
    }));
  }),
);

connection.onCompletion(
  safe('completion', [] as CompletionItem[], (p) => {
    const file = uriToPath(p.textDocument.uri);
    if (!file) return [];
    return features.completion(ws, file, pos(p.position)).map((c) => ({
      label: c.label,
      kind: c.kind === 'type' ? CompletionItemKind.Class : CompletionItemKind.Property,
      detail: c.detail,
      documentation: c.documentation ? { kind: MarkupKind.Markdown, value: c.documentation } : undefined,
      insertText: c.insertText,
    }));
  }),
);

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
    const file = uriToPath(p.textDocument.uri);
    return file ? features.documentSymbols(ws, file).map(toSymbol) : [];
  }),
);

connection.onCodeLens(
  safe('codeLens', [] as CodeLens[], (p) => {
    const file = uriToPath(p.textDocument.uri);
    if (!file) return [];
    return features.codeLenses(ws, file).map((l) => ({
      range: toLspRange(l.range),
      command: { title: l.title, command: '', arguments: [l.files.map(pathToUri)] },
    }));
  }),
);

connection.onCodeAction(
  safe('codeAction', [] as CodeAction[], (p) => {
    const file = uriToPath(p.textDocument.uri);
    if (!file) return [];
    const diags = p.context.diagnostics;
    const version = (uri: string) => documents.get(uri)?.version ?? null;
    return features.codeActions(ws, file, diags).map((a) => ({
      title: a.title,
      kind: CodeActionKind.QuickFix,
      diagnostics: [diags[a.diagnostic]],
      ...(a.disabled
        ? { disabled: { reason: a.disabled } }
        : { edit: toWorkspaceEdit(a.edits, a.moves, version), isPreferred: true }),
    }));
  }),
);

connection.workspace.onWillRenameFiles(
  safe('willRenameFiles', null as WorkspaceEdit | null, (p) => {
    const moves = p.files
      .map((f) => ({ from: uriToPath(f.oldUri), to: uriToPath(f.newUri) }))
      .filter((m): m is FileMove => !!m.from && !!m.to);
    const r = features.willRenameFiles(ws, moves);
    for (const message of r.warnings)
      void connection.sendNotification(ShowMessageNotification.type, { type: MessageType.Warning, message });
    return r.edits.length ? toWorkspaceEdit(r.edits) : null;
  }),
);

connection.onRequest(
  MERGED_CONFIG_REQUEST,
  safe(
    'mergedConfig',
    { text: '', lines: [], diagnostics: [] } as MergedConfigResult,
    (p: MergedConfigParams): MergedConfigResult => {
      const file = uriToPath(p.uri);
      if (!file)
        return {
          text: '',
          lines: [],
          diagnostics: [{ message: `not a config file: ${p.uri}`, uri: p.uri, line: 0, character: 0 }],
        };
      const m = features.mergedPreview(ws, file);
      const link = (x: { file: string; line: number; col: number }) => ({
        uri: pathToUri(x.file),
        line: x.line,
        character: x.col,
      });
      return {
        text: m.text,
        lines: m.lines.map((l) => l && link(l)),
        diagnostics: m.diagnostics.map((d) => ({ ...link(d), message: d.message })),
        links: m.links.map((l) => ({ line: l.line, start: l.start, end: l.end, target: link(l.target) })),
        focusLines: m.focusLines,
      };
    },
  ),
);

// Answered within a second whatever is pending: the watcher gets half a second to close, then is left to exit with the process.
connection.onShutdown(async () => {
  queue.clear();
  const closing = watcher?.close();
  watcher = undefined;
  await Promise.race([closing, new Promise((r) => setTimeout(r, 500).unref())]);
});

// The client went away without `exit` (its process was killed): over stdio the connection ends the
// process when stdin closes, and it polls the client's process id; over IPC the channel closing says so.
process.on('disconnect', () => process.exit(1));

documents.listen(connection);
connection.listen();

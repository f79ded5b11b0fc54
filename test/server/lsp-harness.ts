// A real LSP client for protocol tests: copies a fixture workspace to a temp
// folder (recording `$N` markers as positions and stripping them), spawns the
// built server (`node dist/server.js --stdio`) and talks JSON-RPC to it.

import { fork, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createMessageConnection,
  IPCMessageReader,
  IPCMessageWriter,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import { INDEXED_NOTIFICATION, type IndexedParams } from '../../protocol/index';

export const REPO = path.resolve(__dirname, '../..');
export const SERVER = path.join(REPO, 'dist/server.js');
const MARKER = /\$(\d+)/g;

export interface Pos {
  line: number;
  character: number;
}

export interface Workspace {
  root: string;
  /** marks['configs/a.py'][0]: where `$0` was in that file. */
  marks: Record<string, Pos[]>;
  file(rel: string): string;
  uri(rel: string): string;
  text(rel: string): string;
}

/** Copies test/fixtures/<name> into a fresh temp folder, markers stripped. */
export function copyFixture(name: string): Workspace {
  const src = path.join(REPO, 'test/fixtures', name);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `yololab-${name}-`));
  const marks: Record<string, Pos[]> = {};
  const copy = (from: string, rel: string) => {
    for (const e of fs.readdirSync(from, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      const to = path.join(root, r);
      if (e.isDirectory()) {
        fs.mkdirSync(to, { recursive: true });
        copy(path.join(from, e.name), r);
        continue;
      }
      const raw = fs.readFileSync(path.join(from, e.name), 'utf8');
      let out = '';
      let last = 0;
      for (const m of raw.matchAll(MARKER)) {
        out += raw.slice(last, m.index);
        last = m.index! + m[0].length;
        const lines = out.split('\n');
        (marks[r] ??= [])[Number(m[1])] = { line: lines.length - 1, character: lines[lines.length - 1].length };
      }
      out += raw.slice(last);
      fs.writeFileSync(to, out);
    }
  };
  copy(src, '');
  const file = (rel: string) => path.join(root, rel);
  return {
    root,
    marks,
    file,
    uri: (rel) => pathToFileURL(file(rel)).href,
    text: (rel) => fs.readFileSync(file(rel), 'utf8'),
  };
}

export interface Diag {
  range: { start: Pos; end: Pos };
  severity?: number;
  message: string;
  code?: string;
  data?: unknown;
}

export class LspClient {
  readonly conn: MessageConnection;
  readonly proc: ChildProcess;
  /** Latest diagnostics per URI. */
  readonly diagnostics = new Map<string, Diag[]>();
  readonly messages: { type: number; message: string }[] = [];
  /** window/logMessage: what the "YOLO Lab" output channel shows. */
  readonly logs: { type: number; message: string }[] = [];
  readonly progress: unknown[] = [];
  private waiters: (() => void)[] = [];
  private versions = new Map<string, number>();
  indexed: IndexedParams | undefined;
  /** Called with every publishDiagnostics (a second handler on the connection would replace the client's own). */
  readonly publishListeners = new Set<(p: { uri: string; version?: number; diagnostics: Diag[] }) => void>();
  stderr = '';

  constructor(
    readonly ws: Workspace,
    /** What the client answers to workspace/configuration (null: no answer for the section). */
    public settings: Record<string, unknown> | null = {},
    transport: 'stdio' | 'ipc' = 'stdio',
    private readonly initializationOptions?: unknown,
  ) {
    if (transport === 'ipc') {
      // As vscode-languageclient's TransportKind.ipc starts it.
      this.proc = fork(SERVER, ['--node-ipc'], { stdio: ['pipe', 'pipe', 'pipe', 'ipc'] });
      this.conn = createMessageConnection(new IPCMessageReader(this.proc), new IPCMessageWriter(this.proc));
    } else {
      this.proc = spawn(process.execPath, [SERVER, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
      this.conn = createMessageConnection(
        new StreamMessageReader(this.proc.stdout!),
        new StreamMessageWriter(this.proc.stdin!),
      );
    }
    this.proc.stderr!.on('data', (d) => (this.stderr += d));
    this.conn.onNotification(
      'textDocument/publishDiagnostics',
      (p: { uri: string; version?: number; diagnostics: Diag[] }) => {
        for (const l of this.publishListeners) l(p);
        // A late publish for an older version of a buffer is not the answer a test waits for.
        const want = this.versions.get(p.uri);
        if (want !== undefined && p.version !== undefined && p.version < want) return;
        this.diagnostics.set(p.uri, p.diagnostics);
        this.wake();
      },
    );
    this.conn.onNotification('window/showMessage', (p: { type: number; message: string }) => {
      this.messages.push(p);
      this.wake();
    });
    this.conn.onNotification('window/logMessage', (p: { type: number; message: string }) => {
      this.logs.push(p);
      this.wake();
    });
    this.conn.onNotification('$/progress', (p: unknown) => {
      this.progress.push(p);
      this.wake();
    });
    this.conn.onNotification(INDEXED_NOTIFICATION, (p: IndexedParams) => {
      this.indexed = p;
      this.wake();
    });
    this.conn.onRequest('workspace/configuration', (p: { items: { section?: string }[] }) =>
      p.items.map(() => this.settings),
    );
    this.conn.onRequest('window/workDoneProgress/create', () => null);
    this.conn.onRequest('client/registerCapability', () => null);
    this.conn.onRequest('workspace/codeLens/refresh', () => null);
    this.conn.listen();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    w.forEach((f) => f());
  }

  /** Resolves when `pred` holds, re-checked on every notification; fails after `ms`. */
  async until<T>(what: string, pred: () => T | undefined | false, ms = 8000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = pred();
      if (v) return v;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; server stderr: ${this.stderr.slice(-2000)}`);
      await new Promise<void>((res) => {
        const t = setTimeout(res, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(t);
          res();
        });
      });
    }
  }

  async start(): Promise<void> {
    await this.conn.sendRequest('initialize', {
      processId: process.pid,
      initializationOptions: this.initializationOptions,
      rootUri: pathToFileURL(this.ws.root).href,
      workspaceFolders: [{ uri: pathToFileURL(this.ws.root).href, name: 'ws' }],
      capabilities: {
        workspace: {
          configuration: true,
          didChangeConfiguration: { dynamicRegistration: true },
          codeLens: { refreshSupport: true },
          fileOperations: { willRename: true },
        },
        window: { workDoneProgress: true, showMessage: {} },
        textDocument: { publishDiagnostics: { versionSupport: true }, hover: { contentFormat: ['markdown'] } },
      },
    });
    await this.conn.sendNotification('initialized', {});
    await this.until('the workspace index', () => this.indexed);
  }

  open(rel: string, text = this.ws.text(rel)): void {
    const uri = this.ws.uri(rel);
    this.versions.set(uri, 1);
    this.diagnostics.delete(uri);
    void this.conn.sendNotification('textDocument/didOpen', {
      textDocument: { uri, languageId: 'python', version: 1, text },
    });
  }

  /** Replaces the whole unsaved buffer. */
  change(rel: string, text: string): void {
    const uri = this.ws.uri(rel);
    const v = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, v);
    this.diagnostics.delete(uri);
    void this.conn.sendNotification('textDocument/didChange', {
      textDocument: { uri, version: v },
      contentChanges: [{ text }],
    });
  }

  /** An incremental edit: replaces `range` of the buffer with `text`, as an editor sends keystrokes. */
  edit(rel: string, range: { start: Pos; end: Pos }, text: string): void {
    const uri = this.ws.uri(rel);
    const v = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, v);
    this.diagnostics.delete(uri);
    void this.conn.sendNotification('textDocument/didChange', {
      textDocument: { uri, version: v },
      contentChanges: [{ range, text }],
    });
  }

  close(rel: string): void {
    this.versions.delete(this.ws.uri(rel));
    this.diagnostics.delete(this.ws.uri(rel));
    void this.conn.sendNotification('textDocument/didClose', { textDocument: { uri: this.ws.uri(rel) } });
  }

  /** The next diagnostics published for a file (after open/change cleared them). */
  diags(rel: string): Promise<Diag[]> {
    const uri = this.ws.uri(rel);
    return this.until(`diagnostics for ${rel}`, () => this.diagnostics.get(uri));
  }

  /** Repeats a request until its answer satisfies `pred` (for effects that arrive through the file watcher). */
  async eventually<T>(what: string, ask: () => Promise<T>, pred: (v: T) => boolean, ms = 8000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = await ask();
      if (pred(v)) return v;
      if (Date.now() > deadline)
        throw new Error(
          `timed out waiting for ${what}; last answer: ${JSON.stringify(v)?.slice(0, 500)}; server stderr: ${this.stderr.slice(-3000)}`,
        );
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Waits until the diagnostics published for a file satisfy `pred` (for files re-published after another file changed). */
  diagsWhere(rel: string, what: string, pred: (d: Diag[]) => boolean, ms?: number): Promise<Diag[]> {
    const uri = this.ws.uri(rel);
    return this.until(
      `diagnostics for ${rel}: ${what}`,
      () => {
        const d = this.diagnostics.get(uri);
        return d && pred(d) ? d : undefined;
      },
      ms,
    );
  }

  request<T>(method: string, params: unknown): Promise<T> {
    return this.conn.sendRequest(method, params) as Promise<T>;
  }

  at(rel: string, mark: number): { textDocument: { uri: string }; position: Pos } {
    const p = this.ws.marks[rel]?.[mark];
    if (!p) throw new Error(`no marker $${mark} in ${rel}`);
    return { textDocument: { uri: this.ws.uri(rel) }, position: p };
  }

  async stop(): Promise<void> {
    const gone = this.proc.exitCode !== null || this.proc.signalCode !== null;
    if (!gone) {
      try {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([this.conn.sendRequest('shutdown'), new Promise((r) => (timer = setTimeout(r, 2000)))]);
        clearTimeout(timer);
        void this.conn.sendNotification('exit');
      } catch {
        // already gone
      }
    }
    await new Promise<void>((res) => {
      if (this.proc.exitCode !== null) return res();
      const t = setTimeout(() => {
        this.proc.kill();
        res();
      }, 2000);
      this.proc.on('exit', () => {
        clearTimeout(t);
        res();
      });
    });
    this.conn.dispose();
    fs.rmSync(this.ws.root, { recursive: true, force: true });
  }
}

/** Starts a server over a fresh copy of a fixture workspace. */
export async function startServer(
  fixture: string,
  settings: Record<string, unknown> | null = {},
  transport: 'stdio' | 'ipc' = 'stdio',
  initializationOptions?: unknown,
): Promise<LspClient> {
  if (!fs.existsSync(SERVER)) throw new Error(`${SERVER} is missing: run npm run build first`);
  const c = new LspClient(copyFixture(fixture), settings, transport, initializationOptions);
  await c.start();
  return c;
}

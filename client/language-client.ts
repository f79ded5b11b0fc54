// Starts the YOLO Lab language server (dist/server.js) over IPC and keeps it running: a crash restarts it
// with a visible message, repeated crashes stop the retries. Only Python files are sent; the server
// itself ignores the ones that are not configs.
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import {
  CloseAction,
  ErrorAction,
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  TransportKind,
} from 'vscode-languageclient/node';
import {
  MERGED_CONFIG_REQUEST,
  type ConfigFileRule,
  type InitializationOptions,
  type MergedConfigParams,
} from '../protocol/index';
import { CrashBudget } from './restart-policy';

/** The config-file rule as the settings and workspace folders give it now (for the extension's own menus). */
export function configFileRule(): ConfigFileRule {
  const globs = vscode.workspace.getConfiguration('yololab').get<unknown>('configGlobs');
  return {
    roots: (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath),
    globs: Array.isArray(globs) ? globs.filter((g): g is string => typeof g === 'string') : undefined,
  };
}

export class ServerConnection implements vscode.Disposable {
  client: LanguageClient | undefined;
  unavailable: string | undefined; // why there is no server, for features that need it
  private budget = new CrashBudget();
  private readonly trustListener: vscode.Disposable;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.OutputChannel,
    /** Called with each new client before it starts (the index status follows it). */
    private readonly onClient?: (client: LanguageClient) => void,
  ) {
    // In Restricted Mode the server does not read environment variables; once trusted, it starts again reading them.
    this.trustListener = vscode.workspace.onDidGrantWorkspaceTrust(() => {
      if (this.client) void this.restart();
    });
  }

  async start(): Promise<void> {
    const serverModule = this.context.asAbsolutePath('dist/server.js');
    if (!fs.existsSync(serverModule)) {
      this.unavailable = `the language server is missing (${serverModule}); build it with 'npm run build'`;
      this.log.appendLine(`YOLO Lab: ${this.unavailable}`);
      void vscode.window.showErrorMessage(
        `YOLO Lab: ${this.unavailable}. Hover, diagnostics and the merged preview are off.`,
      );
      return;
    }
    const serverOptions: ServerOptions = {
      run: { module: serverModule, transport: TransportKind.ipc },
      debug: {
        module: serverModule,
        transport: TransportKind.ipc,
        options: { execArgv: ['--nolazy', '--inspect=6019'] },
      },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ scheme: 'file', language: 'python' }],
      synchronize: { configurationSection: 'yololab' },
      initializationOptions: {
        // Sent as JSON: the section's values (its methods are dropped).
        settings: vscode.workspace.getConfiguration('yololab') as unknown as Record<string, unknown>,
        workspaceTrusted: vscode.workspace.isTrusted,
      } satisfies InitializationOptions,
      outputChannel: this.log,
      errorHandler: {
        error: () => ({ action: ErrorAction.Continue }),
        closed: () => {
          const { restart, recent } = this.budget.recordCrash();
          if (restart) {
            void vscode.window.showWarningMessage(
              `YOLO Lab language server stopped unexpectedly; restarting it (${recent} in the last 3 minutes).`,
            );
            return { action: CloseAction.Restart, handled: true };
          }
          void vscode.window.showErrorMessage(
            `YOLO Lab language server crashed ${recent} times in 3 minutes and was not restarted. See the "YOLO Lab" output; run "YOLO Lab: Restart Language Server" to try again.`,
          );
          return { action: CloseAction.DoNotRestart, handled: true };
        },
      },
    };
    this.client = new LanguageClient('yololab', 'YOLO Lab', serverOptions, clientOptions);
    this.onClient?.(this.client);
    try {
      await this.client.start();
      this.unavailable = undefined;
    } catch (e) {
      this.unavailable = `the language server failed to start: ${e instanceof Error ? e.message : String(e)}`;
      void vscode.window.showErrorMessage(`YOLO Lab: ${this.unavailable}`);
    }
  }

  async restart(): Promise<void> {
    this.budget.reset();
    if (this.client) {
      await this.client.stop().catch(() => undefined);
      this.client = undefined;
    }
    await this.start();
  }

  async sendRequest<R>(method: string, params: unknown): Promise<R> {
    if (!this.client || this.unavailable) throw new Error(this.unavailable ?? 'the language server is not running');
    return this.client.sendRequest<R>(method, params);
  }

  /** The merged config of a source file (see protocol/requests.ts). */
  mergedConfig(uri: string): Promise<unknown> {
    return this.sendRequest(MERGED_CONFIG_REQUEST, { uri } satisfies MergedConfigParams);
  }

  dispose(): void {
    this.trustListener.dispose();
    void this.client?.stop();
  }
}

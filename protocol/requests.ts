// Custom LSP messages between the extension and the language server: their
// method names (one constant each) and the shapes they carry.

/** Request: the config as MMEngine merges it, each line linked to where it was set. */
export const MERGED_CONFIG_REQUEST = 'yololab/mergedConfig';

export interface MergedConfigParams {
  /** The config's `file:` URI. */
  uri: string;
}

/** A place in a source file, 0-based as in LSP. */
export interface SourceLink {
  uri: string;
  line: number;
  character: number;
}

export interface MergedConfigResult {
  /** Python text, as `yololab print-config` prints it. */
  text: string;
  /** For each line of `text`, where its key was set (null: no single source). */
  lines: (SourceLink | null)[];
  /** Errors and warnings of the load, and a note when the text shown is the last version that loaded. */
  diagnostics: (SourceLink & { message: string })[];
}

/** Notification: the background index is built and the file watcher is live. */
export const INDEXED_NOTIFICATION = 'yololab/indexed';

export interface IndexedParams {
  /** Configs in the index. */
  configs: number;
  /** From the start of the scan until the watcher was ready. */
  ms: number;
  /** The scan alone. */
  scanMs: number;
}

/** What the extension sends in `initializationOptions`. */
export interface InitializationOptions {
  /** The `yololab` settings section (the server also asks for it with workspace/configuration). */
  settings?: Record<string, unknown>;
  /**
   * VS Code's workspace trust. When false (Restricted Mode) the server does not read environment
   * variables: `{{$NAME:default}}` shows a placeholder, never the value. Absent: trusted.
   */
  workspaceTrusted?: boolean;
}

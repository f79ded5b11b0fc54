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

/** A span of the merged text shown as a link to `target`; 0-based line and columns of `text`. */
export interface PreviewLink {
  line: number;
  start: number;
  end: number;
  target: SourceLink;
}

export interface MergedConfigResult {
  /**
   * Python text: first what the config sets or changes (`key = new  # was old (file:line)`,
   * `focusLines` lines), then the whole merged config as MMEngine prints it.
   */
  text: string;
  /** For each line of `text`, where "go to source" leads: the line that set its key (null: nowhere). */
  lines: (SourceLink | null)[];
  /** The spans shown as links (the `file:line` of old values). Absent from older servers' replies. */
  links?: PreviewLink[];
  /** How many lines at the top are the focused part. Absent from older servers' replies. */
  focusLines?: number;
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
  /** The `scope::` roots in use: from yololab.scopes or the checkout itself, whether the folder exists, how many bases use it. */
  scopes?: { scope: string; configs: string; source: 'setting' | 'workspace'; exists: boolean; uses: number }[];
  /** Scopes that configs name but nothing resolves. */
  unresolved?: { scope: string; uses: number; example: string }[];
  /** Set when indexing failed. */
  error?: string;
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

// Reading a config file from disk without ever hanging or exhausting memory:
// the extension is checked before anything is opened (as MMEngine's
// `_file2dict` does), only regular files are opened (a FIFO would block the
// read, /dev/zero would never end), the open is non-blocking and re-checked on
// the descriptor, and at most `maxBytes` are read whatever the file claims.

import * as fs from 'node:fs';
import * as path from 'node:path';

/** The largest config we read by default. The biggest real MMYOLO config is about 12 kB. */
export const DEFAULT_MAX_CONFIG_BYTES = 32 * 1024 * 1024;

export interface ConfigFileError {
  /** The Python exception MMEngine would raise (or the nearest one). */
  pyType: string;
  message: string;
  /** `base-missing` when nothing is there, `read-error` otherwise. */
  code: 'base-missing' | 'read-error';
}

export type ConfigFileText = { text: string; error?: undefined } | { text?: undefined; error: ConfigFileError };

export interface ReadConfigOptions {
  /** Refuse files larger than this many bytes (default DEFAULT_MAX_CONFIG_BYTES). */
  maxBytes?: number;
  /** Refuse names not ending in `.py` before opening (default true). */
  requirePy?: boolean;
}

/** "32 MiB", "512 kB": a byte count as people read it. */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${+(n / (1024 * 1024)).toFixed(1)} MiB`;
  if (n >= 1024) return `${+(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}

export function tooLargeMessage(size: number | undefined, maxBytes: number): string {
  const got = size === undefined ? 'more than that' : `${size} bytes`;
  return `file is too large for a config (${got}; the limit is ${maxBytes} bytes, ${formatBytes(maxBytes)})`;
}

/** What a non-regular file is, for the message. */
function kindOf(st: fs.Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

function notRegular(st: fs.Stats): ConfigFileError {
  if (st.isDirectory())
    return { pyType: 'IsADirectoryError', message: 'Is a directory, not a config file', code: 'read-error' };
  return {
    pyType: 'OSError',
    message: `is ${kindOf(st)}, not a regular file: configs are only read from regular files`,
    code: 'read-error',
  };
}

/** The extension check MMEngine makes before reading (`Only py/yml/yaml/json type are supported now!`). */
export function extensionError(file: string): ConfigFileError | undefined {
  const ext = path.extname(file);
  if (ext === '.py') return undefined;
  return {
    pyType: 'OSError',
    message: `only Python configs (.py) are supported, not '${ext || 'no extension'}'`,
    code: 'read-error',
  };
}

const O_NONBLOCK = fs.constants.O_NONBLOCK ?? 0;
const O_NOCTTY = fs.constants.O_NOCTTY ?? 0;

/** Reads at most `limit` bytes; returns undefined when there are more. */
function readBounded(fd: number, limit: number, sizeHint: number): Buffer | undefined {
  // /proc files report size 0 and still have content: grow the buffer as needed, never past limit + 1.
  let buf = Buffer.allocUnsafe(Math.min(limit + 1, Math.max(sizeHint + 1, 4096)));
  let n = 0;
  for (;;) {
    if (n === buf.length) {
      if (buf.length > limit) return undefined;
      const bigger = Buffer.allocUnsafe(Math.min(limit + 1, buf.length * 2));
      buf.copy(bigger, 0, 0, n);
      buf = bigger;
    }
    const got = fs.readSync(fd, buf, n, buf.length - n, null);
    if (got === 0) break;
    n += got;
    if (n > limit) return undefined;
  }
  return buf.subarray(0, n);
}

/**
 * Decodes config bytes as MMEngine reads them (`open(filename, encoding='utf-8')`): strict
 * UTF-8, no NUL bytes. A byte-order mark is kept as text: MMEngine's `ast.parse` refuses it
 * (even the first one), and so does our tokenizer, at 1:1.
 */
export function decodeConfigBytes(buf: Buffer): ConfigFileText {
  if (buf.includes(0))
    return {
      error: {
        pyType: 'SyntaxError',
        message: 'source code cannot contain null bytes (is this a binary file?)',
        code: 'read-error',
      },
    };
  let text: string;
  try {
    // ignoreBOM: keep it in the text (TextDecoder would drop it silently).
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(buf);
  } catch {
    return {
      error: {
        pyType: 'UnicodeDecodeError',
        message: "'utf-8' codec can't decode the file: it is not UTF-8 text",
        code: 'read-error',
      },
    };
  }
  return { text };
}

/**
 * Reads a config file's text, or says why not (one line, no path: callers put the
 * file in front). Never blocks on a FIFO or device, never reads more than maxBytes + 1.
 */
export function readConfigFile(file: string, opts: ReadConfigOptions = {}): ConfigFileText {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_CONFIG_BYTES;
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP')
      return { error: { pyType: 'OSError', message: 'Too many levels of symbolic links', code: 'read-error' } };
    if (code === 'EACCES')
      return { error: { pyType: 'PermissionError', message: 'Permission denied', code: 'read-error' } };
    return { error: { pyType: 'FileNotFoundError', message: 'No such file or directory', code: 'base-missing' } };
  }
  // Checked on the name, before opening: `_base_ = '../../etc/shadow'` is refused unread.
  if (opts.requirePy !== false) {
    const bad = extensionError(file);
    if (bad) return { error: bad };
  }
  if (!st.isFile()) return { error: notRegular(st) };
  if (st.size > maxBytes)
    return { error: { pyType: 'MemoryError', message: tooLargeMessage(st.size, maxBytes), code: 'read-error' } };
  let fd: number;
  try {
    // Non-blocking: if the name now points at a FIFO, open returns at once instead of waiting for a writer.
    fd = fs.openSync(file, fs.constants.O_RDONLY | O_NONBLOCK | O_NOCTTY);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return {
      error: {
        pyType: code === 'EACCES' ? 'PermissionError' : 'OSError',
        message: code === 'EACCES' ? 'Permission denied' : `cannot open the file (${code ?? 'error'})`,
        code: 'read-error',
      },
    };
  }
  try {
    const fst = fs.fstatSync(fd);
    if (!fst.isFile()) return { error: notRegular(fst) };
    const buf = readBounded(fd, maxBytes, fst.size);
    if (!buf)
      return { error: { pyType: 'MemoryError', message: tooLargeMessage(undefined, maxBytes), code: 'read-error' } };
    return decodeConfigBytes(buf);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { error: { pyType: 'OSError', message: `cannot read the file (${code ?? 'error'})`, code: 'read-error' } };
  } finally {
    fs.closeSync(fd);
  }
}

/** The text of a file the workspace may hold (any extension), or undefined when it cannot be read safely. */
export function readTextFileSafely(file: string, maxBytes = DEFAULT_MAX_CONFIG_BYTES): string | undefined {
  const r = readConfigFile(file, { maxBytes, requirePy: false });
  return r.text;
}

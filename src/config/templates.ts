// MMEngine's text substitutions before a config is parsed: predefined names
// ({{ fileDirname }} ...), environment variables ({{$NAME:default}}) and the
// `{{_base_.x}}` placeholders. Each step records its edits so a position in
// the substituted text maps back to the file the user wrote.

import * as path from 'node:path';

interface Edit {
  newStart: number;
  newLen: number;
  oldStart: number;
  oldLen: number;
}

export class TextMap {
  /** Sum of (newLen - oldLen) over the edits before each one: lookups are a binary search, not a scan. */
  private readonly shiftBefore: number[] = [];
  constructor(
    private readonly edits: Edit[] = [],
    private readonly inner?: TextMap,
  ) {
    let shift = 0;
    for (const e of edits) {
      this.shiftBefore.push(shift);
      shift += e.newLen - e.oldLen;
    }
  }

  /** Offset in the substituted text -> offset in the original text. */
  toOriginal(off: number): number {
    const edits = this.edits;
    // The last edit starting at or before off.
    let lo = 0;
    let hi = edits.length - 1;
    let k = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (edits[mid].newStart <= off) {
        k = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    let o = off;
    if (k >= 0) {
      const e = edits[k];
      o =
        off < e.newStart + e.newLen
          ? e.oldStart + Math.min(off - e.newStart, e.oldLen)
          : off - this.shiftBefore[k] - (e.newLen - e.oldLen);
    }
    return this.inner ? this.inner.toOriginal(o) : o;
  }

  get identity(): boolean {
    return this.edits.length === 0 && (!this.inner || this.inner.identity);
  }
}

function substitute(
  text: string,
  re: RegExp,
  replace: (m: RegExpExecArray) => string,
  inner?: TextMap,
): { text: string; map: TextMap } {
  const edits: Edit[] = [];
  let out = '';
  let last = 0;
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const rep = replace(m);
    out += text.slice(last, m.index);
    edits.push({ newStart: out.length, newLen: rep.length, oldStart: m.index, oldLen: m[0].length });
    out += rep;
    last = m.index + m[0].length;
    if (m[0].length === 0) re.lastIndex++;
  }
  if (!edits.length) return { text, map: inner ?? new TextMap() };
  out += text.slice(last);
  return { text: out, map: new TextMap(edits, inner) };
}

const PREDEFINED = /\{\{\s*(fileDirname|fileBasenameNoExtension|fileBasename|fileExtname)\s*\}\}/g;

export function substitutePredefined(text: string, file: string): { text: string; map: TextMap } {
  const ext = path.extname(file);
  const values: Record<string, string> = {
    fileDirname: path.dirname(file),
    fileBasename: path.basename(file),
    fileBasenameNoExtension: path.basename(file, ext),
    fileExtname: ext,
  };
  return substitute(text, PREDEFINED, (m) => values[m[1]].replace(/\\/g, '/'));
}

const ENV = /\{\{['"]?\s*\$(\w+)\s*:\s*(\S*?)\s*['"]?\}\}/g;

export class TemplateError extends Error {
  constructor(
    readonly pyType: string,
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/**
 * Returns the substituted text and the environment variables it read. With
 * `placeholders` (the editor in an untrusted workspace) no variable is read:
 * inside a string the template becomes `${NAME}`; written bare
 * (`{{'$NAME:80'}}`) it becomes its default, or the string '${NAME}'.
 */
export function substituteEnv(
  text: string,
  inner: TextMap,
  env: Record<string, string | undefined>,
  placeholders = false,
): { text: string; map: TextMap; used: Record<string, string> } {
  const used: Record<string, string> = {};
  const result = substitute(
    text,
    ENV,
    (m) => {
      const name = m[1];
      let value = m[2];
      if (placeholders) {
        const bare = m[0][2] === "'" || m[0][2] === '"';
        return !bare ? `\${${name}}` : value || `'\${${name}}'`;
      }
      if (env[name] !== undefined) {
        value = env[name]!;
        used[name] = value;
      }
      if (!value)
        throw new TemplateError(
          'KeyError',
          `'\`${name}\` cannot be found in \`os.environ\`. Please set \`${name}\` in environment or give a default value.'`,
          m.index,
        );
      return value;
    },
    inner,
  );
  return { ...result, used };
}

const BASE_VAR = /\{\{\s*_base_\.([\w.]+)\s*\}\}/g;

/** Replaces `{{_base_.a.b}}` with a quoted placeholder; returns placeholder -> dotted path. */
export function substituteBaseVars(
  text: string,
  inner: TextMap,
): { text: string; map: TextMap; vars: Map<string, string> } {
  const vars = new Map<string, string>();
  const byPath = new Map<string, string>();
  const result = substitute(
    text,
    BASE_VAR,
    (m) => {
      let placeholder = byPath.get(m[1]);
      if (!placeholder) {
        // MMEngine uses 6 random hex digits; a stable suffix keeps our output reproducible.
        placeholder = `_${m[1]}_${stableHex(m[1])}`;
        byPath.set(m[1], placeholder);
        vars.set(placeholder, m[1]);
      }
      return `"${placeholder}"`;
    },
    inner,
  );
  return { ...result, vars };
}

function stableHex(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0').slice(0, 6);
}

/** The three substitutions MMEngine makes before parsing, in its order. Throws TemplateError. */
export function substituteTemplates(
  text: string,
  file: string,
  env: Record<string, string | undefined>,
  envPlaceholders = false,
): { text: string; map: TextMap; envUsed: Record<string, string>; baseVars: Map<string, string> } {
  const pre = substitutePredefined(text, file);
  const envSub = substituteEnv(pre.text, pre.map, env, envPlaceholders);
  const bv = substituteBaseVars(envSub.text, envSub.map);
  return { text: bv.text, map: bv.map, envUsed: envSub.used, baseVars: bv.vars };
}

// The one rule for "is this Python file an OpenMMLab config", shared by the
// extension (which claims the file, so Pylance keeps ordinary modules) and the
// language server's index: a config glob names it (default: anything under a
// `configs/` folder), or its text assigns `_base_` or uses a `{{_base_.x}}`
// template. Plain string work only, so the client can import it.

export const DEFAULT_CONFIG_GLOBS: readonly string[] = ['**/configs/**/*.py'];

export interface ConfigFileRule {
  /** Workspace folders, absolute; globs are matched relative to each (and against the absolute path). */
  roots: readonly string[];
  /** `yololab.configGlobs`; the defaults when empty or not given. */
  globs?: readonly string[];
}

/** A glob (`**`, `*`, `?`, `{a,b}`) as a RegExp over '/'-separated paths. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') {
      if (glob[i + 1] === '*') {
        i++;
        if (glob[i + 1] === '/') {
          i++;
          re += '(?:.*/)?';
        } else re += '.*';
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '{') {
      const close = glob.indexOf('}', i);
      if (close < 0) re += '\\{';
      else {
        re +=
          '(?:' +
          glob
            .slice(i + 1, close)
            .split(',')
            .map((s) => s.replace(/[.+^$()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*'))
            .join('|') +
          ')';
        i = close;
      }
    } else re += c.replace(/[.+^$()|[\]\\]/g, '\\$&');
  }
  return new RegExp('^' + re + '$');
}

const slashes = (p: string) => p.replace(/\\/g, '/');

/** The globs of a rule, compiled once; invalid settings (not a list of strings) fall back to the defaults. */
export function compileGlobs(globs: readonly unknown[] | undefined): RegExp[] {
  const valid =
    Array.isArray(globs) && globs.length > 0 && globs.every((g) => typeof g === 'string')
      ? (globs as string[])
      : DEFAULT_CONFIG_GLOBS;
  return valid.map(globToRegExp);
}

/** Whether a config glob names the file: relative to any root, or as an absolute path. */
export function matchesConfigGlob(file: string, roots: readonly string[], globs: RegExp[]): boolean {
  const abs = slashes(file);
  const candidates = [abs];
  for (const r of roots) {
    const root = slashes(r).replace(/\/+$/, '');
    if (abs.startsWith(root + '/')) candidates.push(abs.slice(root.length + 1));
  }
  return globs.some((g) => candidates.some((c) => g.test(c)));
}

/** A top-level `_base_ = ...` or a `{{_base_.x}}` template: the text is a config wherever it lives. */
export function textLooksLikeConfig(text: string): boolean {
  return /^[ \t]*_base_[ \t]*=(?!=)/m.test(text) || /\{\{\s*_base_\./.test(text);
}

/** The rule itself. `text` may be omitted when only the path is known (then only the globs decide). */
export function isConfigFile(file: string, text: string | undefined, rule: ConfigFileRule): boolean {
  if (!file.endsWith('.py')) return false;
  if (matchesConfigGlob(file, rule.roots, compileGlobs(rule.globs))) return true;
  return text !== undefined && textLooksLikeConfig(text);
}

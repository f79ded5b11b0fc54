// A small argv parser for the yololab commands: positionals, `--flag`,
// `--opt VALUE`/`--opt=VALUE`, repeatable options, and MMEngine-style
// `--cfg-options k=v k=v ...` that takes every following non-option word.

export interface ArgSpec {
  /** Options that take a value. */
  values?: string[];
  /** Options that may repeat (values collected in order). */
  repeat?: string[];
  /** Boolean flags. */
  flags?: string[];
  /** Options that take all following words up to the next `--option`. */
  lists?: string[];
  /** Options whose value is optional (`--resume` or `--resume CKPT`). */
  optional?: string[];
}

export interface ParsedArgs {
  positional: string[];
  values: Map<string, string>;
  repeated: Map<string, string[]>;
  flags: Set<string>;
  lists: Map<string, string[]>;
}

export class ArgError extends Error {}

export function parseArgs(argv: string[], spec: ArgSpec): ParsedArgs {
  const out: ParsedArgs = { positional: [], values: new Map(), repeated: new Map(), flags: new Set(), lists: new Map() };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--') || a === '--') {
      out.positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    const inline = eq > 0 ? a.slice(eq + 1) : undefined;
    if (spec.flags?.includes(name)) {
      out.flags.add(name);
    } else if (spec.lists?.includes(name)) {
      const list = out.lists.get(name) ?? [];
      if (inline !== undefined) list.push(inline);
      while (i + 1 < argv.length && !argv[i + 1].startsWith('--')) list.push(argv[++i]);
      out.lists.set(name, list);
    } else if (spec.optional?.includes(name)) {
      const v = inline ?? (i + 1 < argv.length && !argv[i + 1].startsWith('--') ? argv[++i] : '');
      out.values.set(name, v);
    } else if (spec.values?.includes(name) || spec.repeat?.includes(name)) {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new ArgError(`option --${name} needs a value`);
      if (spec.repeat?.includes(name)) out.repeated.set(name, [...(out.repeated.get(name) ?? []), v]);
      else out.values.set(name, v);
    } else {
      const known = [...(spec.flags ?? []), ...(spec.values ?? []), ...(spec.repeat ?? []), ...(spec.lists ?? []), ...(spec.optional ?? [])];
      throw new ArgError(`unknown option --${name}${known.length ? ` (known: ${known.map((k) => '--' + k).join(', ')})` : ''}`);
    }
  }
  return out;
}

/** `--scope mmdet=DIR` (repeatable) -> { mmdet: DIR }. */
export function parseScopes(values: string[]): Record<string, string> {
  const scopes: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new ArgError(`--scope expects NAME=DIR, got '${v}'`);
    scopes[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return scopes;
}

// The one argv parser of every yololab command: positionals, `--flag`, `--opt VALUE` and
// `--opt=VALUE`, repeatable options, MMEngine-style `--cfg-options k=v k=v ...` (every following
// word up to the next option), and options whose value is optional (`--resume [CKPT]`).
// A mistake is a UsageError: the command prints it with its usage and exits 2.

export class UsageError extends Error {}

export interface ArgSpec {
  /** Options that take a value. */
  values?: string[];
  /** Options that may repeat (values collected in order). */
  repeat?: string[];
  /** Boolean flags. */
  flags?: string[];
  /** Options that take all following words up to the next `--option`. */
  lists?: string[];
  /**
   * Options whose value is optional. `--resume CKPT` takes the next word only once the command
   * has all its positionals (`positionals`), so `train --resume CONFIG` keeps CONFIG.
   */
  optional?: string[];
  /** How many positionals the command takes at most (for `optional`). */
  positionals?: number;
}

export interface ParsedArgs {
  positional: string[];
  /** Valued and optional-valued options (an optional one given without a value is ''). */
  values: Map<string, string>;
  repeated: Map<string, string[]>;
  flags: Set<string>;
  lists: Map<string, string[]>;
}

export function parseArgs(argv: string[], spec: ArgSpec): ParsedArgs {
  const out: ParsedArgs = {
    positional: [],
    values: new Map(),
    repeated: new Map(),
    flags: new Set(),
    lists: new Map(),
  };
  const isOption = (w: string | undefined) => w !== undefined && w.startsWith('--') && w !== '--';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!isOption(a)) {
      out.positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    const inline = eq > 0 ? a.slice(eq + 1) : undefined;
    if (spec.flags?.includes(name)) {
      if (inline !== undefined) throw new UsageError(`option --${name} takes no value`);
      out.flags.add(name);
    } else if (spec.lists?.includes(name)) {
      const list = out.lists.get(name) ?? [];
      if (inline !== undefined) list.push(inline);
      while (i + 1 < argv.length && !isOption(argv[i + 1])) list.push(argv[++i]);
      out.lists.set(name, list);
    } else if (spec.optional?.includes(name)) {
      const full = out.positional.length >= (spec.positionals ?? 0);
      const v = inline ?? (full && i + 1 < argv.length && !isOption(argv[i + 1]) ? argv[++i] : '');
      out.values.set(name, v);
    } else if (spec.values?.includes(name) || spec.repeat?.includes(name)) {
      const v = inline ?? (isOption(argv[i + 1]) ? undefined : argv[++i]);
      if (v === undefined) throw new UsageError(`option --${name} needs a value`);
      if (spec.repeat?.includes(name)) out.repeated.set(name, [...(out.repeated.get(name) ?? []), v]);
      else out.values.set(name, v);
    } else {
      const known = [
        ...(spec.flags ?? []),
        ...(spec.values ?? []),
        ...(spec.repeat ?? []),
        ...(spec.lists ?? []),
        ...(spec.optional ?? []),
      ];
      throw new UsageError(
        `unknown option --${name}${known.length ? ` (known: ${known.map((k) => '--' + k).join(', ')})` : ''}`,
      );
    }
  }
  return out;
}

/** An integer option (`min` inclusive), or undefined when absent. */
export function intValue(a: ParsedArgs, name: string, min = -Infinity): number | undefined {
  const v = a.values.get(name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v === '' || !Number.isInteger(n) || n < min)
    throw new UsageError(`--${name} must be an integer${min > -Infinity ? ` >= ${min}` : ''}, got '${v}'`);
  return n;
}

/** A number option, or undefined when absent. */
export function numberValue(a: ParsedArgs, name: string): number | undefined {
  const v = a.values.get(name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v === '' || !Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got '${v}'`);
  return n;
}

/** `--scope mmdet=DIR` (repeatable) -> { mmdet: DIR }. */
export function parseScopes(values: string[]): Record<string, string> {
  const scopes: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new UsageError(`--scope expects NAME=DIR, got '${v}'`);
    scopes[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return scopes;
}

// Argument parsing shared by `yololab train`, `test` and `demo`.
export class UsageError extends Error {}

export interface ParsedArgs {
  positional: string[];
  flags: Map<string, string | true>;
  cfgOptions: string[];
}

/** Flags in `valued` take a value; `--resume` takes one only when the next word is not a flag. */
export function parseArgs(argv: string[], valued: string[], boolean: string[], optionalValue: string[] = []): ParsedArgs {
  const out: ParsedArgs = { positional: [], flags: new Map(), cfgOptions: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--cfg-options') {
      while (i + 1 < argv.length && !argv[i + 1].startsWith('--')) out.cfgOptions.push(argv[++i]);
      continue;
    }
    if (a.startsWith('--')) {
      const [name, inline] = a.slice(2).split(/=(.*)/s, 2);
      if (valued.includes(name)) {
        const v = inline ?? argv[++i];
        if (v === undefined) throw new UsageError(`--${name} needs a value`);
        out.flags.set(name, v);
      } else if (optionalValue.includes(name)) {
        if (inline !== undefined) out.flags.set(name, inline);
        else if (i + 1 < argv.length && !argv[i + 1].startsWith('--') && out.positional.length >= 1) out.flags.set(name, argv[++i]);
        else out.flags.set(name, true);
      } else if (boolean.includes(name)) out.flags.set(name, true);
      else throw new UsageError(`unknown option ${a}`);
    } else out.positional.push(a);
  }
  return out;
}

export function intFlag(p: ParsedArgs, name: string): number | undefined {
  const v = p.flags.get(name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v === true || !Number.isInteger(n)) throw new UsageError(`--${name} must be an integer, got '${v}'`);
  return n;
}

export function strFlag(p: ParsedArgs, name: string): string | undefined {
  const v = p.flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

/** One-line message for any error (the data layer's ConfigError carries file:line in `where`). */
export function errorLine(cmd: string, e: unknown): string {
  const err = e as Error & { where?: string };
  const msg = (err?.message ?? String(e)).split('\n').filter(Boolean);
  if (err?.where) return `${err.where}: error: ${msg[0]}`;
  if (/Aborted\(|Cannot enlarge memory|out of memory|Array buffer allocation failed/i.test(msg[0] ?? ''))
    return `yololab ${cmd}: error: out of memory (${msg[0]}); the wasm heap is capped at 4 GB: lower train_dataloader.batch_size or img_scale`;
  if (/^\S+:\d+:\d+: error:/.test(msg[0] ?? '')) return msg.join('\n');
  return `yololab ${cmd}: error: ${msg[0] ?? 'unknown error'}`;
}

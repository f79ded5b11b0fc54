// The "not applied" report: which config keys the trainer does not honour, said once at
// the start of a run. It is driven by what the code reads, not by a list kept by hand: the
// sections handed to the trainer are wrapped in recording proxies, every key the code reads
// (present or absent) counts as honoured, and whatever was never read is reported. Code that
// reads a key but cannot honour its value says so with notApplied(section, key, reason).
//
// Rules: reading `type` alone does not count (finding a hook by type is not running it); a
// dict none of whose keys was read is reported as one line; a few transforms and hooks need
// no settings to do what MMYOLO does and are listed in NEEDS_NO_SETTINGS with the reason.

type Path = (string | number)[];
type Obj = Record<string | number, unknown>;

const LEDGER = new WeakMap<object, { ledger: KeyLedger; path: Path; raw: object }>();
const RAW = new WeakMap<object, object>();

function isDict(v: unknown): v is Obj {
  return (
    !!v &&
    typeof v === 'object' &&
    !Array.isArray(v) &&
    (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null)
  );
}

/** A container whose elements the ledger follows: a dict, or a list holding a dict. */
function isContainer(v: unknown): v is object {
  return isDict(v) || (Array.isArray(v) && v.some((e) => isDict(e) || Array.isArray(e)));
}

const key = (p: Path) => p.join('.');

/** Types whose builders read no keys and still do exactly what MMYOLO does. */
const NEEDS_NO_SETTINGS: Record<string, string> = {
  LoadImageFromFile: 'images are read from disk, decoded as RGB',
  PackDetInputs: 'every meta key is kept',
  IterTimerHook: 'iteration and data times are logged',
  DistSamplerSeedHook: 'one process: the sampler is seeded per epoch',
  RuntimeInfoHook: 'lr and iteration are logged',
  DetVisualizationHook: 'it draws nothing unless draw=True',
};

/** Keys whose value MMYOLO would use in a way that has no effect in this trainer. */
const NO_EFFECT_KEYS: Record<string, string> = {
  persistent_workers: 'loader threads live for the run',
  pin_memory: 'no CUDA host memory here',
  inplace: 'activation in place or not gives the same values',
  backend_args: 'files are read from the local disk',
  _scope_: 'registry scope',
  priority: 'hooks run in MMEngine order',
  num_workers: 'loader threads change the speed only',
  test_mode: 'it only turns filter_cfg off, and filter_cfg is read where it applies',
};

export class KeyLedger {
  private read = new Set<string>();
  private used = new Set<string>(); // dicts marked as taken into account as a whole
  private warned = new Set<string>(); // settings another part has already warned about, where they are
  private notes = new Map<string, string>();

  /** A recording view of `value` (a dict or list of dicts) found at `path` in the config. */
  wrap<T>(value: T, path: Path): T {
    if (!isContainer(value)) return value;
    const raw = (RAW.get(value as object) ?? value) as object;
    const proxy = new Proxy(raw, {
      get: (target, prop, receiver) => {
        const v = Reflect.get(target, prop, receiver);
        if (typeof prop === 'symbol') return v;
        const isArray = Array.isArray(target);
        if (isArray && !/^\d+$/.test(prop)) return v; // length, methods
        if (typeof v === 'function' && !Object.prototype.hasOwnProperty.call(target, prop)) return v; // methods of Object.prototype
        const child = [...path, isArray ? Number(prop) : prop];
        const copying = this.lastDescriptor?.target === target && this.lastDescriptor.prop === prop;
        this.lastDescriptor = undefined;
        // Settings are leaves: reaching a dict or a list of dicts is not using it.
        if (isContainer(v)) return this.wrap(v, child);
        if (prop !== 'type' && !copying) this.read.add(key(child));
        return v;
      },
      // A spread, Object.entries or JSON.stringify asks for a key's descriptor right before
      // reading it: that copies the dict, it does not use the setting, so that read is not counted.
      getOwnPropertyDescriptor: (target, prop) => {
        this.lastDescriptor = { target, prop };
        return Reflect.getOwnPropertyDescriptor(target, prop);
      },
    });
    LEDGER.set(proxy, { ledger: this, path, raw });
    RAW.set(proxy, raw);
    return proxy as T;
  }

  private lastDescriptor?: { target: object; prop: string | symbol };

  markRead(path: Path): void {
    this.read.add(key(path));
  }

  markUsed(path: Path): void {
    this.used.add(key(path));
  }

  markWarned(path: Path): void {
    this.warned.add(key(path));
  }

  note(path: Path, reason: string): void {
    this.notes.set(key(path), reason);
  }

  /** One line per key of cfg[section] for each section that the trainer did not honour. */
  report(cfg: Obj, sections: string[]): string[] {
    const lines: string[] = [];
    const under = (set: Iterable<string>, p: string) => [...set].some((r) => r === p || r.startsWith(p + '.'));
    const readUnder = (p: string) => under(this.read, p) || under(this.notes.keys(), p) || this.used.has(p);
    const visit = (v: unknown, path: Path, top: boolean) => {
      const p = key(path);
      if (this.warned.has(p)) return;
      const note = this.notes.get(p);
      if (note !== undefined) {
        lines.push(`not applied: ${p}=${pyLiteral(v)} (${note})`);
        return;
      }
      if (isDict(v)) {
        const type = typeof v.type === 'string' ? v.type.replace(/^[a-z_]+(\.|::)/, '') : undefined;
        if (
          type &&
          NEEDS_NO_SETTINGS[type] &&
          !Object.keys(v).some(
            (k) => k !== 'type' && !(k in NO_EFFECT_KEYS) && !readUnder(`${p}.${k}`) && k !== 'meta_keys',
          )
        )
          return;
        if (!top && !readUnder(p) && Object.keys(v).length) {
          lines.push(`not applied: ${p}=${pyLiteral(v)}`);
          return;
        }
        for (const [k, child] of Object.entries(v)) {
          // `type` names the dict: reported only when the code said it cannot honour it.
          if (k === 'type')
            this.notes.has(`${p}.type`) &&
              lines.push(`not applied: ${p}.type=${pyLiteral(child)} (${this.notes.get(`${p}.type`)})`);
          else visit(child, [...path, k], false);
        }
        return;
      }
      if (Array.isArray(v) && isContainer(v)) {
        v.forEach((e, i) => visit(e, [...path, i], false));
        return;
      }
      const last = path[path.length - 1];
      if (this.read.has(p) || (typeof last === 'string' && last in NO_EFFECT_KEYS)) return;
      lines.push(`not applied: ${p}=${pyLiteral(v)}`);
    };
    for (const s of sections) if (cfg[s] !== undefined && cfg[s] !== null) visit(cfg[s], [s], true);
    return lines;
  }
}

/** The plain object behind a recording view (for structured cloning, logging). */
export function unwrap<T>(v: T): T {
  return v && typeof v === 'object' ? ((RAW.get(v as object) as T) ?? v) : v;
}

/** A copy without any recording view inside (spreads of a view hold views as values). */
export function unwrapDeep<T>(v: T): T {
  const raw = unwrap(v);
  if (Array.isArray(raw)) return raw.map(unwrapDeep) as T;
  if (isDict(raw)) return Object.fromEntries(Object.entries(raw).map(([k, x]) => [k, unwrapDeep(x)])) as T;
  return raw;
}

/** Says that `section[key]` was read but its value is not honoured, and why. No-op on plain objects. */
export function notApplied(section: object | undefined, k: string | number, reason: string): void {
  const e = section && LEDGER.get(section);
  if (e) e.ledger.note([...e.path, k], reason);
}

/** Marks a dict as taken into account as a whole (a hook that needs no settings of its own). */
export function honour(section: object | undefined): void {
  const e = section && LEDGER.get(section);
  if (e) e.ledger.markUsed(e.path);
}

/** A setting (with everything inside it) that another part has already warned about with its
 * location, such as the data layer's batch_shapes_cfg and mmdet.Albu: not reported again. */
export function alreadyWarned(section: object | undefined): void {
  const e = section && LEDGER.get(section);
  if (e) e.ledger.markWarned(e.path);
}

/** Python-looking text of a config value, for the report. */
export function pyLiteral(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(v);
  if (Array.isArray(v)) return `[${v.map(pyLiteral).join(', ')}]`;
  if (isDict(v))
    return `dict(${Object.entries(v)
      .map(([k, x]) => `${k}=${pyLiteral(x)}`)
      .join(', ')})`;
  return String(v);
}

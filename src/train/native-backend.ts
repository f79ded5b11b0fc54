// Finds a native TensorFlow backend (@tensorflow/tfjs-node-gpu, @tensorflow/tfjs-node) that the
// user installed, and what the GPU one needs from the system. The packaged extension cannot
// carry them (their install downloads libtensorflow), so besides this installation's own
// node_modules the trainer looks where a user would have put one: the `yololab.tfjsNodePath`
// setting (YOLOLAB_TFJS_NODE_PATH), the workspace's node_modules, a global npm install.
// Everything here reads files and resolves paths; nothing is run.
import { existsSync, readFileSync, readdirSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, delimiter, dirname, join } from 'node:path';

export type NativePackage = '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node';

/** What libtensorflow 2.9 (tfjs-node(-gpu) 4.x) was built against (tfjs-node's scripts/deps-constants.js, TensorFlow's tested configurations). */
export const GPU_REQUIREMENTS = { libtensorflow: '2.9.1', cuda: '11.2', cudnn: '8.1' };

export type SearchSource = 'yololab.tfjsNodePath' | 'this installation' | 'workspace' | 'global';

export interface SearchRoot {
  source: SearchSource;
  dir: string;
}

export interface NativeLocation {
  pkg: NativePackage;
  source: SearchSource;
  /** The package folder (…/node_modules/@tensorflow/tfjs-node-gpu). */
  dir: string;
  /** Its entry file, what require() loads. */
  main: string;
  version: string;
}

export interface SearchEnv {
  env: NodeJS.ProcessEnv;
  cwd: string;
  home: string;
  platform: NodeJS.Platform;
  execPath: string;
  /** Where this installation resolves its own packages from. */
  ownDir: string;
}

export function defaultSearchEnv(): SearchEnv {
  return {
    env: process.env,
    cwd: process.cwd(),
    home: homedir(),
    platform: process.platform,
    execPath: process.execPath,
    ownDir: __dirname,
  };
}

/** The `prefix=` of an npmrc file, if it sets one. */
function npmrcPrefix(file: string, home: string): string | undefined {
  try {
    const m = /^\s*prefix\s*=\s*(.+?)\s*$/m.exec(readFileSync(file, 'utf8'));
    return m
      ? m[1]
          .replace(/^["']|["']$/g, '')
          .replace(/^~(?=\/|\\|$)/, home)
          .replace(/\$\{HOME\}/g, home)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Folders whose node_modules a global `npm install -g` fills, without asking npm: the prefix
 * from the environment or ~/.npmrc, the prefix of the node that runs us, nvm's, and the
 * usual system ones. Global modules live in PREFIX/lib/node_modules (PREFIX/node_modules on
 * Windows); NODE_PATH entries are node_modules folders themselves.
 */
export function globalRoots(e: SearchEnv): string[] {
  const win = e.platform === 'win32';
  const prefixes = [
    e.env.npm_config_prefix,
    e.env.NPM_CONFIG_PREFIX,
    npmrcPrefix(join(e.home, '.npmrc'), e.home),
    win ? dirname(e.execPath) : dirname(dirname(e.execPath)),
    e.env.NVM_BIN ? dirname(e.env.NVM_BIN) : undefined,
    ...(win
      ? [e.env.APPDATA ? join(e.env.APPDATA, 'npm') : undefined]
      : [join(e.home, '.npm-global'), '/usr/local', '/usr', '/opt/homebrew']),
  ];
  const roots: string[] = [];
  for (const p of prefixes) if (p) roots.push(win ? p : join(p, 'lib'));
  // A NODE_PATH entry X is searched as X itself: resolving from dirname(X) looks in X when X is a node_modules folder.
  for (const p of (e.env.NODE_PATH ?? '').split(delimiter))
    if (p) roots.push(basename(p) === 'node_modules' ? dirname(p) : p);
  return roots;
}

/** Where to look, in order: the setting, this installation, the workspace, global installs. */
export function searchRoots(e: SearchEnv = defaultSearchEnv()): SearchRoot[] {
  const roots: SearchRoot[] = [];
  const setting = e.env.YOLOLAB_TFJS_NODE_PATH;
  if (setting) roots.push({ source: 'yololab.tfjsNodePath', dir: setting });
  roots.push({ source: 'this installation', dir: e.ownDir });
  roots.push({ source: 'workspace', dir: e.cwd });
  for (const dir of globalRoots(e)) roots.push({ source: 'global', dir });
  return roots;
}

function readPackage(dir: string): { name?: string; version?: string; main?: string } | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  } catch {
    return undefined;
  }
}

function real(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

/**
 * The package folder for `pkg` from one root: the root itself when it is that package (the
 * setting may name it), else what require.resolve finds from there.
 */
function resolveFrom(pkg: NativePackage, root: string): string | undefined {
  if (readPackage(root)?.name === pkg) return root;
  try {
    return dirname(require.resolve(`${pkg}/package.json`, { paths: [root] }));
  } catch {
    return undefined;
  }
}

export interface NativeSearch {
  found?: NativeLocation;
  /** Every root tried, for "not found (looked in …)". */
  looked: SearchRoot[];
}

export function locateNative(pkg: NativePackage, roots: SearchRoot[] = searchRoots()): NativeSearch {
  const looked: SearchRoot[] = [];
  const seen = new Set<string>();
  for (const root of roots) {
    const key = real(root.dir);
    if (seen.has(key)) continue;
    seen.add(key);
    looked.push(root);
    const dir = resolveFrom(pkg, root.dir);
    if (!dir) continue;
    const meta = readPackage(dir) ?? {};
    return {
      found: { pkg, source: root.source, dir, main: join(dir, meta.main ?? 'index.js'), version: meta.version ?? '?' },
      looked,
    };
  }
  return { looked };
}

export function describeLocation(l: NativeLocation): string {
  return `${l.pkg.replace('@tensorflow/', '')} ${l.version} from ${l.dir} (${l.source})`;
}

export function describeNotFound(pkg: NativePackage, s: NativeSearch): string {
  const where = s.looked.map((r) => (r.source === 'global' ? r.dir : `${r.source} ${r.dir}`));
  return `${pkg}: not installed (looked in ${where.join(', ')})`;
}

/** Loads a located package; the reason when it does not load (a missing libtensorflow, a wrong ABI). */
export function requireNative(l: NativeLocation): string | null {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- an optional module, loaded only where installed
    require(l.main);
    return null;
  } catch (e) {
    return `${describeLocation(l)}: does not load (${((e as Error)?.message ?? String(e)).split('\n')[0]})`;
  }
}

/** The compiled addon and libtensorflow inside a package, as its install script leaves them. */
export function nativeFiles(dir: string): { binding?: string; libtensorflow?: string } {
  const out: { binding?: string; libtensorflow?: string } = {};
  const libDir = join(dir, 'lib');
  const candidates: string[] = [];
  try {
    for (const d of readdirSync(libDir)) if (d.startsWith('napi-v')) candidates.push(join(libDir, d));
  } catch {
    /* no lib/ folder: the install script did not finish */
  }
  candidates.push(join(dir, 'deps', 'lib'));
  for (const d of candidates) {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      continue;
    }
    if (!out.binding && names.includes('tfjs_binding.node')) out.binding = join(d, 'tfjs_binding.node');
    const lib = names.find((n) => /^(lib)?tensorflow(\.so|\.dll|\.dylib)/.test(n));
    if (!out.libtensorflow && lib) out.libtensorflow = join(d, lib);
  }
  return out;
}

/** The shared libraries libtensorflow 2.9's GPU build opens at start (TensorFlow's dso_loader names). */
export const CUDA_LIBRARIES: Record<'linux' | 'win32', { lib: string; what: string }[]> = {
  linux: [
    { lib: 'libcuda.so.1', what: 'NVIDIA driver' },
    { lib: 'libcudart.so.11.0', what: 'CUDA 11 runtime' },
    { lib: 'libcublas.so.11', what: 'cuBLAS 11' },
    { lib: 'libcublasLt.so.11', what: 'cuBLASLt 11' },
    { lib: 'libcufft.so.10', what: 'cuFFT 10' },
    { lib: 'libcurand.so.10', what: 'cuRAND 10' },
    { lib: 'libcusolver.so.11', what: 'cuSOLVER 11' },
    { lib: 'libcusparse.so.11', what: 'cuSPARSE 11' },
    { lib: 'libcudnn.so.8', what: 'cuDNN 8' },
  ],
  win32: [
    { lib: 'nvcuda.dll', what: 'NVIDIA driver' },
    { lib: 'cudart64_110.dll', what: 'CUDA 11 runtime' },
    { lib: 'cublas64_11.dll', what: 'cuBLAS 11' },
    { lib: 'cublasLt64_11.dll', what: 'cuBLASLt 11' },
    { lib: 'cufft64_10.dll', what: 'cuFFT 10' },
    { lib: 'curand64_10.dll', what: 'cuRAND 10' },
    { lib: 'cusolver64_11.dll', what: 'cuSOLVER 11' },
    { lib: 'cusparse64_11.dll', what: 'cuSPARSE 11' },
    { lib: 'cudnn64_8.dll', what: 'cuDNN 8' },
  ],
};

/** Library paths listed in the dynamic loader's cache (/etc/ld.so.cache, either format): its strings that are absolute paths. */
export function ldCacheEntries(file = '/etc/ld.so.cache'): Map<string, string> {
  const out = new Map<string, string>();
  let text: string;
  try {
    text = readFileSync(file).toString('latin1');
  } catch {
    return out;
  }
  // Both cache formats keep each entry's key and path as NUL-terminated strings.
  for (const s of text.split('\0')) {
    if (!/^\/[\x21-\x7e]+\.so[\x21-\x7e]*$/.test(s)) continue;
    const name = basename(s);
    if (!out.has(name)) out.set(name, s);
  }
  return out;
}

/** The folders the dynamic loader searches, in its order: LD_LIBRARY_PATH, then ld.so.conf's, then the defaults. */
export function loaderDirs(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string[] {
  if (platform === 'win32') return (env.PATH ?? '').split(delimiter).filter(Boolean);
  const dirs = (env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean);
  const conf = (file: string, depth = 0): void => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return;
    }
    for (const raw of text.split('\n')) {
      const line = raw.replace(/#.*/, '').trim();
      if (!line) continue;
      const inc = /^include\s+(.+)$/.exec(line);
      if (inc && depth < 4) {
        const pattern = inc[1].trim();
        const dir = dirname(pattern);
        const re = new RegExp(
          '^' +
            basename(pattern)
              .replace(/[.+^${}()|[\]\\]/g, '\\$&')
              .replace(/\*/g, '.*') +
            '$',
        );
        try {
          for (const f of readdirSync(dir).sort()) if (re.test(f)) conf(join(dir, f), depth + 1);
        } catch {
          /* an include folder that does not exist */
        }
      } else if (line.startsWith('/')) dirs.push(line);
    }
  };
  conf('/etc/ld.so.conf');
  dirs.push('/lib', '/usr/lib', '/lib64', '/usr/lib64', '/usr/local/cuda/lib64', '/usr/local/cuda-11.2/lib64');
  return [...new Set(dirs)];
}

export interface LibraryCheck {
  lib: string;
  what: string;
  /** Where it was found (resolved through symlinks, so the real version shows), or undefined. */
  path?: string;
}

/** Looks for each library libtensorflow's GPU build needs, where the dynamic loader would. */
export function findCudaLibraries(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): LibraryCheck[] {
  const wanted = CUDA_LIBRARIES[platform === 'win32' ? 'win32' : 'linux'];
  const dirs = loaderDirs(env, platform);
  const cache = platform === 'win32' ? new Map<string, string>() : ldCacheEntries();
  return wanted.map(({ lib, what }) => {
    for (const d of dirs) {
      const p = join(d, lib);
      if (existsSync(p)) return { lib, what, path: real(p) };
    }
    const cached = cache.get(lib);
    return { lib, what, path: cached && existsSync(cached) ? real(cached) : cached };
  });
}

/** The NVIDIA kernel driver's version line, if the driver is loaded (Linux). */
export function nvidiaDriverVersion(file = '/proc/driver/nvidia/version'): string | undefined {
  try {
    const m = /Kernel Module\s+(?:for \S+\s+)?([\d.]+)/.exec(readFileSync(file, 'utf8'));
    return m?.[1];
  } catch {
    return undefined;
  }
}

/**
 * What the run log adds to a native backend's name: where the package came from, and for the
 * GPU package whether TensorFlow found a GPU (it falls back to the CPU when the CUDA libraries
 * do not load, and says so only on stderr).
 */
export function nativeLabel(l: NativeLocation | undefined, backend: unknown): string {
  if (!l) return '';
  const gpu = (backend as { isUsingGpuDevice?: boolean })?.isUsingGpuDevice;
  const noGpu =
    l.pkg === '@tensorflow/tfjs-node-gpu' && gpu === false
      ? '; TensorFlow found no usable GPU and computes on the CPU: run yololab doctor'
      : '';
  return `; ${describeLocation(l)}${noGpu}`;
}

// Checkpoint URLs (MMYOLO's configs name https://download.openmmlab.com/...pth) are fetched
// once into the cache MMEngine and torch hub use, $TORCH_HOME/hub/checkpoints (default
// ~/.cache/torch/hub/checkpoints), so a user's existing downloads are reused. Downloads resume
// (HTTP Range), show progress, and names like `name-1a2b3c4d.pth` are checked against the
// SHA-256 prefix as torch hub's check_hash does.
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { downloadFile } from '../data/download';
import { CheckpointError } from '../checkpoint/errors';

/** torch.hub.get_dir() + '/checkpoints': $TORCH_HOME, else $XDG_CACHE_HOME/torch, else ~/.cache/torch. */
export function torchHubCheckpointDir(env: NodeJS.ProcessEnv = process.env): string {
  const torchHome = env.TORCH_HOME ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'torch');
  return join(torchHome.replace(/^~(?=$|\/)/, homedir()), 'hub', 'checkpoints');
}

/** torch.hub's HASH_REGEX: the hex run after the last '-' before the extension. */
export function hashPrefixOf(fileName: string): string | undefined {
  const m = /-([a-f0-9]*)\./.exec(fileName);
  return m && m[1] ? m[1] : undefined;
}

export interface ResolveOptions {
  log?: (s: string) => void;
  /** file:line of the config key that named it, for errors. */
  where?: string;
  cacheDir?: string;
  timeoutMs?: number;
  /** Draw a progress bar on stderr (default: when stderr is a terminal). */
  tty?: boolean;
}

function progressBar(name: string): (got: number, total: number) => void {
  let last = -1;
  return (got, total) => {
    const pct = Number.isFinite(total) && total > 0 ? Math.floor((got / total) * 100) : -1;
    if (pct === last) return;
    last = pct;
    const bar = pct < 0 ? '' : `[${'#'.repeat(Math.floor(pct / 4)).padEnd(25, '.')}] ${String(pct).padStart(3)}% `;
    process.stderr.write(
      `\r${name} ${bar}${(got / 1e6).toFixed(1)}${Number.isFinite(total) ? `/${(total / 1e6).toFixed(1)}` : ''} MB${pct === 100 ? '\n' : ''}`,
    );
  };
}

/** A local path as it is, or the cached file of an http(s) URL (downloaded when absent). */
export async function resolveCheckpointPath(src: string, opts: ResolveOptions = {}): Promise<string> {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(src)?.[1]?.toLowerCase();
  if (!scheme) return resolve(src);
  if (scheme !== 'http' && scheme !== 'https')
    throw new CheckpointError(
      opts.where ?? src,
      `${src}: only local files and http(s) URLs can be loaded (MMEngine's ${scheme}:// prefixes are not supported)`,
    );
  const name = decodeURIComponent(basename(new URL(src).pathname)) || 'checkpoint.pth';
  const dir = opts.cacheDir ?? torchHubCheckpointDir();
  const dest = join(dir, name);
  if (existsSync(dest)) {
    opts.log?.(`using ${dest} (cached download of ${src})`);
    return dest;
  }
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new CheckpointError(
      dir,
      `cannot create the checkpoint cache folder (${(e as NodeJS.ErrnoException).code}); set TORCH_HOME to a writable folder`,
    );
  }
  opts.log?.(`downloading ${src} to ${dest}`);
  const tty = opts.tty ?? !!process.stderr.isTTY;
  try {
    await downloadFile(
      src,
      dest,
      { sha256Prefix: hashPrefixOf(name) },
      { log: opts.log, timeoutMs: opts.timeoutMs ?? 60000, onProgress: tty ? progressBar(name) : undefined },
    );
  } catch (e) {
    const msg = (e as Error).message.replace(/^\S+: error: /, '');
    throw new CheckpointError(src, `cannot download (${msg}); to work offline, put the file at ${dest}`);
  }
  return dest;
}

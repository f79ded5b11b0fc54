// npm run package (and the .vsix test, and the e2e test): builds dist/ and packages the extension
// with vsce into yololab-VERSION.vsix (or the path given).
//   node scripts/package-vsix.mjs [OUT.vsix] [--no-build]
// vsce walks every file under the folder it packs and matches each against .vscodeignore; in a
// checkout with the e2e toolchain (.vscode-test/, ~27k files) that takes minutes. It packs a staging
// folder instead: a symlink to every top-level entry but .git and .vscode-test (vsce ignores both
// anyway), followed with --follow-symlinks, so the package is the same and the walk is short.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const build = !args.includes('--no-build');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const out = resolve(args.find((a) => !a.startsWith('--')) ?? join(root, `yololab-${version}.vsix`));
const vsce = join(root, 'node_modules/@vscode/vsce/vsce');

function run(cmd, argv, cwd) {
  const r = spawnSync(cmd, argv, { cwd, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) {
    console.error(`package-vsix: ${[cmd, ...argv].join(' ')} failed (${r.status ?? r.signal})`);
    process.exit(1);
  }
}

try {
  statSync(vsce);
} catch {
  console.error('package-vsix: @vscode/vsce is not installed; run `npm install` (it is a devDependency)');
  process.exit(1);
}
if (build) run(process.execPath, [join(root, 'scripts/build.mjs')], root);

const stage = mkdtempSync(join(tmpdir(), 'yololab-vsix-'));
try {
  for (const name of readdirSync(root)) {
    if (name === '.git' || name === '.vscode-test' || name.endsWith('.vsix')) continue;
    symlinkSync(join(root, name), join(stage, name));
  }
  run(
    process.execPath,
    [vsce, 'package', '--allow-missing-repository', '--skip-license', '--follow-symlinks', '--out', out],
    stage,
  );
} finally {
  rmSync(stage, { recursive: true, force: true });
}
console.log(`${out}: ${(statSync(out).size / 1048576).toFixed(1)} MB`);

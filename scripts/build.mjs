// Bundles the CLI, the language server and the extension into dist/ with esbuild.
// A missing entry point fails the build: a bundle silently left out breaks the packaged extension.
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';

const entries = [
  {
    in: 'src/cli/main.ts',
    out: 'cli',
    external: [
      '@tensorflow/tfjs-node',
      '@tensorflow/tfjs-node-gpu',
      '@tensorflow/tfjs-backend-wasm',
      '@tensorflow/tfjs',
      'sharp',
    ],
  },
  // The server reaches src/data only for type names (registry-types.ts); it never decodes images.
  { in: 'server/main.ts', out: 'server', external: ['sharp'] },
  { in: 'client/extension.ts', out: 'extension', external: ['vscode'] },
  { in: 'client/webview/metrics.ts', out: 'webview-metrics', external: [], platform: 'browser' },
  // Loader worker threads (src/data/worker-pool.ts looks for dist/data-worker.js next to dist/cli.js).
  { in: 'src/data/load-worker.ts', out: 'data-worker', external: ['sharp'] },
  // The config engine's raw syntax pass, run beside the evaluation on large configs (src/config/raw-syntax.ts).
  { in: 'src/config/raw-syntax-worker.ts', out: 'config-worker', external: [] },
];

const missing = entries.filter((e) => !existsSync(e.in)).map((e) => e.in);
if (missing.length) {
  console.error(`build: missing entry point${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`);
  process.exit(1);
}

await Promise.all(
  entries.map((e) =>
    build({
      entryPoints: [e.in],
      outfile: `dist/${e.out}.js`,
      bundle: true,
      platform: e.platform ?? 'node',
      target: e.platform === 'browser' ? 'es2020' : 'node20',
      format: e.platform === 'browser' ? 'iife' : 'cjs',
      sourcemap: true,
      external: e.external,
      logLevel: 'warning',
    }),
  ),
);

// The trainer's wasm kernels: src/train/kernels/runtime.ts looks for them next to dist/cli.js.
mkdirSync('dist', { recursive: true });
copyFileSync('src/train/kernels/yololab-kernels.wasm', 'dist/yololab-kernels.wasm');

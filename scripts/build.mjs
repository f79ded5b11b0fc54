// Bundles the CLI, the language server and the extension into dist/ with esbuild.
// Entry points that do not exist yet are skipped, so the build works while parts are being written.
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';

const entries = [
  { in: 'src/cli/main.ts', out: 'cli', external: ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs'] },
  { in: 'server/main.ts', out: 'server', external: [] },
  { in: 'client/extension.ts', out: 'extension', external: ['vscode'] },
  { in: 'client/webview/metrics.ts', out: 'webview-metrics', external: [], platform: 'browser' },
  // Loader worker threads (src/data/worker-pool.ts looks for dist/data-worker.js next to dist/cli.js).
  { in: 'src/data/load-worker.ts', out: 'data-worker', external: [] },
];

await Promise.all(
  entries
    .filter((e) => existsSync(e.in))
    .map((e) =>
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

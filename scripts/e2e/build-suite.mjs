// Bundles the extension-host suite (test/e2e/suite) into .vscode-test/suite/index.js, the file that
// extensionTestsPath points at in both launchers (code-server here, @vscode/test-electron elsewhere).
import { build } from 'esbuild';
await build({
  entryPoints: ['test/e2e/suite/index.ts'],
  outfile: '.vscode-test/suite/index.js',
  bundle: true,
  platform: 'node',
  target: 'node18',
  format: 'cjs',
  external: ['vscode'],
  logLevel: 'warning',
});

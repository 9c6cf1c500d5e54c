# Shared locations and pinned versions of the editor tools (sourced by editors/*/test.sh and install.sh).
# shellcheck shell=bash
FLAKE_LSP_EDITOR_TOOLS=${FLAKE_LSP_EDITOR_TOOLS:-/opt/flake-lsp-editors}
FLAKE_LSP_VENV=${FLAKE_LSP_VENV:-$FLAKE_LSP_EDITOR_TOOLS/venv}
# code-server 4.100.x is the last line that runs on Debian 12's node 20 (VS Code 1.100).
CS_VERSION=${CS_VERSION:-4.100.3}
CODE_SERVER_DIR=${CODE_SERVER_DIR:-$FLAKE_LSP_EDITOR_TOOLS/code-server-$CS_VERSION}
NVIM_WHEEL_VERSION=${NVIM_WHEEL_VERSION:-0.11.4}
SELENIUM_VERSION=${SELENIUM_VERSION:-4.51.0}

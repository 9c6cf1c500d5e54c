#!/usr/bin/env bash
# Runs every test of flake-lsp, in sections:
#   1. the Rust workspace (`cargo test --workspace`: unit, fixture, CLI and LSP end-to-end tests);
#   2. the editor end-to-end tests, `editors/*/test*.sh`, each of which prints `SKIPPED: …` and
#      exits 0 when its editor is not installed (editors/install.sh installs them).
# Exits non-zero when any section fails. Usage: tests/run-all.sh [--rust-only]
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

rust_only=false
[ "${1:-}" = "--rust-only" ] && rust_only=true

passed=()
failed=()
skipped=()

section() { printf '\n======== %s ========\n' "$1"; }

# Runs one section: its name, then the command. Output is shown and also kept, so that a
# section that only skipped can be listed as skipped.
run_section() {
  local name=$1
  shift
  section "$name"
  local log
  log=$(mktemp)
  "$@" 2>&1 | tee "$log"
  local status=${PIPESTATUS[0]}
  if [ "$status" -ne 0 ]; then
    failed+=("$name (exit $status)")
  elif grep -q '^SKIPPED' "$log"; then
    skipped+=("$name: $(grep -m1 '^SKIPPED' "$log")")
  else
    passed+=("$name")
  fi
  rm -f "$log"
}

# ---- 1. Rust workspace ----------------------------------------------------------------------
# --no-fail-fast: one failing crate must not hide the results of the others.
run_section "cargo test --workspace" cargo test --workspace --no-fail-fast

# ---- 2. Editor end-to-end tests -------------------------------------------------------------
# They drive the debug binary; build it once here (a no-op after the tests above).
if ! $rust_only; then
  section "cargo build -p flake-lsp (for the editor tests)"
  if cargo build -p flake-lsp; then
    export FLAKE_LSP="${CARGO_TARGET_DIR:-$PWD/target}/debug/flake-lsp"
    shopt -s nullglob
    editor_tests=(editors/*/test*.sh)
    shopt -u nullglob
    if [ ${#editor_tests[@]} -eq 0 ]; then
      skipped+=("editor tests: none found under editors/*/test*.sh")
    fi
    for script in "${editor_tests[@]}"; do
      run_section "$script" bash "$script"
    done
  else
    failed+=("cargo build -p flake-lsp")
  fi
else
  skipped+=("editor tests: --rust-only")
fi

# ---- Summary --------------------------------------------------------------------------------
section "summary"
for s in "${passed[@]}"; do echo "ok       $s"; done
for s in "${skipped[@]}"; do echo "SKIPPED  $s"; done
for s in "${failed[@]}"; do echo "FAILED   $s"; done
if [ ${#skipped[@]} -gt 0 ]; then
  echo
  echo "!!! ${#skipped[@]} section(s) were SKIPPED (see above): their editors are not installed here."
fi
if [ ${#failed[@]} -gt 0 ]; then
  echo "run-all: ${#failed[@]} section(s) FAILED"
  exit 1
fi
echo "run-all: every section that ran succeeded"

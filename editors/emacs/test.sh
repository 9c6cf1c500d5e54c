#!/usr/bin/env bash
# Emacs + Eglot end-to-end test. Exit 0/1; prints `N passed, N failed`. Skips loudly only when
# Emacs or Eglot is not installed (editors/install.sh installs emacs-nox + elpa-eglot).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. editors/env.sh
EMACS=${EMACS:-$(command -v emacs || true)}
if [ -z "$EMACS" ]; then
  skip_editor emacs "no emacs on PATH"
fi
if ! "$EMACS" -Q --batch --eval '(progn (require (quote package)) (setq package-directory-list (list "/usr/share/emacs/site-lisp/elpa")) (package-initialize) (require (quote eglot)))' 2>/dev/null; then
  skip_editor "emacs eglot" "emacs cannot load eglot (elpa-eglot)"
fi
exec python3 editors/emacs/test/run.py "$EMACS"

#!/usr/bin/env python3
"""Emacs end-to-end test: batch Emacs with Eglot (flake-lsp-eglot.el) against the real flake-lsp on
a copy of examples/seed-flake: diagnostics as Flymake shows them must be the CLI's (code, line),
hover must be the server's. Usage: run.py EMACS; prints `N passed, N failed`."""
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "testlib"))

import plan as planlib  # noqa: E402
import scenario  # noqa: E402
from common import ARTIFACTS, Results, log, make_workspace, server_binary  # noqa: E402


def main():
    emacs = sys.argv[1]
    server = server_binary()
    root = make_workspace(scenario.EXAMPLE, scenario.EXTRA_FILES)
    results = Results("emacs")
    plan = planlib.build_checked(server, root, results)
    if plan is None:
        return results.summary()
    art = os.path.join(ARTIFACTS, "emacs")
    os.makedirs(art, exist_ok=True)
    plan_path, out_path = os.path.join(art, "plan.json"), os.path.join(art, "observed.json")
    planlib.write(plan, plan_path)
    planlib.check_server(plan, results)
    env = {**os.environ, "PLAN": plan_path, "OUT": out_path, "FLAKE_LSP": server,
           "EMACS_LISP_DIR": os.path.dirname(HERE)}
    t0 = time.time()
    try:
        proc = subprocess.run([emacs, "-Q", "--batch", "-l", os.path.join(HERE, "driver.el")], env=env,
                              capture_output=True, text=True, timeout=120, cwd=root)
        log(f"{emacs}: exit {proc.returncode} in {time.time() - t0:.1f} s")
        with open(out_path, encoding="utf-8") as f:
            observed = json.load(f)
    except (OSError, ValueError, subprocess.TimeoutExpired) as err:
        observed = {"ok": False, "error": f"{err}"}
    results.suite = f"emacs ({observed.get('client', emacs)})"
    planlib.compare(plan, observed, results, features=("diagnostics", "hover"), merges_duplicates=True)
    if observed.get("ok"):
        planlib.check_roots(plan, observed, results)
        results.check("eglot-shutdown stops the server", observed.get("server_stopped") is True)
        stderr = observed.get("server_stderr") or ""
        bad = [line for line in stderr.splitlines()
               if any(p in line for p in ("unknown setting", "invalid setting", "settings must be", "panicked"))]
        results.check("the server accepts what Eglot sends as settings (no warnings in its log)",
                      bool(stderr) and not bad, f"{bad[:3]}" if stderr else "no stderr buffer found")
    return results.summary()


if __name__ == "__main__":
    sys.exit(main())

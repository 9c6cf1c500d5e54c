"""Shared pieces of the editor tests: the server binary, the example workspace, the CLI's expected
diagnostics, and pass/fail/skip bookkeeping with the `N passed, N failed` summary line."""
import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ARTIFACTS = os.path.join(ROOT, "tests", "artifacts")


def log(msg):
    """Progress output (stderr, so stdout stays for results)."""
    print(msg, file=sys.stderr, flush=True)


def server_binary():
    """Path of the flake-lsp binary: $FLAKE_LSP, else target/debug/flake-lsp built with cargo."""
    explicit = os.environ.get("FLAKE_LSP")
    if explicit:
        return os.path.abspath(explicit)
    if os.environ.get("FLAKE_LSP_NO_BUILD") != "1":
        subprocess.run(["cargo", "build", "-q", "-p", "flake-lsp"], cwd=ROOT, check=True)
    return os.path.join(ROOT, "target", "debug", "flake-lsp")


def temp_dir(prefix):
    """A fresh temp dir, removed when the test process ends (kept with FLAKE_LSP_KEEP_TMP=1)."""
    path = tempfile.mkdtemp(prefix=prefix)
    if os.environ.get("FLAKE_LSP_KEEP_TMP") != "1":
        atexit.register(shutil.rmtree, path, True)
    return path


def make_workspace(example, extra_files=None, prefix="flake-lsp-editor-"):
    """Copies examples/<example> (or $FLAKE_LSP_TEST_EXAMPLE) into a fresh temp dir (plus extra
    files); returns its path.

    Tests work on a copy so that rename tests and editors never touch the repository."""
    dst = temp_dir(prefix)
    src = os.environ.get("FLAKE_LSP_TEST_EXAMPLE") or os.path.join(ROOT, "examples", example)
    shutil.copytree(src, dst, dirs_exist_ok=True)
    for rel, text in (extra_files or {}).items():
        path = os.path.join(dst, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    return dst


def _first(d, *keys):
    for k in keys:
        if isinstance(d, dict) and k in d and d[k] is not None:
            return d[k]
    return None


def normalize_cli_json(doc, root):
    """Turns `flake-lsp check --format json` output into a sorted list of
    {"file": path relative to root, "line": 0-based, "col": 0-based, "code", "severity", "message"}.

    The CLI's contract is docs/cli.md; this accepts its top-level shape (`{"diagnostics": [...]}`
    or a list, or per-file groups) and ranges given as `range.start.{line,character}` (0-based) or
    `line`/`column` (1-based, as printed for humans)."""
    items = []
    if isinstance(doc, dict):
        if isinstance(doc.get("diagnostics"), list):
            items = doc["diagnostics"]
        elif isinstance(doc.get("files"), list):
            for group in doc["files"]:
                for d in group.get("diagnostics", []):
                    items.append({**d, "file": d.get("file") or group.get("file") or group.get("path")})
    elif isinstance(doc, list):
        items = doc
    out = []
    for d in items:
        path = _first(d, "file", "path", "uri")
        if isinstance(path, str) and path.startswith("file://"):
            from lsp_client import uri_to_path
            path = uri_to_path(path)
        if path is None:
            continue
        path = os.path.relpath(os.path.join(root, path), root)
        rng = d.get("range")
        if isinstance(rng, dict) and isinstance(rng.get("start"), dict) and "line" in rng["start"]:
            start = rng["start"]
            line = start["line"]
            col = _first(start, "character", "column", "col") or 0
            if start.get("one_based") or start.get("oneBased"):
                line, col = line - 1, col - 1
        else:
            start = _first(d, "start") or d
            line = _first(start, "line") - 1
            col = (_first(start, "column", "col") or 1) - 1
        related = []
        for r in d.get("related") or []:
            if isinstance(r.get("file"), str) and isinstance(r.get("line"), int):
                related.append((os.path.relpath(os.path.join(root, r["file"]), root), r["line"] - 1))
        out.append({"file": path, "line": line, "col": col, "code": d.get("code"),
                    "severity": d.get("severity"), "message": d.get("message", ""), "related": sorted(related)})
    out.sort(key=lambda d: (d["file"], d["line"], d["col"], str(d["code"])))
    return out


def cli_expected(binary, root):
    """The diagnostics `flake-lsp check ROOT --format json` reports, normalized."""
    proc = subprocess.run([binary, "check", root, "--format", "json"], capture_output=True, text=True, timeout=120,
                          cwd=root)
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"flake-lsp check exited {proc.returncode}: {proc.stderr.strip()[:500]}")
    return normalize_cli_json(json.loads(proc.stdout), root)


class Results:
    """Collects check outcomes and prints the summary line the CI reads."""

    def __init__(self, suite):
        self.suite = suite
        self.passed = self.failed = self.skipped = 0

    def check(self, name, ok, detail=""):
        """Records one check."""
        if ok:
            self.passed += 1
            print(f"ok   {self.suite}: {name}", flush=True)
        else:
            self.failed += 1
            print(f"FAIL {self.suite}: {name}" + (f"\n     {detail}" if detail else ""), flush=True)
        return ok

    def skip(self, name, reason):
        """Records a check that cannot run yet, loudly, with its reason."""
        self.skipped += 1
        print(f"SKIP {self.suite}: {name} -- {reason}", flush=True)

    def summary(self):
        """Prints `N passed, N failed[, N skipped]`; returns the exit code."""
        line = f"{self.passed} passed, {self.failed} failed"
        if self.skipped:
            line += f", {self.skipped} skipped"
        print(line, flush=True)
        return 1 if self.failed else 0

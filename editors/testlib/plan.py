"""Builds the plan an editor driver executes (which files to open, where to hover, ...) together
with what the editor must show, taken from the server itself: diagnostics from
`flake-lsp check --format json`, and hover/definition/rename/completion from a plain LSP probe.
Then compares the editor's observations with it."""
import json
import os

import scenario
from common import cli_expected, log
from lsp_client import LspClient, LspError, path_to_uri, uri_to_path


def utf16_col_to_index(line_text, col):
    """Index into a Python str of a UTF-16 column."""
    units = 0
    for i, ch in enumerate(line_text):
        if units >= col:
            return i
        units += 2 if ord(ch) > 0xFFFF else 1
    return len(line_text)


def find_position(root, item):
    """(line, utf16 character) of the scenario item's token, or None when the token is absent."""
    path = os.path.join(root, item["file"])
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        text = f.read()
    idx = -1
    for _ in range(item.get("occurrence", 1)):
        idx = text.find(item["token"], idx + 1)
        if idx < 0:
            return None
    idx += item.get("offset", 0)
    line = text.count("\n", 0, idx)
    line_start = text.rfind("\n", 0, idx) + 1
    col = sum(2 if ord(c) > 0xFFFF else 1 for c in text[line_start:idx])
    return line, col


def apply_edits(text, edits):
    """Applies LSP TextEdits (UTF-16 positions) to a text."""
    lines = text.split("\n")

    def offset(pos):
        line = min(pos["line"], len(lines) - 1) if lines else 0
        base = sum(len(l) + 1 for l in lines[:line])
        return base + utf16_col_to_index(lines[line], pos["character"])

    spans = sorted(((offset(e["range"]["start"]), offset(e["range"]["end"]), e["newText"]) for e in edits),
                   reverse=True)
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text


def workspace_edit_files(root, edit):
    """{relative path: new text} after applying a WorkspaceEdit to the files on disk."""
    per_uri = {}
    for uri, edits in (edit.get("changes") or {}).items():
        per_uri.setdefault(uri, []).extend(edits)
    for dc in edit.get("documentChanges") or []:
        if "textDocument" in dc:
            per_uri.setdefault(dc["textDocument"]["uri"], []).extend(dc["edits"])
    out = {}
    for uri, edits in per_uri.items():
        path = uri_to_path(uri)
        with open(path, encoding="utf-8") as f:
            out[os.path.relpath(path, root)] = apply_edits(f.read(), edits)
    return out


def hover_text(result):
    """Plain text of a Hover result (MarkupContent, MarkedString or a list of them)."""
    if not result:
        return ""
    contents = result.get("contents")
    parts = contents if isinstance(contents, list) else [contents]
    texts = []
    for p in parts:
        if isinstance(p, str):
            texts.append(p)
        elif isinstance(p, dict):
            texts.append(p.get("value", ""))
    return "\n".join(texts).strip()


def locations(root, result):
    """[(relative file, line)] of a definition result (Location, Location[] or LocationLink[])."""
    if not result:
        return []
    items = result if isinstance(result, list) else [result]
    out = []
    for loc in items:
        uri = loc.get("uri") or loc.get("targetUri")
        rng = loc.get("targetSelectionRange") or loc.get("range")
        out.append((os.path.relpath(uri_to_path(uri), root), rng["start"]["line"]))
    return sorted(set(out))


def completion_labels(result):
    """Labels of a completion result (list or CompletionList)."""
    if not result:
        return []
    items = result.get("items", []) if isinstance(result, dict) else result
    return sorted({i["label"] for i in items})


def build_checked(binary, root, results):
    """`build`, recording a failure (and returning None) when the server cannot be probed."""
    try:
        return build(binary, root)
    except (LspError, RuntimeError, ValueError) as err:
        results.check("server answers initialize and check --format json", False, str(err))
        return None


def build(binary, root):
    """The plan for the example copied at root; see the module doc."""
    expected = cli_expected(binary, root)
    files = sorted({d["file"] for d in expected})
    # One file per flake: editors must give each the directory of its own flake.nix as root.
    flakes = sorted(os.path.relpath(d, root) for d, _, names in os.walk(root) if "flake.nix" in names)
    root_probe_files = [os.path.normpath(os.path.join(f, "flake.nix")) for f in flakes]
    plan = {"root": root, "server": binary, "files": files, "expected_diagnostics": expected,
            "root_probe_files": root_probe_files,
            "hover": [], "definition": [], "rename": [], "completion": [], "missing": []}
    probe = LspClient([binary], cwd=root)
    try:
        probe.request("initialize", {
            "processId": os.getpid(), "rootUri": path_to_uri(root),
            "workspaceFolders": [{"uri": path_to_uri(root), "name": os.path.basename(root)}],
            "capabilities": {"textDocument": {"hover": {"contentFormat": ["markdown", "plaintext"]},
                                              "rename": {"prepareSupport": True},
                                              "definition": {"linkSupport": True},
                                              "publishDiagnostics": {}},
                             "window": {"workDoneProgress": True},
                             "workspace": {"configuration": True, "workspaceFolders": True,
                                           "workspaceEdit": {"documentChanges": True}}},
        })
        probe.notify("initialized", {})
        # Ask only once the workspace is loaded (first diagnostics published), as the editors do:
        # requests sent during the initial load may be answered with nothing.
        for file in files or ["flake.nix"]:
            probe.open(os.path.join(root, file))
        probe.wait_for(lambda n: any(m == "textDocument/publishDiagnostics" for m, _ in n), 20)
        for kind, items in (("hover", scenario.HOVER), ("definition", scenario.DEFINITION),
                            ("rename", scenario.RENAME), ("completion", scenario.COMPLETION)):
            for item in items:
                pos = find_position(root, item)
                if pos is None:
                    plan["missing"].append({"kind": kind, "id": item["id"],
                                            "reason": f"token {item['token']!r} not found in {item['file']}"})
                    continue
                uri = probe.open(os.path.join(root, item["file"]))
                params = {"textDocument": {"uri": uri}, "position": {"line": pos[0], "character": pos[1]}}
                entry = {**item, "line": pos[0], "character": pos[1]}
                try:
                    if kind == "hover":
                        entry["expected"] = hover_text(probe.request("textDocument/hover", params))
                    elif kind == "definition":
                        entry["expected"] = locations(root, probe.request("textDocument/definition", params))
                    elif kind == "rename":
                        result = probe.request("textDocument/rename", {**params, "newName": item["new_name"]})
                        entry["expected"] = workspace_edit_files(root, result) if result else {}
                    else:
                        entry["expected"] = completion_labels(probe.request("textDocument/completion", params))
                except LspError as err:
                    entry["expected"] = None
                    entry["probe_error"] = str(err)
                plan[kind].append(entry)
    finally:
        probe.shutdown()
    return plan


def _norm(text):
    return " ".join(text.split())


def check_server(plan, results):
    """Checks, once per test run, that the server reports the scenario's required codes at all."""
    for file, code in scenario.REQUIRED_CODES:
        hit = any(d["code"] == code and (file == "*" or d["file"] == file) for d in plan["expected_diagnostics"])
        results.check(f"server reports {code} in {file}", hit,
                      "`flake-lsp check --format json` of the example does not report it")


def check_roots(plan, observed, results):
    """Each flake's files got that flake's directory as the client's root."""
    roots = observed.get("root_dirs") or {}
    for file in plan["root_probe_files"]:
        want = os.path.normpath(os.path.join(plan["root"], os.path.dirname(file)))
        got = roots.get(file)
        results.check(f"root of {file} is its flake's directory", got is not None and os.path.normpath(got) == want,
                      f"root={got}")


def compare(plan, observed, results, features=("diagnostics", "hover", "definition", "rename", "completion"),
            merges_duplicates=False):
    """Checks the editor's observations against the plan, one Results entry per check.

    `merges_duplicates`: the editor shows identical diagnostics (same place, code and message)
    once, as Emacs' Flymake does; the expected list is deduplicated the same way."""
    if not results.check("editor driver ran", observed.get("ok") is True, observed.get("error", "")):
        return
    if "diagnostics" in features:
        got_all = observed.get("diagnostics", {})
        for file in plan["files"]:
            mine = [d for d in plan["expected_diagnostics"] if d["file"] == file]
            if merges_duplicates:
                mine = list({(d["line"], d["col"], d["code"], d["message"]): d for d in mine}.values())
            want = sorted((d["line"], str(d["code"])) for d in mine)
            got = sorted((d["line"], str(d.get("code"))) for d in got_all.get(file, []))
            results.check(f"diagnostics in {file} (code, line) = CLI's {want}", got == want, f"editor shows {got}")
    for miss in plan["missing"]:
        if miss["kind"] in features:
            results.skip(f"{miss['kind']} {miss['id']}", miss["reason"])
    for kind in ("hover", "definition", "rename", "completion"):
        if kind not in features:
            continue
        for item in plan[kind]:
            name = f"{kind} {item['id']} at {item['file']}:{item['line'] + 1}:{item['character'] + 1}"
            expected = item.get("expected")
            got = observed.get(kind, {}).get(item["id"])
            if not expected:
                reason = item.get("probe_error") or "the server answers nothing here yet"
                if item.get("required"):
                    results.check(name, False, f"required, but {reason}")
                else:
                    results.skip(name, reason)
                    if kind == "hover":
                        # Still prove the request round-trips through the editor.
                        results.check(f"{name}: request round-trips (empty answer)",
                                      got is not None, "the editor did not complete the request")
                continue
            if kind == "hover":
                ok = got is not None and _norm(expected) in _norm(got)
                ok = ok and all(s in got for s in item.get("contains", []))
                results.check(f"{name} shows the server's hover", ok, f"server: {expected!r}\n     editor: {got!r}")
            elif kind == "definition":
                got_locs = sorted({(g[0], g[1]) for g in (got or [])})
                want = sorted({(e[0], e[1]) for e in expected})
                ok = got_locs == want and (not item.get("target_file") or
                                           any(f == item["target_file"] for f, _ in want))
                results.check(f"{name} jumps to {want}", ok, f"editor went to {got_locs}")
            elif kind == "rename":
                got_files = got or {}
                bad = [f for f, text in expected.items() if (got_files.get(f) or "").rstrip("\n") != text.rstrip("\n")]
                ok = not bad and len(expected) >= item.get("min_files", 1)
                results.check(f"{name} edits {sorted(expected)} as the server says", ok,
                              f"files differing: {bad}; editor changed {sorted(got_files)}")
            else:
                got_labels = set(got or [])
                ok = set(expected) <= got_labels and set(item.get("expect_labels", [])) <= got_labels
                results.check(f"{name} offers the server's {len(expected)} items", ok,
                              f"missing {sorted(set(expected) - got_labels)[:10]}")


def rebase(plan, root):
    """The plan for another copy of the same example (paths in it are relative, but the root)."""
    return {**plan, "root": root}


def write(plan, path):
    """Writes the plan as JSON for a driver."""
    with open(path, "w", encoding="utf-8") as f:
        json.dump(plan, f, indent=1)
    log(f"plan: {path}")

#!/usr/bin/env python3
"""Helix test without a Helix binary (none is packaged on any registry CI can reach):

1. the languages.toml snippet parses and uses only keys Helix accepts (check_languages_toml.py),
   and the checker itself rejects known-bad snippets;
2. a replay of Helix 25.07.1's session against the real flake-lsp: its exact `initialize` params
   (helix-25.07.1-initialize.json, captured from a real hx; positionEncodings utf-8 first), its
   `config` table as initializationOptions and as the answer to `workspace/configuration`, the
   command from the snippet found on PATH, then didOpen/diagnostics/hover/shutdown as hx does.
   Two launches: with the snippet's `roots` (rootUri = the flake) and without roots outside a git
   repository (rootUri null, workspaceFolders empty): the server must find the flake itself.
The diagnostics must be exactly the CLI's (`flake-lsp check --format json`). Prints `N passed, N failed`."""
import json
import os
import sys
import tomllib

HERE = os.path.dirname(os.path.abspath(__file__))
HELIX_DIR = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(HELIX_DIR, "..", "testlib"))
sys.path.insert(0, HERE)

import plan as planlib  # noqa: E402
import scenario  # noqa: E402
from check_languages_toml import check_doc, check_file  # noqa: E402
from common import Results, make_workspace, server_binary, temp_dir  # noqa: E402
from lsp_client import LspClient, LspError, path_to_uri  # noqa: E402

# Server-to-client requests Helix 25.07 handles (helix-lsp MethodCall::parse); others get MethodNotFound.
HELIX_HANDLES = {"window/workDoneProgress/create", "workspace/applyEdit", "workspace/workspaceFolders",
                 "workspace/configuration", "client/registerCapability", "client/unregisterCapability",
                 "window/showDocument"}

BAD_SNIPPETS = {
    "unknown [[language]] key": '[[language]]\nname = "nix"\nlanguage-server = { command = "flake-lsp" }\n',
    "undefined server": '[[language]]\nname = "nix"\nlanguage-servers = ["flake-lsp"]\n',
    "args not strings": '[language-server.flake-lsp]\ncommand = "flake-lsp"\nargs = [1]\n',
    "unknown feature": '[language-server.x]\ncommand = "x"\n[[language]]\nname = "nix"\n'
                       'language-servers = [{ name = "x", only-features = ["hovering"] }]\n',
}


class HelixLikeClient(LspClient):
    """Answers server requests the way Helix does."""

    def __init__(self, cmd, config, folders, **kw):
        self.helix_config = config
        self.folders = folders
        super().__init__(cmd, **kw)

    def _answer(self, msg):
        method, params = msg["method"], msg.get("params") or {}
        with self.cond:
            self.server_requests.append((method, params))
            self.cond.notify_all()
        if method == "workspace/configuration":
            result = []
            for item in params.get("items", []):
                value = self.helix_config
                for part in (item.get("section") or "").split(".") if item.get("section") else []:
                    value = value.get(part) if isinstance(value, dict) else None
                result.append(value)
            reply = {"result": result}
        elif method == "workspace/workspaceFolders":
            reply = {"result": self.folders}
        elif method in HELIX_HANDLES:
            reply = {"result": None}
        else:
            reply = {"error": {"code": -32601, "message": "Method not found"}}
        self._send({"jsonrpc": "2.0", "id": msg["id"], **reply})


def snippet():
    """The parsed editors/helix/languages.toml."""
    with open(os.path.join(HELIX_DIR, "languages.toml"), "rb") as f:
        return tomllib.load(f)


def replay(plan, server, results, with_roots):
    """One Helix-shaped session; records checks under a label."""
    root = plan["root"]
    label = "with roots" if with_roots else "no roots, rootUri null"
    cfg = snippet()["language-server"]["flake-lsp"]
    config = cfg.get("config")
    with open(os.path.join(HERE, "helix-25.07.1-initialize.json")) as f:
        params = json.load(f)
    cwd = root if with_roots else temp_dir("hx-cwd-")
    folders = [{"name": os.path.basename(root), "uri": path_to_uri(root)}] if with_roots else []
    params.update({"processId": os.getpid(), "rootPath": root if with_roots else cwd,
                   "rootUri": path_to_uri(root) if with_roots else None, "workspaceFolders": folders})
    if config is not None:
        params["initializationOptions"] = config
    # The snippet's command, found on PATH like hx does.
    env = {**os.environ, "PATH": os.path.dirname(server) + os.pathsep + os.environ.get("PATH", "")}
    client = HelixLikeClient([cfg["command"], *cfg.get("args", [])], config, folders, cwd=cwd, env=env)
    try:
        try:
            init = client.request("initialize", params)
        except LspError as err:
            results.check(f"[{label}] initialize with Helix's params", False, str(err))
            return
        encoding = init["capabilities"].get("positionEncoding", "utf-16")
        results.check(f"[{label}] server picks an offered position encoding ({encoding})",
                      encoding in ("utf-8", "utf-32", "utf-16"))
        client.notify("initialized", {})
        if config is not None:
            client.notify("workspace/didChangeConfiguration", {"settings": config})
        uris = {}
        for file in plan["files"]:
            uris[file] = client.open(os.path.join(root, file))
        for file, uri in uris.items():
            want = sorted((d["line"], d["code"]) for d in plan["expected_diagnostics"] if d["file"] == file)
            client.wait_for(lambda n: client.diagnostics(uri) is not None
                            and len(client.diagnostics(uri)) == len(want), 15)
            got = sorted((d["range"]["start"]["line"], d.get("code")) for d in client.diagnostics(uri) or [])
            results.check(f"[{label}] diagnostics in {file} = CLI's {want}", got == want, f"server sent {got}")
        for item in plan["hover"]:
            name = f"[{label}] hover {item['id']} at {item['file']}:{item['line'] + 1}:{item['character'] + 1}"
            if not item.get("expected"):
                results.skip(name, item.get("probe_error") or "the server answers nothing here yet")
                continue
            uri = uris.get(item["file"]) or client.open(os.path.join(root, item["file"]))
            hover = client.request("textDocument/hover", {"textDocument": {"uri": uri},
                                                          "position": {"line": item["line"], "character": item["character"]}})
            text = planlib.hover_text(hover)
            ok = text == item["expected"] and all(c in text for c in item.get("contains", []))
            results.check(f"{name} = the server's hover for a VS Code-like client, mentions {item.get('contains', [])}",
                          ok, f"helix got {text!r}")
        unknown = sorted({m for m, _ in client.server_requests} - HELIX_HANDLES)
        results.check(f"[{label}] server sends only requests Helix handles", not unknown, f"unhandled: {unknown}")
        errors = [p.get("message") for m, p in client.notifications if m == "window/showMessage" and p.get("type") == 1]
        results.check(f"[{label}] no error messages shown", not errors, f"{errors}")
        code = client.shutdown()
        results.check(f"[{label}] shutdown + exit ends the server with status 0", code == 0, f"exit status {code}")
        warnings = [line for line in client.stderr_lines if any(p in line for p in ("unknown setting", "invalid setting", "settings must be", "panicked"))]
        results.check(f"[{label}] the snippet's config is accepted (no settings warnings in the log)", not warnings,
                      f"{warnings}")
    finally:
        if client.proc.poll() is None:
            client.proc.kill()


def main():
    results = Results("helix")
    errs = check_file(os.path.join(HELIX_DIR, "languages.toml"))
    results.check("languages.toml parses and uses only keys Helix accepts", not errs, "; ".join(errs))
    for name, text in BAD_SNIPPETS.items():
        results.check(f"checker rejects a bad snippet ({name})", bool(check_doc(tomllib.loads(text))))
    doc = snippet()
    nix = [lang for lang in doc.get("language", []) if lang.get("name") == "nix"]
    results.check("snippet: nix uses flake-lsp with roots flake.nix/flake.lock",
                  bool(nix) and "flake-lsp" in nix[0].get("language-servers", [])
                  and {"flake.nix", "flake.lock"} <= set(nix[0].get("roots", [])))
    server = server_binary()
    root = make_workspace(scenario.EXAMPLE, scenario.EXTRA_FILES)
    plan = planlib.build_checked(server, root, results)
    if plan is None:
        return results.summary()
    planlib.check_server(plan, results)
    replay(plan, server, results, with_roots=True)
    replay(plan, server, results, with_roots=False)
    return results.summary()


if __name__ == "__main__":
    sys.exit(main())

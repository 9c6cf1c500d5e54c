#!/usr/bin/env python3
"""Offline check of a Helix languages.toml (no hx binary needed): TOML syntax plus the keys and
value types Helix accepts. The key lists are transcribed from Helix's own deserializer,
helix-core/src/syntax/config.rs (`LanguageConfiguration` is `deny_unknown_fields`: one unknown key
makes hx drop the whole user file and fall back to its defaults; `LanguageServerConfiguration`
ignores unknown keys silently). Usage: check_languages_toml.py FILE [FILE...]"""
import sys
import tomllib

LANGUAGE_KEYS = {
    "name", "language-id", "scope", "file-types", "shebangs", "roots", "comment-token", "comment-tokens",
    "block-comment-tokens", "text-width", "soft-wrap", "auto-format", "formatter", "path-completion",
    "word-completion", "diagnostic-severity", "grammar", "injection-regex", "language-servers", "indent",
    "debugger", "auto-pairs", "rulers", "workspace-lsp-roots", "persistent-diagnostic-sources",
    "rainbow-brackets",
}
SERVER_KEYS = {"command", "args", "environment", "config", "timeout", "required-root-patterns"}
FEATURE_ENTRY_KEYS = {"name", "only-features", "except-features"}
FEATURES = {
    "format", "goto-declaration", "goto-definition", "goto-type-definition", "goto-reference",
    "goto-implementation", "signature-help", "hover", "document-highlight", "completion", "code-action",
    "workspace-command", "document-symbols", "workspace-symbols", "diagnostics", "pull-diagnostics",
    "rename-symbol", "inlay-hints", "document-colors",
}
# Servers Helix defines itself (its built-in languages.toml) that a user file may name.
BUILTIN_SERVERS = {"nil", "nixd"}


def is_str_list(v):
    """True for a list of strings."""
    return isinstance(v, list) and all(isinstance(x, str) for x in v)


def check_doc(doc):
    """Problems found in a parsed languages.toml (empty when Helix accepts it)."""
    errs = []
    servers = doc.get("language-server", {})
    if not isinstance(servers, dict):
        return ["`language-server` must be a table of servers"]
    for name, cfg in servers.items():
        where = f"language-server.{name}"
        if not isinstance(cfg, dict):
            errs.append(f"{where}: must be a table")
            continue
        if not isinstance(cfg.get("command"), str):
            errs.append(f"{where}: `command` (a string) is required")
        if "args" in cfg and not is_str_list(cfg["args"]):
            errs.append(f"{where}: `args` must be a list of strings")
        if "environment" in cfg and not (isinstance(cfg["environment"], dict)
                                         and all(isinstance(v, str) for v in cfg["environment"].values())):
            errs.append(f"{where}: `environment` must be a table of strings")
        if "timeout" in cfg and not (isinstance(cfg["timeout"], int) and cfg["timeout"] >= 0):
            errs.append(f"{where}: `timeout` must be a non-negative integer (seconds)")
        if "required-root-patterns" in cfg and not is_str_list(cfg["required-root-patterns"]):
            errs.append(f"{where}: `required-root-patterns` must be a list of globs")
        errs += [f"{where}: unknown key `{k}` (Helix ignores it)" for k in sorted(set(cfg) - SERVER_KEYS)]
    languages = doc.get("language", [])
    if not isinstance(languages, list):
        return errs + ["`language` must be an array of tables ([[language]])"]
    for i, lang in enumerate(languages):
        where = f"language[{i}]"
        errs += [f"{where}: unknown key `{k}` (Helix rejects the whole file)" for k in sorted(set(lang) - LANGUAGE_KEYS)]
        if not isinstance(lang.get("name"), str):
            errs.append(f"{where}: `name` (a string) is required")
        if "roots" in lang and not is_str_list(lang["roots"]):
            errs.append(f"{where}: `roots` must be a list of strings")
        for entry in lang.get("language-servers", []):
            if isinstance(entry, str):
                name = entry
            elif isinstance(entry, dict):
                name = entry.get("name")
                errs += [f"{where}: unknown key `{k}` in a language-servers entry"
                         for k in sorted(set(entry) - FEATURE_ENTRY_KEYS)]
                for key in ("only-features", "except-features"):
                    bad = sorted(set(entry.get(key, [])) - FEATURES)
                    if bad:
                        errs.append(f"{where}: unknown features {bad} in `{key}`")
            else:
                errs.append(f"{where}: language-servers entries are names or tables")
                continue
            if name not in servers and name not in BUILTIN_SERVERS:
                errs.append(f"{where}: language server `{name}` is not defined")
    return errs


def check_file(path):
    """Problems in a languages.toml file, TOML syntax errors included."""
    try:
        with open(path, "rb") as f:
            doc = tomllib.load(f)
    except tomllib.TOMLDecodeError as err:
        return [f"TOML syntax: {err}"]
    return check_doc(doc)


if __name__ == "__main__":
    status = 0
    for p in sys.argv[1:]:
        errs = check_file(p)
        print(f"{p}: " + ("OK" if not errs else "\n  ".join(["errors:"] + errs)))
        status |= bool(errs)
    sys.exit(status)

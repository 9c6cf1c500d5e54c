//! Tests of the real `flake-lsp` binary: exit codes, the three `check` formats, and goldens for
//! `examples/seed-flake` (update with `UPDATE_EXPECT=1` when the analysis changes).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

struct Output {
    code: i32,
    stdout: String,
    stderr: String,
}

fn flake_lsp(cwd: &Path, args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_flake-lsp"))
        .args(args)
        .current_dir(cwd)
        .env_remove("NO_COLOR")
        .output()
        .expect("the flake-lsp binary runs");
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A temporary directory holding `files` (path, bytes).
fn temp_tree(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (rel, bytes) in files {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    dir
}

/// A flake without inputs and its lock: nothing to report.
const CLEAN_FLAKE: &[u8] = b"{\n  outputs = { self }: { };\n}\n";
const CLEAN_LOCK: &[u8] =
    b"{\n  \"nodes\": {\n    \"root\": {}\n  },\n  \"root\": \"root\",\n  \"version\": 7\n}\n";
const BROKEN_NIX: &[u8] =
    b"{ config, pkgs, ... }:\n{\n  environment.systemPackages = [ pkgs.git\n}\n";

fn json(out: &Output) -> Value {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", out.stdout))
}

fn codes(report: &Value) -> Vec<String> {
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn version_and_help() {
    let dir = tempfile::tempdir().unwrap();
    let out = flake_lsp(dir.path(), &["--version"]);
    assert_eq!(out.code, 0);
    assert_eq!(
        out.stdout.trim(),
        format!("flake-lsp {}", env!("CARGO_PKG_VERSION"))
    );
    let out = flake_lsp(dir.path(), &["--help"]);
    assert_eq!(out.code, 0);
    assert!(out.stdout.contains("check"), "{}", out.stdout);
    let out = flake_lsp(dir.path(), &["check", "--help"]);
    assert_eq!(out.code, 0);
    assert!(out.stdout.contains("--format"), "{}", out.stdout);
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(flake_lsp(dir.path(), &["check", "--format", "xml"]).code, 2);
    assert_eq!(
        flake_lsp(dir.path(), &["check", "--color", "sometimes"]).code,
        2
    );
    assert_eq!(flake_lsp(dir.path(), &["frobnicate"]).code, 2);
    let out = flake_lsp(dir.path(), &["check", "does-not-exist"]);
    assert_eq!(out.code, 2);
    assert!(out.stdout.is_empty());
    assert_eq!(
        out.stderr.trim(),
        "flake-lsp: cannot read `does-not-exist`: no such file or directory"
    );
}

#[test]
fn clean_flake_exits_0() {
    let dir = temp_tree(&[
        ("flake.nix", CLEAN_FLAKE),
        ("flake.lock", CLEAN_LOCK),
        ("modules/a.nix", b"{ ... }: { }\n"),
    ]);
    let out = flake_lsp(dir.path(), &["check", "--format", "json"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let report = json(&out);
    assert_eq!(report["version"], 1);
    assert_eq!(report["files_checked"], 3);
    assert_eq!(report["diagnostics"], Value::Array(vec![]));

    let out = flake_lsp(dir.path(), &["check", "--color", "never"]);
    assert_eq!(out.code, 0);
    assert_eq!(out.stdout, "0 errors, 0 warnings in 3 files checked\n");
}

#[test]
fn syntax_error_in_each_format() {
    let dir = temp_tree(&[
        ("flake.nix", CLEAN_FLAKE),
        ("flake.lock", CLEAN_LOCK),
        ("hosts/laptop.nix", BROKEN_NIX),
    ]);

    let out = flake_lsp(dir.path(), &["check", "--format", "json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let report = json(&out);
    assert_eq!(report["files_checked"], 3);
    let first = &report["diagnostics"][0];
    assert_eq!(first["file"], "hosts/laptop.nix");
    assert_eq!(first["severity"], "error");
    assert_eq!(first["code"], "syntax-error");
    for key in ["line", "column", "end_line", "end_column"] {
        assert!(
            first[key].as_u64().is_some_and(|n| n >= 1),
            "{key}: {first}"
        );
    }

    let out = flake_lsp(dir.path(), &["check", "--color", "never"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stdout.starts_with("error[syntax-error]: "),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("--> hosts/laptop.nix:"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .lines()
            .last()
            .unwrap()
            .ends_with(" warnings in 3 files checked"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains('\u{1b}'), "no color when asked not to");

    let colored = flake_lsp(dir.path(), &["check", "--color", "always"]);
    assert!(colored.stdout.contains('\u{1b}'), "color when asked to");
    // Not a terminal: `auto` means no color.
    assert!(!flake_lsp(dir.path(), &["check"]).stdout.contains('\u{1b}'));

    let out = flake_lsp(dir.path(), &["check", "--format", "sarif"]);
    assert_eq!(out.code, 1);
    let log = json(&out);
    validate_sarif(&log);
    let result = &log["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "syntax-error");
    assert_eq!(result["level"], "error");
    assert_eq!(
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "hosts/laptop.nix"
    );
    assert_eq!(
        log["runs"][0]["tool"]["driver"]["rules"][0]["id"],
        "syntax-error"
    );
}

#[test]
fn not_utf8_and_too_large() {
    let dir = temp_tree(&[
        ("flake.nix", CLEAN_FLAKE),
        ("flake.lock", CLEAN_LOCK),
        ("latin1.nix", b"{ name = \"caf\xe9\"; }\n"),
        ("big.nix", &[b' '; 300]),
    ]);
    let out = flake_lsp(
        dir.path(),
        &["check", "--format", "json", "--max-file-size", "200"],
    );
    assert_eq!(out.code, 1);
    let report = json(&out);
    assert_eq!(codes(&report), ["file-too-large", "not-utf8"]);
    assert_eq!(report["diagnostics"][0]["severity"], "warning");
    assert_eq!(report["diagnostics"][1]["file"], "latin1.nix");

    // A warning alone does not fail the run.
    let out = flake_lsp(
        dir.path(),
        &[
            "check",
            "--format",
            "json",
            "--max-file-size",
            "200",
            "big.nix",
        ],
    );
    assert_eq!(out.code, 0);
    assert_eq!(json(&out)["files_checked"], 1);

    let out = flake_lsp(dir.path(), &["check", "--format", "sarif", "latin1.nix"]);
    validate_sarif(&json(&out));
}

#[test]
fn file_and_directory_targets() {
    let dir = temp_tree(&[
        ("flake.nix", CLEAN_FLAKE),
        ("flake.lock", CLEAN_LOCK),
        ("hosts/laptop.nix", BROKEN_NIX),
        ("modules/ok.nix", b"{ ... }: { }\n"),
        ("templates/x/flake.nix", BROKEN_NIX),
    ]);
    // A file: reported alone, relative to its directory.
    let out = flake_lsp(
        dir.path(),
        &["check", "--format", "json", "hosts/laptop.nix"],
    );
    let report = json(&out);
    assert_eq!(report["files_checked"], 1);
    assert_eq!(report["diagnostics"][0]["file"], "laptop.nix");
    // A directory inside a flake: its files, in the context of the flake around it.
    let out = flake_lsp(dir.path(), &["check", "--format", "json", "modules"]);
    assert_eq!(out.code, 0);
    assert_eq!(json(&out)["files_checked"], 1);
    // Several paths: relative to the first; nested flakes are checked as well.
    let out = flake_lsp(
        dir.path(),
        &["check", "--format", "json", "modules", "hosts", "templates"],
    );
    let report = json(&out);
    assert_eq!(report["files_checked"], 3);
    let files: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["file"].as_str().unwrap())
        .collect();
    assert!(
        files.contains(&"../hosts/laptop.nix") && files.contains(&"../templates/x/flake.nix"),
        "{files:?}"
    );
    // Loose files outside any flake are checked too.
    let loose = temp_tree(&[("a.nix", BROKEN_NIX)]);
    let out = flake_lsp(loose.path(), &["check", "--format", "json"]);
    assert_eq!(out.code, 1);
    assert_eq!(json(&out)["files_checked"], 1);
}

#[test]
fn deep_nesting_does_not_crash() {
    let n = 10_000;
    let deep = format!(
        "{{ x = {}1{}; y = {}1{}; z = {}1; }}\n",
        "[ ".repeat(n),
        " ]".repeat(n),
        "(".repeat(n),
        ")".repeat(n),
        "1 + ".repeat(n)
    );
    let dir = temp_tree(&[("deep.nix", deep.as_bytes())]);
    for format in ["json", "human", "sarif"] {
        let out = flake_lsp(
            dir.path(),
            &["check", "--color", "never", "--format", format],
        );
        // Deep but valid code is a warning (the analysis stops there), never an error or a crash.
        assert_eq!(out.code, 0, "exit {}: {}", out.code, out.stderr);
        if format == "json" {
            let report = json(&out);
            assert_eq!(report["files_checked"], 1);
            assert_eq!(report["diagnostics"][0]["code"], "nesting-too-deep");
        }
    }
}

#[test]
fn seed_flake_goldens() {
    let root = workspace_root();
    let human = flake_lsp(&root, &["check", "--color", "never", "examples/seed-flake"]);
    assert!(human.stderr.is_empty(), "{}", human.stderr);
    expect_test::expect_file!["snapshots/seed-flake.human.txt"].assert_eq(&human.stdout);
    let json_out = flake_lsp(&root, &["check", "--format", "json", "examples/seed-flake"]);
    assert_eq!(json_out.code, human.code);
    expect_test::expect_file!["snapshots/seed-flake.json"].assert_eq(&json_out.stdout);
    let sarif = flake_lsp(
        &root,
        &["check", "--format", "sarif", "examples/seed-flake"],
    );
    assert_eq!(sarif.code, human.code);
    validate_sarif(&json(&sarif));
    for code in codes(&json(&json_out)) {
        let doc = root.join(format!("docs/diagnostics/{code}.md"));
        assert!(doc.exists(), "`{code}` has no {}", doc.display());
    }
}

/// Validates a SARIF log against the OASIS SARIF 2.1.0 JSON schema (`tests/data`, the copy
/// shipped by the serde-sarif crate), then checks what the schema leaves optional but flake-lsp
/// promises.
fn validate_sarif(log: &Value) {
    let schema_path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sarif-schema-2.1.0.json");
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler.set_default_draft(boon::Draft::V7);
    compiler
        .add_resource("file:///sarif-schema-2.1.0.json", schema)
        .unwrap();
    let index = compiler
        .compile("file:///sarif-schema-2.1.0.json", &mut schemas)
        .unwrap();
    if let Err(err) = schemas.validate(log, index) {
        panic!("SARIF log does not match the schema:\n{err:#}\n{log:#}");
    }

    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "flake-lsp");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    assert!(
        driver["informationUri"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );
    let rules = driver["rules"].as_array().unwrap();
    for rule in rules {
        let id = rule["id"].as_str().unwrap();
        assert!(
            rule["helpUri"]
                .as_str()
                .unwrap()
                .ends_with(&format!("/docs/diagnostics/{id}.md"))
        );
    }
    assert!(
        run["originalUriBaseIds"]["SRCROOT"]["uri"]
            .as_str()
            .unwrap()
            .starts_with("file:///")
    );
    for result in run["results"].as_array().unwrap() {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        assert!(["error", "warning", "note"].contains(&result["level"].as_str().unwrap()));
        assert!(!result["message"]["text"].as_str().unwrap().is_empty());
        let locations = result["locations"].as_array().unwrap();
        let related = result
            .get("relatedLocations")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        assert_eq!(locations.len(), 1);
        for location in locations.iter().chain(&related) {
            let physical = &location["physicalLocation"];
            assert_eq!(physical["artifactLocation"]["uriBaseId"], "SRCROOT");
            let uri = physical["artifactLocation"]["uri"].as_str().unwrap();
            assert!(!uri.starts_with('/') && !uri.contains(' '), "{uri}");
            let region = &physical["region"];
            for key in ["startLine", "startColumn", "endLine", "endColumn"] {
                assert!(
                    region[key].as_u64().is_some_and(|n| n >= 1),
                    "{key}: {region}"
                );
            }
        }
    }
}

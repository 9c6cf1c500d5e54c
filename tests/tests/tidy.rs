//! Tidy checks: the architecture invariants of docs/architecture.md, enforced as tests.

use std::fs;
use std::path::{Path, PathBuf};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The codes listed in the registry `crates/ide/src/diagnostics/codes.rs`.
fn registered_codes() -> Vec<String> {
    let text = read(&workspace_root().join("crates/ide/src/diagnostics/codes.rs"));
    let list = text
        .split("pub const CODES")
        .nth(1)
        .expect("CODES is defined");
    let list = &list[..list.find("];").expect("CODES ends")];
    list.split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_diagnostic_code_is_documented() {
    let docs = workspace_root().join("docs/diagnostics");
    let codes = registered_codes();
    assert!(codes.len() > 10, "the registry looks empty: {codes:?}");
    for code in &codes {
        let page = docs.join(format!("{code}.md"));
        assert!(
            page.is_file(),
            "diagnostic code `{code}` has no page {}",
            page.display()
        );
        let text = read(&page);
        assert!(
            text.contains(code.as_str()),
            "{} does not name its code",
            page.display()
        );
    }
    for entry in fs::read_dir(&docs)
        .expect("docs/diagnostics exists")
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(code) = name.strip_suffix(".md") {
            assert!(
                codes.iter().any(|c| c == code),
                "{name} documents an unregistered code"
            );
        }
    }
}

#[test]
fn only_the_server_knows_lsp_and_tokio() {
    let crates = workspace_root().join("crates");
    for krate in [
        "base", "syntax", "flake", "modules", "nixpkgs", "ide", "project",
    ] {
        let manifest = read(&crates.join(krate).join("Cargo.toml"));
        for forbidden in [
            "tower-lsp",
            "lsp-types",
            "ls-types",
            "gen-lsp-types",
            "tokio",
        ] {
            assert!(
                !manifest
                    .lines()
                    .any(|l| l.trim_start().starts_with(forbidden)),
                "crate `{krate}` depends on `{forbidden}`; LSP and the async runtime stop at `server`"
            );
        }
    }
}

#[test]
fn only_project_does_file_io() {
    let crates = workspace_root().join("crates");
    for krate in [
        "base", "syntax", "flake", "modules", "nixpkgs", "ide", "server",
    ] {
        let mut files = Vec::new();
        rust_files(&crates.join(krate).join("src"), &mut files);
        for file in files {
            let text = read(&file);
            // Unit tests at the bottom of a file may build temporary trees; the product code may not.
            let product = text.split("#[cfg(test)]").next().unwrap_or("");
            for needle in ["std::fs", "fs::read", "File::open", "read_dir("] {
                assert!(
                    !product.contains(needle),
                    "{} uses `{needle}`; file IO belongs in the `project` crate",
                    file.display()
                );
            }
        }
    }
}

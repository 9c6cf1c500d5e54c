//! The opt-in `unfree.evaluate` backend in the server and in `check`, with a fake `nix` on
//! `PATH`: the static scan applies before `nix` answers, failures are shown once (server) or
//! printed on stderr (CLI), and reloads never run two evaluations at once.
#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use flake_lsp_tests::fixture::TempDir;
use flake_lsp_tests::{Server, TIMEOUT, default_capabilities, file_uri};
use serde_json::{Value, json};

/// A flake whose configuration uses `closedthing` (unfree by its license) and `mystery` (a
/// license the scan cannot read), a nixpkgs-shaped tree holding both, and a directory for the
/// fake `nix`.
fn workspace() -> TempDir {
    TempDir::with_files(&[
        (
            "flake/flake.nix",
            r#"{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
  outputs = { self, nixpkgs, ... }: {
    nixosConfigurations.host = nixpkgs.lib.nixosSystem {
      system = "x86_64-linux";
      modules = [ ./configuration.nix ];
    };
  };
}
"#,
        ),
        (
            "flake/configuration.nix",
            "{ pkgs, ... }: {\n  environment.systemPackages = [ pkgs.closedthing pkgs.mystery ];\n}\n",
        ),
        (
            "nixpkgs/lib/licenses/licenses.nix",
            r#"{ lib }: lib.mapAttrs mkLicense {
  mit = { spdxId = "MIT"; fullName = "MIT License"; };
  unfree = { fullName = "Unfree"; free = false; };
}
"#,
        ),
        (
            "nixpkgs/pkgs/by-name/cl/closedthing/package.nix",
            r#"{ lib, stdenv }: stdenv.mkDerivation { pname = "closedthing"; meta.license = lib.licenses.unfree; }"#,
        ),
        (
            "nixpkgs/pkgs/by-name/my/mystery/package.nix",
            r#"{ lib, stdenv, licenseOf }: stdenv.mkDerivation { pname = "mystery"; meta.license = licenseOf "mystery"; }"#,
        ),
        (
            "nixpkgs/pkgs/top-level/all-packages.nix",
            "{ lib, config }: res: pkgs: super: with pkgs; { }\n",
        ),
        ("nixpkgs/default.nix", "{ ... }: { }\n"),
        ("cache/.keep", ""),
    ])
}

/// Writes the fake `nix` (a shell script) into `bin/` and returns that directory.
fn fake_nix(dir: &TempDir, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.path("bin/nix");
    dir.write("bin/nix", &format!("#!/bin/sh\n{body}\n"));
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    dir.path("bin")
}

/// `PATH` with `bin` first.
fn path_with(bin: &Path) -> String {
    let rest = std::env::var("PATH").unwrap_or_default();
    format!("{}:{rest}", bin.display())
}

/// A fake `nix` that fails the way a real one does.
const FAILING: &str = "echo 'error: fake nix cannot evaluate this' >&2\nexit 1";

/// The settings of these tests (with a `maxFileSize`, to make reloads).
fn settings(dir: &TempDir, max_file_size: u64) -> Value {
    json!({
        "diagnostics": { "debounceMs": 0 },
        "maxFileSize": max_file_size,
        "nixpkgs": { "path": dir.path("nixpkgs").to_string_lossy() },
        "unfree": { "evaluate": true },
    })
}

/// Starts the server on the workspace's flake with `unfree.evaluate` on and opens the
/// configuration; returns the server and the configuration's URI.
fn start(dir: &TempDir, bin: &Path) -> (Server, String) {
    let path = path_with(bin);
    let cache = dir.path("cache");
    let mut server = Server::spawn_with_env(&[
        ("PATH", path.as_str()),
        ("XDG_CACHE_HOME", &cache.to_string_lossy()),
    ]);
    let mut caps = default_capabilities();
    // Settings come with the notification (the pull would answer nothing).
    caps["workspace"]["configuration"] = json!(false);
    server.initialize(json!({
        "processId": null,
        "rootUri": file_uri(&dir.path("flake")),
        "capabilities": caps,
        "initializationOptions": { "flake-lsp": settings(dir, 20_000_000) },
    }));
    let uri = dir.uri("flake/configuration.nix");
    let text = std::fs::read_to_string(dir.path("flake/configuration.nix")).expect("read");
    server.open(&uri, &text);
    (server, uri)
}

/// The packages that `unfree-package` diagnostics name, sorted.
fn unfree(diagnostics: &[Value]) -> Vec<&'static str> {
    let mut found: Vec<&'static str> = ["closedthing", "mystery"]
        .into_iter()
        .filter(|name| {
            diagnostics.iter().any(|d| {
                d["code"] == json!("unfree-package")
                    && d["message"]
                        .as_str()
                        .is_some_and(|m| m.starts_with(&format!("`{name}`")))
            })
        })
        .collect();
    found.sort_unstable();
    found
}

fn is_show_message(msg: &Value, needle: &str) -> bool {
    msg.get("method") == Some(&json!("window/showMessage"))
        && msg["params"]["message"]
            .as_str()
            .is_some_and(|m| m.contains(needle))
}

#[test]
fn a_failing_nix_is_shown_once_and_the_scanned_verdicts_apply() {
    let dir = workspace();
    let bin = fake_nix(&dir, FAILING);
    let (mut server, uri) = start(&dir, &bin);
    let diagnostics = server.wait_diagnostics_where(&uri, Some(1), |d| !unfree(d).is_empty());
    assert_eq!(unfree(&diagnostics), ["closedthing"], "{diagnostics:?}");
    let shown = server.wait_for("the unfree.evaluate warning", |msg| {
        is_show_message(msg, "unfree.evaluate")
    });
    assert_eq!(shown["params"]["type"], json!(2), "a warning: {shown}");
    let message = shown["params"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("fake nix cannot evaluate this"),
        "{message}"
    );
    // The evaluation has ended (its warning came); a request round trip flushes what follows.
    let _ = server.server_text(&uri);
    let warnings = server.received(|msg| is_show_message(msg, "unfree.evaluate"));
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(server.shutdown_exit().success());
}

#[test]
fn the_scanned_index_applies_before_a_slow_nix_answers() {
    let dir = workspace();
    let go = dir.path("go");
    // The fake `nix` answers only once the test lets it (after at most 30 s, a hang guard).
    let bin = fake_nix(
        &dir,
        &format!(
            "i=0\nwhile [ ! -e '{}' ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done\n\
             echo '{{\"mystery\":true}}'",
            go.display()
        ),
    );
    let (mut server, uri) = start(&dir, &bin);
    // The static scan decides `closedthing` while `nix` is still waiting.
    let diagnostics = server.wait_diagnostics_where(&uri, Some(1), |d| !unfree(d).is_empty());
    assert_eq!(unfree(&diagnostics), ["closedthing"], "{diagnostics:?}");
    assert!(!go.exists());
    std::fs::write(&go, "").expect("write");
    // Then `nix` decides `mystery`.
    let diagnostics = server.wait_diagnostics_where(&uri, Some(1), |d| unfree(d).len() == 2);
    assert_eq!(unfree(&diagnostics), ["closedthing", "mystery"]);
    assert!(
        server
            .received(|msg| is_show_message(msg, "unfree.evaluate"))
            .is_empty()
    );
    assert!(server.shutdown_exit().success());
}

/// Waits until `n` package loads ended (their "Indexing nixpkgs packages" progress ended).
fn wait_package_loads(server: &Server, n: usize) {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let tokens: Vec<Value> = server
            .received(|msg| {
                msg.get("method") == Some(&json!("$/progress"))
                    && msg["params"]["value"]["title"] == json!("Indexing nixpkgs packages")
            })
            .into_iter()
            .map(|msg| msg["params"]["token"].clone())
            .collect();
        let ended = server
            .received(|msg| {
                msg.get("method") == Some(&json!("$/progress"))
                    && msg["params"]["value"]["kind"] == json!("end")
                    && tokens.contains(&msg["params"]["token"])
            })
            .len();
        if ended >= n {
            return;
        }
        if Instant::now() > deadline {
            server.fail(&format!("{n} package loads did not end"));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn reloads_during_an_evaluation_never_run_two_nix_at_once() {
    let dir = workspace();
    let go = dir.path("go");
    let runs = dir.path("runs");
    let overlaps = dir.path("overlaps");
    let running = dir.path("running");
    // Each run is logged; a run that starts while another runs is an overlap.
    let bin = fake_nix(
        &dir,
        &format!(
            "echo run >> '{runs}'\n\
             mkdir '{running}' 2>/dev/null || echo overlap >> '{overlaps}'\n\
             i=0\nwhile [ ! -e '{go}' ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done\n\
             rmdir '{running}'\n\
             echo '{{\"mystery\":true}}'",
            runs = runs.display(),
            running = running.display(),
            overlaps = overlaps.display(),
            go = go.display(),
        ),
    );
    let (mut server, uri) = start(&dir, &bin);
    wait_package_loads(&server, 1);
    let deadline = Instant::now() + TIMEOUT;
    while !runs.exists() {
        assert!(Instant::now() < deadline, "nix was never run");
        std::thread::sleep(Duration::from_millis(20));
    }
    // Two reloads while `nix` runs: their scans apply, their evaluations wait.
    for size in [20_000_001, 20_000_002] {
        server.notify(
            "workspace/didChangeConfiguration",
            json!({ "settings": { "flake-lsp": settings(&dir, size) } }),
        );
    }
    wait_package_loads(&server, 3);
    std::fs::write(&go, "").expect("write");
    let diagnostics = server.wait_diagnostics_where(&uri, Some(1), |d| unfree(d).len() == 2);
    assert_eq!(unfree(&diagnostics), ["closedthing", "mystery"]);
    // The newest load found the verdicts of the first run in the cache.
    let runs = std::fs::read_to_string(&runs).unwrap_or_default();
    assert_eq!(runs.lines().count(), 1, "{runs}");
    assert!(!overlaps.exists());
    assert!(server.shutdown_exit().success());
}

#[test]
fn check_prints_evaluation_failures_on_stderr_and_keeps_json_on_stdout() {
    let dir = workspace();
    let bin = fake_nix(&dir, FAILING);
    let output = std::process::Command::new(flake_lsp_tests::binary_path())
        .args([
            "check",
            "--unfree-evaluate",
            "--format",
            "json",
            "--nixpkgs",
        ])
        .arg(dir.path("nixpkgs"))
        .arg(dir.path("flake"))
        .env("PATH", path_with(&bin))
        .env("XDG_CACHE_HOME", dir.path("cache"))
        .output()
        .expect("flake-lsp check runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|err| {
        panic!(
            "stdout is not JSON ({err}):\n{}\nstderr:\n{stderr}",
            String::from_utf8_lossy(&output.stdout)
        )
    });
    assert!(
        stderr.contains("flake-lsp: warning: unfree.evaluate:")
            && stderr.contains("fake nix cannot evaluate this"),
        "{stderr}"
    );
    // The scanned verdict still applies.
    let text = report.to_string();
    assert!(text.contains("`closedthing` has license"), "{text}");
    assert!(!text.contains("`mystery` has license"), "{text}");
    assert_eq!(output.status.code(), Some(1), "{stderr}");
}

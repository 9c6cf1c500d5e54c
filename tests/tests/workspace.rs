//! Workspaces as real clients present them: folders, no folders (Helix), no clientInfo (eglot),
//! file watching by the client or by the server, progress, settings, closing documents.

use std::time::Duration;

use flake_lsp_tests::fixture::TempDir;
use flake_lsp_tests::{Server, default_capabilities, file_uri};
use serde_json::{Value, json};

const FLAKE: &str = r#"{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
  outputs = { self, nixpkgs }: { };
}
"#;

fn flake_dir() -> TempDir {
    TempDir::with_files(&[
        ("flake.nix", FLAKE),
        ("modules/ok.nix", "{ pkgs, ... }: { }\n"),
        ("modules/broken.nix", "{ a = ; }\n"),
    ])
}

fn method_is(msg: &Value, method: &str) -> bool {
    msg.get("method") == Some(&json!(method))
}

#[test]
fn helix_without_root_finds_the_flake_from_the_opened_file() {
    let dir = flake_dir();
    let mut server = Server::spawn();
    let result = server.initialize(json!({
        "processId": std::process::id(),
        "clientInfo": { "name": "helix", "version": "25.07" },
        "rootPath": null,
        "rootUri": null,
        "capabilities": {
            "general": { "positionEncodings": ["utf-8", "utf-32", "utf-16"] },
            "workspace": { "didChangeWatchedFiles": { "dynamicRegistration": true }, "configuration": true },
            "window": { "workDoneProgress": true },
        },
    }));
    assert_eq!(result["capabilities"]["positionEncoding"], json!("utf-8"));
    server.open(&dir.uri("modules/ok.nix"), "{ pkgs, ... }: { }\n");
    // The closed, broken file of the same flake gets its diagnostics: the flake was loaded.
    let diagnostics = server.wait_diagnostics(&dir.uri("modules/broken.nix"), None);
    assert!(!diagnostics.is_empty());
    assert!(server.shutdown_exit().success());
}

#[test]
fn eglot_without_client_info_and_without_dynamic_registration_uses_the_server_watcher() {
    let dir = flake_dir();
    let mut server = Server::spawn();
    server.initialize(json!({
        "processId": null,
        "rootPath": dir.root().to_string_lossy(),
        "rootUri": file_uri(&dir.root()),
        "initializationOptions": {},
        "capabilities": {
            "workspace": { "applyEdit": true, "workspaceFolders": true, "configuration": true },
            "textDocument": { "synchronization": { "dynamicRegistration": false } },
        },
        "workspaceFolders": [{ "uri": file_uri(&dir.root()), "name": "flake" }],
    }));
    let broken = dir.uri("modules/broken.nix");
    assert!(!server.wait_diagnostics(&broken, None).is_empty());
    // No registration request: the client cannot do it.
    assert!(
        server
            .received(|msg| method_is(msg, "client/registerCapability"))
            .is_empty()
    );
    // Fixing the file on disk is seen by the server's own watcher.
    dir.write("modules/broken.nix", "{ a = 1; }\n");
    assert_eq!(server.wait_diagnostics(&broken, None), Vec::<Value>::new());
    assert!(server.shutdown_exit().success());
}

#[test]
fn client_watching_progress_and_disk_changes() {
    let dir = flake_dir();
    let mut server = Server::spawn();
    server.initialize_default(Some(&dir.root()));
    let broken = dir.uri("modules/broken.nix");
    assert!(!server.wait_diagnostics(&broken, None).is_empty());
    let registration = server.wait_for("watcher registration", |msg| {
        method_is(msg, "client/registerCapability")
    });
    let watchers = &registration["params"]["registrations"][0];
    assert_eq!(watchers["method"], json!("workspace/didChangeWatchedFiles"));
    assert_eq!(
        watchers["registerOptions"]["watchers"][0]["globPattern"],
        json!("**/*.nix")
    );
    // Loading reported progress: created, begun, ended.
    server.wait_for("progress create", |msg| {
        method_is(msg, "window/workDoneProgress/create")
    });
    server.wait_for("progress end", |msg| {
        method_is(msg, "$/progress") && msg["params"]["value"]["kind"] == json!("end")
    });

    // The client reports a fix on disk; the closed file is re-read.
    dir.write("modules/broken.nix", "{ a = 1; }\n");
    server.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": broken, "type": 2 }] }),
    );
    assert_eq!(server.wait_diagnostics(&broken, None), Vec::<Value>::new());

    // A new broken file appears.
    dir.write("modules/new.nix", "let in\n");
    let new = dir.uri("modules/new.nix");
    server.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": new, "type": 1 }] }),
    );
    assert!(!server.wait_diagnostics(&new, None).is_empty());

    // It is deleted: its diagnostics are cleared.
    std::fs::remove_file(dir.path("modules/new.nix")).expect("remove");
    server.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": new, "type": 3 }] }),
    );
    assert_eq!(server.wait_diagnostics(&new, None), Vec::<Value>::new());
    assert!(server.shutdown_exit().success());
}

#[test]
fn open_documents_win_over_disk_and_closing_returns_to_disk() {
    let dir = flake_dir();
    let mut server = Server::spawn();
    server.initialize_default(Some(&dir.root()));
    let broken = dir.uri("modules/broken.nix");
    server.open(&broken, "{ a = 2; }\n");
    assert_eq!(
        server.wait_diagnostics(&broken, Some(1)),
        Vec::<Value>::new()
    );
    // A disk change of an open document is ignored.
    server.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": broken, "type": 2 }] }),
    );
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(server.server_text(&broken)["text"], json!("{ a = 2; }\n"));
    // Closing it brings back the (broken) disk content.
    server.close(&broken);
    server.wait_diagnostics_where(&broken, None, |d| !d.is_empty());
    assert_eq!(server.server_text(&broken)["text"], json!("{ a = ; }\n"));
    assert!(server.shutdown_exit().success());
}

#[test]
fn workspace_folders_can_be_added_later() {
    let dir = flake_dir();
    let mut server = Server::spawn();
    server.initialize_default(None);
    server.notify(
        "workspace/didChangeWorkspaceFolders",
        json!({ "event": { "added": [{ "uri": file_uri(&dir.root()), "name": "x" }], "removed": [] } }),
    );
    let broken = dir.uri("modules/broken.nix");
    assert!(!server.wait_diagnostics(&broken, None).is_empty());
    // Removing the folder forgets its files and clears their diagnostics.
    server.notify(
        "workspace/didChangeWorkspaceFolders",
        json!({ "event": { "added": [], "removed": [{ "uri": file_uri(&dir.root()), "name": "x" }] } }),
    );
    assert_eq!(server.wait_diagnostics(&broken, None), Vec::<Value>::new());
    assert!(server.shutdown_exit().success());
}

#[test]
fn settings_from_initialization_options_and_pull() {
    let mut server = Server::spawn();
    *server
        .configuration
        .lock()
        .unwrap_or_else(|e| e.into_inner()) =
        json!({ "logLevel": "debug", "diagnostics": { "debounceMs": 0 } });
    let mut caps = default_capabilities();
    caps["workspace"]["configuration"] = json!(true);
    server.initialize(json!({
        "processId": null,
        "rootUri": null,
        "capabilities": caps,
        "initializationOptions": { "flake-lsp": { "bogusSetting": 1, "maxFileSize": 1000 } },
    }));
    server.wait_for("configuration pull", |msg| {
        method_is(msg, "workspace/configuration")
    });
    // A wrong type is reported to the user, not fatal.
    *server
        .configuration
        .lock()
        .unwrap_or_else(|e| e.into_inner()) = json!({ "logLevel": 5 });
    server.notify(
        "workspace/didChangeConfiguration",
        json!({ "settings": null }),
    );
    let shown = server.wait_for("a warning", |msg| method_is(msg, "window/showMessage"));
    assert!(
        shown["params"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("logLevel"),
        "{shown}"
    );
    assert!(
        server.stderr().contains("bogusSetting"),
        "unknown keys are logged"
    );
    assert!(server.shutdown_exit().success());
}

#[test]
fn a_client_that_never_answers_does_not_stall_loading() {
    let dir = flake_dir();
    let mut server = Server::spawn();
    *server
        .answer_requests
        .lock()
        .unwrap_or_else(|e| e.into_inner()) = false;
    let mut caps = default_capabilities();
    caps["window"]["workDoneProgress"] = json!(false);
    server.initialize(json!({
        "processId": null,
        "rootUri": file_uri(&dir.root()),
        "capabilities": caps,
    }));
    // The configuration pull and the watcher registration go unanswered; the flake still loads.
    let broken = dir.uri("modules/broken.nix");
    assert!(!server.wait_diagnostics(&broken, None).is_empty());
    assert!(server.shutdown_exit().success());
}

#[test]
fn pushed_settings_apply_and_max_file_size_reloads_the_workspace() {
    let dir = flake_dir();
    let mut server = Server::spawn();
    let mut caps = default_capabilities();
    caps["workspace"]["configuration"] = json!(false);
    server.initialize(json!({
        "processId": null,
        "rootUri": file_uri(&dir.root()),
        "capabilities": caps,
        "initializationOptions": { "diagnostics": { "debounceMs": 0 } },
    }));
    let ok = dir.uri("modules/ok.nix");
    server.wait_for("the end of loading", |msg| {
        method_is(msg, "$/progress") && msg["params"]["value"]["kind"] == json!("end")
    });
    // Without pull support, settings come with the notification, under our key.
    server.notify(
        "workspace/didChangeConfiguration",
        json!({ "settings": { "flake-lsp": { "maxFileSize": 10 }, "other-tool": { "x": 1 } } }),
    );
    let diagnostics = server.wait_diagnostics_where(&ok, None, |d| !d.is_empty());
    assert_eq!(
        diagnostics[0]["code"],
        json!("file-too-large"),
        "{diagnostics:?}"
    );
    assert!(server.shutdown_exit().success());
}

#[test]
fn a_nixpkgs_path_setting_that_cannot_be_used_is_shown() {
    let dir = TempDir::with_files(&[("flake.nix", "{ outputs = { self }: { }; }\n")]);
    let mut server = Server::spawn();
    server.initialize(json!({
        "processId": null,
        "rootUri": file_uri(&dir.root()),
        "capabilities": default_capabilities(),
        "initializationOptions": { "flake-lsp": { "nixpkgs": { "path": "/nonexistent/nixpkgs" } } },
    }));
    let shown = server.wait_for("a warning about nixpkgs.path", |msg| {
        method_is(msg, "window/showMessage")
            && msg["params"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("nixpkgs.path"))
    });
    assert!(
        shown["params"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("/nonexistent/nixpkgs"),
        "{shown}"
    );
}

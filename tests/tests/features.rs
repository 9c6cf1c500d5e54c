//! The analysis features over the wire: semantic diagnostics with related locations and
//! documentation links, hover, definition, references, rename and code actions on a real flake.

use flake_lsp_tests::fixture::TempDir;
use flake_lsp_tests::{Server, range};
use serde_json::{Value, json};

const FLAKE: &str = r#"{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
  outputs = { self, nixpkgs, ... }@inputs: {
    nixosConfigurations.host = nixpkgs.lib.nixosSystem {
      system = "x86_64-linux";
      specialArgs = { inherit inputs; hostName = "host"; };
      modules = [ ./modules/net.nix ];
    };
  };
}
"#;

const MODULE: &str = r#"{ config, pkgs, hostName, missingArg, unusedArg, ... }:
{
  networking.hostName = hostName;
  environment.systemPackages = [ missingArg ];
}
"#;

fn position(uri: &str, line: u32, character: u32) -> Value {
    json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": character } })
}

#[test]
fn semantic_features_reach_the_client() {
    let dir = TempDir::with_files(&[("flake.nix", FLAKE), ("modules/net.nix", MODULE)]);
    let mut server = Server::spawn();
    server.initialize_default(Some(&dir.root()));
    let module = dir.uri("modules/net.nix");
    let flake = dir.uri("flake.nix");

    // The closed module's missing argument, with the configuration as related information.
    let diagnostics = server.wait_diagnostics_where(&module, None, |d| !d.is_empty());
    let missing = diagnostics
        .iter()
        .find(|d| d["code"] == json!("missing-module-argument"))
        .unwrap_or_else(|| server.fail(&format!("no missing-module-argument in {diagnostics:?}")));
    assert_eq!(missing["range"], range(0, 26, 0, 36), "{missing}");
    let href = missing["codeDescription"]["href"]
        .as_str()
        .unwrap_or_default();
    assert!(
        href.ends_with("docs/diagnostics/missing-module-argument.md"),
        "{href}"
    );
    let related = &missing["relatedInformation"][0];
    assert_eq!(related["location"]["uri"], json!(flake), "{missing}");

    // A missing argument that is never used is a greyed-out hint.
    let unused = diagnostics
        .iter()
        .find(|d| {
            d["message"]
                .as_str()
                .is_some_and(|m| m.contains("unusedArg"))
        })
        .unwrap_or_else(|| server.fail(&format!("no diagnostic for unusedArg in {diagnostics:?}")));
    assert_eq!(unused["severity"], json!(4), "{unused}");
    assert_eq!(unused["tags"], json!([1]), "{unused}");

    // Open the module: hover and definition of a specialArg.
    server.open(&module, MODULE);
    server.wait_diagnostics(&module, Some(1));
    let hover = server.request("textDocument/hover", position(&module, 2, 27));
    let hover = hover.unwrap_or_else(|e| server.fail(&format!("hover failed: {e}")));
    assert_eq!(hover["contents"]["kind"], json!("markdown"), "{hover}");
    assert!(
        hover["contents"]["value"]
            .as_str()
            .is_some_and(|v| v.contains("hostName")),
        "{hover}"
    );

    let definition = server.request("textDocument/definition", position(&module, 2, 27));
    let definition = definition.unwrap_or_else(|e| server.fail(&format!("definition failed: {e}")));
    let targets: Vec<String> = definition
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|link| link["targetUri"].as_str().map(str::to_owned))
        .collect();
    assert!(!targets.is_empty(), "{definition}");

    let references = server.request(
        "textDocument/references",
        json!({
            "textDocument": { "uri": module },
            "position": { "line": 2, "character": 27 },
            "context": { "includeDeclaration": true },
        }),
    );
    assert!(references.is_ok_and(|r| r.as_array().is_some_and(|a| !a.is_empty())));

    // Rename either offers a range or declines with a message; both are proper replies.
    match server.request("textDocument/prepareRename", position(&module, 2, 27)) {
        Ok(result) => assert!(
            result.is_null() || result.get("start").is_some(),
            "{result}"
        ),
        Err(error) => assert_eq!(error["code"], json!(-32803), "{error}"),
    }
    let actions = server.request(
        "textDocument/codeAction",
        json!({
            "textDocument": { "uri": module },
            "range": range(0, 26, 0, 36),
            "context": { "diagnostics": [missing] },
        }),
    );
    assert!(actions.is_ok_and(|a| a.is_array()));
    assert!(server.shutdown_exit().success());
}

const UNFREE_FLAKE: &str = r#"{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
  inputs.nixpkgs-unstable.url = "github:NixOS/nixpkgs/nixos-unstable";
  outputs = { self, nixpkgs, nixpkgs-unstable, ... }@inputs: {
    nixosConfigurations.host = nixpkgs.lib.nixosSystem rec {
      system = "x86_64-linux";
      specialArgs.pkgs-unstable = nixpkgs-unstable.legacyPackages.${system};
      modules = [ ./configuration.nix ];
    };
  };
}
"#;

const UNFREE_CONFIGURATION: &str = r#"{ pkgs, pkgs-unstable, ... }: {
  nixpkgs.config.allowUnfree = true;
  environment.systemPackages = [
    pkgs.vscode
    pkgs-unstable.vscode
  ];
}
"#;

#[test]
fn quick_fixes_become_code_actions_with_workspace_edits() {
    let dir = TempDir::with_files(&[
        ("flake.nix", UNFREE_FLAKE),
        ("configuration.nix", UNFREE_CONFIGURATION),
    ]);
    let mut server = Server::spawn();
    server.initialize_default(Some(&dir.root()));
    let configuration = dir.uri("configuration.nix");
    server.open(&configuration, UNFREE_CONFIGURATION);
    let diagnostics = server.wait_diagnostics_where(&configuration, Some(1), |d| !d.is_empty());
    let unfree = diagnostics
        .iter()
        .find(|d| d["code"] == json!("unfree-package"))
        .cloned()
        .unwrap_or_else(|| server.fail(&format!("no unfree-package in {diagnostics:?}")));
    let actions = server.request(
        "textDocument/codeAction",
        json!({
            "textDocument": { "uri": configuration },
            "range": unfree["range"],
            "context": { "diagnostics": [unfree] },
        }),
    );
    let actions = actions.unwrap_or_else(|e| server.fail(&format!("codeAction failed: {e}")));
    let actions = actions.as_array().cloned().unwrap_or_default();
    assert!(!actions.is_empty(), "the unfree diagnostic offers fixes");
    for action in &actions {
        assert_eq!(action["kind"], json!("quickfix"), "{action}");
        let changes = action["edit"]["changes"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        assert!(!changes.is_empty(), "{action}");
        for (uri, edits) in changes {
            assert!(uri.starts_with("file://"), "{uri}");
            assert!(edits.as_array().is_some_and(|e| !e.is_empty()), "{action}");
        }
    }
    assert!(server.shutdown_exit().success());
}

#[test]
fn requests_right_after_open_wait_for_the_initial_load() {
    let dir = TempDir::with_files(&[("flake.nix", FLAKE), ("modules/net.nix", MODULE)]);
    let mut server = Server::spawn();
    server.initialize_default(Some(&dir.root()));
    let module = dir.uri("modules/net.nix");
    // No waiting for diagnostics: the hover goes out while the flake may still be loading, and
    // must still be answered from the loaded flake (editors hover as soon as a file opens).
    server.open(&module, MODULE);
    let hover = server.request("textDocument/hover", position(&module, 2, 27));
    let hover = hover.unwrap_or_else(|e| server.fail(&format!("hover failed: {e}")));
    let text = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(text.contains("specialArgs"), "{hover}");
}

//! Module-argument editor features: hover, go to definition, references, rename, completion.

use expect_test::{Expect, expect};
use ide::FileRange;

const FIXTURE: &str = r#"
#- /flake.nix
{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  outputs = { self, nixpkgs, home-manager, ... }@inputs: let
    pkgs-unstable = import inputs.nixpkgs-unstable { system = "x86_64-linux"; };
  in {
    nixosConfigurations.kahless = nixpkgs.lib.nixosSystem {
      specialArgs = { inherit inputs pkgs-unstable; };
      modules = [ home-manager.nixosModules.home-manager ./configuration.nix ];
    };
  };
}
#- /configuration.nix
{ inputs, pkgs-unstable, pkgs, ... }: {
  environment.systemPackages = [ pkgs-unstable.hello pkgs.git ];
  home-manager.extraSpecialArgs = { inherit pkgs-unstable; };
  home-manager.users.roni = import ./home.nix;
}
#- /home.nix
{ pkgs, pkgs-unstable, osConfig, ... }: {
  home.packages = [ pkgs.hello pkgs-unstable.hello ];
}
"#;

fn with_cursor(marker: &str) -> String {
    // Put `$0` before the first occurrence of `marker` after the `#- /path` header it names.
    let (path, text) = marker.split_once(':').expect("path:text");
    let start = FIXTURE.find(&format!("#- {path}\n")).expect("file");
    let at = start + FIXTURE[start..].find(text).expect("text");
    format!("{}$0{}", &FIXTURE[..at], &FIXTURE[at..])
}

fn show(analysis: &ide::Analysis, r: FileRange) -> String {
    test_fixture::render_range(analysis, r.file_id, r.range)
}

fn check_hover(marker: &str, expect: Expect) {
    let (analysis, pos) = test_fixture::analysis_from_fixture(&with_cursor(marker));
    let hover = analysis
        .hover(pos.expect("cursor"))
        .map(|h| h.markdown)
        .unwrap_or_default();
    expect.assert_eq(&hover);
}

#[test]
fn hover_shows_provenance_per_context() {
    check_hover(
        "/home.nix:pkgs-unstable.hello",
        expect![[r#"
            **`pkgs-unstable`** — module argument

            - in `nixosConfigurations.kahless → home-manager.users.roni`: home-manager.extraSpecialArgs (configuration.nix:3) ← argument `pkgs-unstable` (configuration.nix:1) — passed directly: safe anywhere, even in `imports`"#]],
    );
    check_hover(
        "/configuration.nix:pkgs-unstable,",
        expect![[r#"
        **`pkgs-unstable`** — module argument

        - in `nixosConfigurations.kahless`: specialArgs (flake.nix:7) ← `pkgs-unstable` (flake.nix:4) ← `import inputs.nixpkgs-unstable { system = "x86_64-linux"; }` — passed directly: safe anywhere, even in `imports`"#]],
    );
    check_hover(
        "/configuration.nix:pkgs.git",
        expect![[r#"
        **`pkgs`** — module argument

        - in `nixosConfigurations.kahless`: NixOS — from `config._module.args`: fine in option values, infinite recursion in `imports`"#]],
    );
    check_hover(
        "/home.nix:osConfig",
        expect![[r#"
        **`osConfig`** — module argument

        - in `nixosConfigurations.kahless → home-manager.users.roni`: home-manager — passed directly: safe anywhere, even in `imports`"#]],
    );
}

#[test]
fn goto_definition_and_references() {
    let (analysis, pos) =
        test_fixture::analysis_from_fixture(&with_cursor("/home.nix:pkgs-unstable.hello"));
    let pos = pos.expect("cursor");
    let defs: Vec<String> = analysis
        .goto_definition(pos)
        .into_iter()
        .map(|t| show(&analysis, t.focus_range))
        .collect();
    let refs: Vec<String> = analysis
        .references(pos)
        .into_iter()
        .map(|r| show(&analysis, r))
        .collect();
    expect![[r#"
        (
            [
                "/configuration.nix:3:45-3:58",
            ],
            [
                "/configuration.nix:3:45-3:58",
                "/home.nix:1:9-1:22",
                "/home.nix:2:32-2:45",
            ],
        )
    "#]]
    .assert_debug_eq(&(defs, refs));
}

#[test]
fn rename_across_files() {
    let (analysis, pos) =
        test_fixture::analysis_from_fixture(&with_cursor("/configuration.nix:pkgs-unstable,"));
    let change = analysis.rename(pos.expect("cursor"), "unstable");
    let out = match change {
        Ok(change) => change
            .edits
            .iter()
            .map(|(f, edits)| {
                format!(
                    "{}:\n{}",
                    analysis.file_path(*f),
                    test_fixture::apply_edits(&analysis.file_text(*f), edits)
                )
            })
            .collect::<Vec<_>>()
            .join(""),
        Err(e) => e,
    };
    expect![[r#"
        /flake.nix:
        {
          inputs.nixpkgs.url = "github:NixOS/nixpkgs";
          outputs = { self, nixpkgs, home-manager, ... }@inputs: let
            pkgs-unstable = import inputs.nixpkgs-unstable { system = "x86_64-linux"; };
          in {
            nixosConfigurations.kahless = nixpkgs.lib.nixosSystem {
              specialArgs = { unstable = pkgs-unstable; inherit inputs; };
              modules = [ home-manager.nixosModules.home-manager ./configuration.nix ];
            };
          };
        }
        /configuration.nix:
        { inputs, unstable, pkgs, ... }: {
          environment.systemPackages = [ unstable.hello pkgs.git ];
          home-manager.extraSpecialArgs = { pkgs-unstable = unstable; };
          home-manager.users.roni = import ./home.nix;
        }
    "#]]
    .assert_eq(&out);
    let (analysis, pos) = test_fixture::analysis_from_fixture(&with_cursor("/home.nix:pkgs,"));
    expect![[r#"
        Err(
            "`pkgs` is provided by the module system or the framework; it cannot be renamed.",
        )
    "#]]
    .assert_debug_eq(&analysis.rename(pos.expect("cursor"), "p"));
}

#[test]
fn completion_in_pattern() {
    let fixture = FIXTURE.replace("{ pkgs, pkgs-unstable, osConfig, ... }", "{ pkgs, $0 ... }");
    let (analysis, pos) = test_fixture::analysis_from_fixture(&fixture);
    let items: Vec<String> = analysis
        .completions(pos.expect("cursor"))
        .into_iter()
        .map(|c| format!("{} ({})", c.label, c.detail.unwrap_or_default()))
        .collect();
    expect![[r#"
        _class (the module system)
        _prefix (the module system)
        baseModules (home-manager)
        config (the module system)
        darwinConfig (home-manager)
        lib (the module system)
        modulesPath (home-manager)
        name (home-manager)
        nixosConfig (home-manager)
        options (the module system)
        osClass (home-manager)
        osConfig (home-manager)
        pkgs-unstable (home-manager.extraSpecialArgs of `nixosConfigurations.kahless → home-manager.users.roni`)
        pkgsPath (home-manager)
        pkgs_i686 (home-manager)
        specialArgs (the module system)"#]].assert_eq(&items.join("\n"));
}

#[test]
fn references_and_rename_from_the_specialargs_key() {
    let (analysis, pos) =
        test_fixture::analysis_from_fixture(&with_cursor("/flake.nix:pkgs-unstable; }"));
    let pos = pos.expect("cursor");
    let refs: Vec<String> = analysis
        .references(pos)
        .into_iter()
        .map(|r| show(&analysis, r))
        .collect();
    expect![[r#"
        [
            "/flake.nix:7:38-7:51",
            "/configuration.nix:1:11-1:24",
            "/configuration.nix:2:34-2:47",
            "/configuration.nix:3:45-3:58",
        ]
    "#]]
    .assert_debug_eq(&refs);
    let edits: Vec<String> = match analysis.rename(pos, "unstable") {
        Ok(change) => change
            .edits
            .iter()
            .flat_map(|(f, edits)| edits.iter().map(move |e| (f, e)))
            .map(|(f, e)| {
                format!(
                    "{} -> {:?}",
                    show(
                        &analysis,
                        FileRange {
                            file_id: *f,
                            range: e.range
                        }
                    ),
                    e.new_text
                )
            })
            .collect(),
        Err(e) => vec![e],
    };
    expect![[r#"
        [
            "/flake.nix:7:23-7:23 -> \"unstable = pkgs-unstable; \"",
            "/flake.nix:7:37-7:51 -> \"\"",
            "/configuration.nix:1:11-1:24 -> \"unstable\"",
            "/configuration.nix:2:34-2:47 -> \"unstable\"",
            "/configuration.nix:3:37-3:59 -> \"pkgs-unstable = unstable;\"",
        ]
    "#]]
    .assert_debug_eq(&edits);
}

//! Flake inputs used inside modules: `undeclared-input` when a module selects an input its
//! flake does not declare, `unused-input` when the inputs escape only into known modules, and
//! navigation, hover and rename from module uses to the declaration in `flake.nix`.

use expect_test::{Expect, expect};
use test_fixture::{analysis_from_fixture, render_diagnostics};

/// A lock for the inputs `nixpkgs` and `home-manager`, so that no `stale-lock`/`no-lock-file`
/// noise enters the snapshots.
const LOCK: &str = r#"
#- /flake.lock
{ "nodes": {
  "home-manager": { "locked": { "narHash": "sha256-J+PeFKSDV+pHL7ukkfpVzCOO7mBSrrpJ3svwBFABbhI=", "owner": "nix-community", "repo": "home-manager", "rev": "1925c603f17fc89f4c8f6bf6f631a802ad85d784", "type": "github" }, "original": { "owner": "nix-community", "repo": "home-manager", "type": "github" } },
  "nixpkgs": { "locked": { "narHash": "sha256-i3Rc/ENnz62BcrSloeVmAyPicEh4WsrEEYR+INs9TYw=", "owner": "NixOS", "repo": "nixpkgs", "rev": "d25de6654a34d99dceb02e71e6db516b3b545be6", "type": "github" }, "original": { "owner": "NixOS", "repo": "nixpkgs", "type": "github" } },
  "root": { "inputs": { "home-manager": "home-manager", "nixpkgs": "nixpkgs" } } },
  "root": "root", "version": 7 }
"#;

const INPUTS: &str = r#"
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  inputs.home-manager.url = "github:nix-community/home-manager";
"#;

/// `#- /flake.nix` with the two inputs and `outputs = <outputs>`, the lock, then `files`.
fn fixture(outputs: &str, files: &str) -> String {
    format!("#- /flake.nix\n{{{INPUTS}  outputs = {outputs};\n}}\n{LOCK}{files}")
}

fn check(fixture: &str, expect: Expect) {
    let (analysis, _) = analysis_from_fixture(fixture);
    let out: String = render_diagnostics(&analysis)
        .lines()
        .filter(|l| l.contains("input"))
        .map(|l| format!("{l}\n"))
        .collect();
    expect.assert_eq(&out);
}

const SYSTEM: &str = r#"{ self, nixpkgs, home-manager, ... }@inputs: {
    nixosConfigurations.a = nixpkgs.lib.nixosSystem {
      specialArgs = { inherit inputs; };
      modules = [ home-manager.nixosModules.home-manager ./configuration.nix ];
    };
  }"#;

#[test]
fn undeclared_input_in_a_module() {
    check(
        &fixture(
            SYSTEM,
            r#"
#- /configuration.nix
{ inputs, pkgs, ... }: {
  environment.systemPackages = [ inputs.nixpkgs.legacyPackages.x86_64-linux.hello ];
  environment.etc.x.source = inputs.agenix;
  x = inputs.self.rev or null;
  y = inputs.sops or null;
  z = if inputs ? ragenix then inputs.ragenix else null;
  home-manager.extraSpecialArgs = { inherit inputs; };
  home-manager.users.me = import ./home.nix;
}
#- /home.nix
{ inputs, ... }: let inherit (inputs) impermanence; in { imports = [ inputs.nix-index.homeModules.default inputs.home-manager.x impermanence ]; }
"#,
        ),
        expect![[r#"
            /configuration.nix:3:37-3:43 error[undeclared-input] The flake that passes `inputs` here (flake.nix) has no input `agenix`; declare it in its `inputs`.
                fix: Declare input `agenix` in flake.nix
            /home.nix:1:39-1:51 error[undeclared-input] The flake that passes `inputs` here (flake.nix) has no input `impermanence`; declare it in its `inputs`.
                fix: Declare input `impermanence` in flake.nix
            /home.nix:1:77-1:86 error[undeclared-input] The flake that passes `inputs` here (flake.nix) has no input `nix-index`; declare it in its `inputs`.
                fix: Declare input `nix-index` in flake.nix
        "#]],
    );
}

/// Look-alikes: names added on the way, a module that some configuration gives another set,
/// an opaque specialArgs, a module argument named `inputs` that is not the flake's.
#[test]
fn module_inputs_look_alikes() {
    // `inputs // { extra = …; }` adds `extra`.
    check(
        &fixture(
            r#"{ self, nixpkgs, ... }@inputs: {
    nixosConfigurations.a = nixpkgs.lib.nixosSystem {
      specialArgs = { inputs = inputs // { extra = self; }; };
      modules = [ ./configuration.nix ];
    };
  }"#,
            "#- /configuration.nix\n{ inputs, ... }: { x = inputs.extra; y = inputs.nixpkgs; z = inputs.typo; }\n",
        ),
        expect![[r#"
            /configuration.nix:1:69-1:73 error[undeclared-input] The flake that passes `inputs` here (flake.nix) has no input `typo`; declare it in its `inputs`.
                fix: Declare input `typo` in flake.nix
        "#]],
    );
    // A second configuration passes a different set: `inputs.typo` may exist there.
    check(
        &fixture(
            r#"{ self, nixpkgs, ... }@inputs: {
    nixosConfigurations.a = nixpkgs.lib.nixosSystem {
      specialArgs = { inherit inputs; };
      modules = [ ./configuration.nix ];
    };
    nixosConfigurations.b = nixpkgs.lib.nixosSystem {
      specialArgs = { inputs = { typo = 1; }; };
      modules = [ ./configuration.nix ];
    };
  }"#,
            "#- /configuration.nix\n{ inputs, ... }: { x = inputs.typo; }\n",
        ),
        expect![[r#""#]],
    );
    // The specialArgs come from a function we cannot see into.
    check(
        &fixture(
            r#"{ self, nixpkgs, ... }@inputs: {
    nixosConfigurations.a = nixpkgs.lib.nixosSystem {
      specialArgs = builtins.foldl' (a: b: a // b) { } [ { inherit inputs; } ];
      modules = [ ./configuration.nix ];
    };
  }"#,
            "#- /configuration.nix\n{ inputs, ... }: { x = inputs.typo; }\n",
        ),
        expect![[r#""#]],
    );
    // An opaque part of the specialArgs could replace `inputs`.
    check(
        &fixture(
            r#"{ self, nixpkgs, ... }@inputs: let extra = import ./extra.nix; in {
    nixosConfigurations.a = nixpkgs.lib.nixosSystem {
      specialArgs = { inherit inputs; } // extra;
      modules = [ ./configuration.nix ];
    };
  }"#,
            "#- /configuration.nix\n{ inputs, ... }: { x = inputs.typo; }\n",
        ),
        expect![[r#""#]],
    );
    // `inputs` here is a set of the user's own making.
    check(
        &fixture(
            r#"{ self, nixpkgs, ... }: {
    nixosConfigurations.a = nixpkgs.lib.nixosSystem {
      specialArgs = { inputs = { typo = 1; }; };
      modules = [ ./configuration.nix ];
    };
  }"#,
            "#- /configuration.nix\n{ inputs, ... }: { x = inputs.typo; }\n",
        ),
        expect![[r#"
            /flake.nix:3:10-3:22 warning[unused-input] Input `home-manager` is never used: `outputs` does not reference it and no `follows` points to it.
                fix: Remove input `home-manager`
        "#]],
    );
}

/// Values that start with `inputs` but are not the set: a selection, a call.
#[test]
fn values_starting_with_inputs_are_not_the_set() {
    check(
        &fixture(
            r#"{ self, nixpkgs, ... }@inputs: let
    sel = inputs.home-manager;
  in {
    nixosConfigurations.a = nixpkgs.lib.nixosSystem {
      specialArgs = { inputs = inputs.nixpkgs; other = sel; third = builtins.removeAttrs inputs [ "self" ]; };
      modules = [ ./configuration.nix ];
    };
  }"#,
            "#- /configuration.nix\n{ inputs, other, third, ... }: { x = inputs.lib; y = other.nixosModules; z = third.typo; }\n",
        ),
        expect![[r#""#]],
    );
}

/// `outputs` that hands the whole set to one configuration's modules and uses nothing itself.
const ESCAPING: &str = r#"{ self, nixpkgs, ... }@inputs: {
    nixosConfigurations.a = nixpkgs.lib.nixosSystem {
      specialArgs = { inherit inputs; };
      modules = [ ./configuration.nix ];
    };
  }"#;

fn with_module(module: &str) -> String {
    fixture(ESCAPING, &format!("#- /configuration.nix\n{module}\n"))
}

/// The set escapes only into known modules: what they do not select is unused.
#[test]
fn unused_input_seen_through_modules() {
    check(
        &with_module("{ inputs, ... }: { x = inputs.nixpkgs.lib; }"),
        expect![[r#"
            /flake.nix:3:10-3:22 warning[unused-input] Input `home-manager` is never used: `outputs` does not reference it and no `follows` points to it.
                fix: Remove input `home-manager`
        "#]],
    );
    // Used through `inherit (inputs) …`, or by a nested home-manager configuration.
    check(
        &with_module("{ inputs, ... }: { inherit (inputs) home-manager; }"),
        expect![[r#""#]],
    );
    check(
        &fixture(
            ESCAPING,
            r#"
#- /configuration.nix
{ inputs, ... }: {
  home-manager.extraSpecialArgs = { inherit inputs; };
  home-manager.users.me = ./home.nix;
}
#- /home.nix
{ inputs, ... }: { x = inputs.home-manager; }
"#,
        ),
        expect![[r#""#]],
    );
}

/// Every way a module could reach an input unseen keeps `unused-input` silent.
#[test]
fn unused_input_traps_in_modules() {
    for module in [
        // Passed on to a function or a file.
        "{ inputs, ... }: { imports = [ (import ./x.nix inputs) ]; }",
        "{ inputs, lib, ... }: { x = lib.mapAttrs (_: v: v) inputs; }",
        // `inputs.self` reaches `self.inputs`.
        "{ inputs, ... }: { x = inputs.self.inputs.nixpkgs; }",
        // Dynamic selections.
        "{ inputs, ... }: with inputs; { x = 1; }",
        "{ inputs, ... }: let name = \"home-manager\"; in { x = inputs.${name}; }",
        "{ inputs, ... }: { x = builtins.attrValues inputs; }",
        // The whole argument set.
        "args@{ inputs, ... }: { x = args.inputs; }",
    ] {
        let (analysis, _) = analysis_from_fixture(&with_module(module));
        let out = render_diagnostics(&analysis);
        assert!(!out.contains("unused-input"), "{module}:\n{out}");
    }
    // A module we cannot see makes the configuration open.
    check(
        &fixture(
            r#"{ self, nixpkgs, ... }@inputs: {
    nixosConfigurations.a = nixpkgs.lib.nixosSystem {
      specialArgs = { inherit inputs; };
      modules = [ ./configuration.nix (builtins.getFlake "github:o/r").nixosModules.default ];
    };
  }"#,
            "#- /configuration.nix\n{ inputs, ... }: { x = inputs.nixpkgs.lib; }\n",
        ),
        expect![[r#""#]],
    );
    // The set also escapes somewhere else in `outputs`.
    check(
        &fixture(
            r#"{ self, nixpkgs, ... }@inputs: {
    nixosConfigurations.a = nixpkgs.lib.nixosSystem {
      specialArgs = { inherit inputs; };
      modules = [ ./configuration.nix ];
    };
    packages = import ./packages.nix inputs;
  }"#,
            "#- /configuration.nix\n{ inputs, ... }: { x = inputs.nixpkgs.lib; }\n",
        ),
        expect![[r#""#]],
    );
}

/// The flake of [`ESCAPING`] with a module and a nested home-manager module that select inputs;
/// `$0` goes where `marker` (`path:text`) says.
fn nav_fixture(marker: &str) -> String {
    let text = fixture(
        ESCAPING,
        r#"
#- /configuration.nix
{ inputs, ... }: {
  x = inputs.nixpkgs.lib;
  home-manager.extraSpecialArgs = { inherit inputs; };
  home-manager.users.me = ./home.nix;
}
#- /home.nix
{ inputs, ... }: { y = inputs.nixpkgs.legacyPackages; z = inputs.home-manager; }
"#,
    );
    let (path, needle) = marker.split_once(':').expect("path:text");
    let start = text.find(&format!("#- {path}\n")).expect("file");
    let at = start + text[start..].find(needle).expect("text");
    format!("{}$0{}", &text[..at], &text[at..])
}

fn show(analysis: &ide::Analysis, r: ide::FileRange) -> String {
    let text = analysis.file_text(r.file_id);
    format!(
        "{} {:?}",
        test_fixture::render_range(analysis, r.file_id, r.range),
        &text[r.range]
    )
}

#[test]
fn navigation_from_module_uses() {
    let (analysis, pos) = analysis_from_fixture(&nav_fixture("/home.nix:nixpkgs.legacy"));
    let pos = pos.expect("cursor");
    let defs: Vec<String> = analysis
        .goto_definition(pos)
        .into_iter()
        .map(|t| show(&analysis, t.focus_range))
        .collect();
    expect![[r#"
        [
            "/flake.nix:2:10-2:17 \"nixpkgs\"",
        ]
    "#]]
    .assert_debug_eq(&defs);
    let refs: Vec<String> = analysis
        .references(pos)
        .into_iter()
        .map(|r| show(&analysis, r))
        .collect();
    expect![[r#"
        [
            "/flake.nix:2:10-2:17 \"nixpkgs\"",
            "/flake.nix:4:21-4:28 \"nixpkgs\"",
            "/flake.nix:5:29-5:36 \"nixpkgs\"",
            "/configuration.nix:2:14-2:21 \"nixpkgs\"",
            "/home.nix:1:31-1:38 \"nixpkgs\"",
        ]
    "#]]
    .assert_debug_eq(&refs);
    let hover = analysis.hover(pos).map(|h| h.markdown).unwrap_or_default();
    expect![[r#"
        **input `nixpkgs`**

        `github:NixOS/nixpkgs`

        locked at `d25de66`

        store path `/nix/store/5kpc3nfysy4f19ijzdjw4rcncr64cji3-source`"#]]
    .assert_eq(&hover);
}

fn rename_all(marker: &str, new_name: &str) -> String {
    let (analysis, pos) = analysis_from_fixture(&nav_fixture(marker));
    match analysis.rename(pos.expect("cursor"), new_name) {
        Ok(change) => change
            .edits
            .iter()
            .map(|(file, edits)| {
                let path = analysis.file_path(*file);
                let text = test_fixture::apply_edits(&analysis.file_text(*file), edits);
                format!("#- {path}\n{text}")
            })
            .collect(),
        Err(e) => format!("error: {e}"),
    }
}

#[test]
fn rename_updates_module_uses() {
    expect![[r##"
        #- /flake.nix
        {
          inputs.pkgs.url = "github:NixOS/nixpkgs";
          inputs.home-manager.url = "github:nix-community/home-manager";
          outputs = { self, pkgs, ... }@inputs: {
            nixosConfigurations.a = pkgs.lib.nixosSystem {
              specialArgs = { inherit inputs; };
              modules = [ ./configuration.nix ];
            };
          };
        }

        #- /configuration.nix
        { inputs, ... }: {
          x = inputs.pkgs.lib;
          home-manager.extraSpecialArgs = { inherit inputs; };
          home-manager.users.me = ./home.nix;
        }
        #- /home.nix
        { inputs, ... }: { y = inputs.pkgs.legacyPackages; z = inputs.home-manager; }
    "##]]
    .assert_eq(&rename_all("/home.nix:nixpkgs.legacy", "pkgs"));
    expect![[r##"
        #- /flake.nix
        {
          inputs.nixpkgs.url = "github:NixOS/nixpkgs";
          inputs.hm.url = "github:nix-community/home-manager";
          outputs = { self, nixpkgs, ... }@inputs: {
            nixosConfigurations.a = nixpkgs.lib.nixosSystem {
              specialArgs = { inherit inputs; };
              modules = [ ./configuration.nix ];
            };
          };
        }

        #- /home.nix
        { inputs, ... }: { y = inputs.nixpkgs.legacyPackages; z = inputs.hm; }
    "##]]
    .assert_eq(&rename_all("/flake.nix:home-manager.url", "hm"));
    // An `inherit (inputs) x` in a module binds a variable: refused.
    let fixture = fixture(
        ESCAPING,
        "#- /configuration.nix\n{ inputs, ... }: let inherit (inputs) nixpkgs; in { x = nixpkgs.lib; }\n",
    )
    .replace("inputs.nixpkgs.url", "inputs.$0nixpkgs.url");
    let (analysis, pos) = analysis_from_fixture(&fixture);
    expect!["A module names `nixpkgs` in a way that cannot be renamed here (`inherit (inputs) nixpkgs` binds a variable, or the name is quoted); rename it by hand."].assert_eq(&match analysis.rename(pos.expect("cursor"), "np") {
        Ok(_) => "renamed".to_owned(),
        Err(e) => e,
    });
}

/// When the set also goes somewhere unseen, renaming from a module is refused.
#[test]
fn rename_refused_when_a_use_could_be_missed() {
    let outputs = ESCAPING.replace(
        "modules = [ ./configuration.nix ];",
        "modules = [ ./configuration.nix ];\n    };\n    packages = import ./packages.nix inputs;\n    x = {",
    );
    let text = fixture(
        &outputs,
        "#- /configuration.nix\n{ inputs, ... }: { x = inputs.$0nixpkgs.lib; }\n",
    );
    let (analysis, pos) = analysis_from_fixture(&text);
    expect!["The inputs are passed on from `outputs` (e.g. to `specialArgs`), so uses outside flake.nix could not be renamed."].assert_eq(
        &match analysis.rename(pos.expect("cursor"), "np") {
            Ok(_) => "renamed".to_owned(),
            Err(e) => e,
        },
    );
}

/// `_module.args` set by an inline module in flake.nix carries the set too.
#[test]
fn module_args_carry_the_inputs() {
    check(
        &fixture(
            r#"{ self, nixpkgs, ... }@inputs: {
    nixosConfigurations.a = nixpkgs.lib.nixosSystem {
      modules = [ { _module.args = { inherit inputs; }; } ./configuration.nix ];
    };
  }"#,
            "#- /configuration.nix\n{ inputs, ... }: { x = inputs.nixpkgs.lib; y = inputs.typo; }\n",
        ),
        expect![[r#"
            /configuration.nix:1:55-1:59 error[undeclared-input] The flake that passes `inputs` here (flake.nix) has no input `typo`; declare it in its `inputs`.
                fix: Declare input `typo` in flake.nix
        "#]],
    );
}

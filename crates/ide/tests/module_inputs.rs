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
  imports = [ inputs.agenix.nixosModules.default ];
  x = inputs.self.rev or null;
  y = inputs.sops or null;
  z = if inputs ? ragenix then inputs.ragenix else null;
  home-manager.extraSpecialArgs = { inherit inputs; };
  home-manager.users.me = import ./home.nix;
}
#- /home.nix
{ inputs, ... }: { imports = [ inputs.nix-index.homeModules.default inputs.home-manager.x ]; }
"#,
        ),
        expect![[r#"
            /configuration.nix:3:22-3:28 error[undeclared-input] The flake that passes `inputs` here (flake.nix) has no input `agenix`; declare it in its `inputs`.
                fix: Declare input `agenix` in flake.nix
            /home.nix:1:39-1:48 error[undeclared-input] The flake that passes `inputs` here (flake.nix) has no input `nix-index`; declare it in its `inputs`.
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

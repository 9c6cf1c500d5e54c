//! Module-argument diagnostics on flake-shaped fixtures: the spec's cases rewritten as
//! `nixosSystem` / `homeManagerConfiguration` / `evalModules` configurations, and the traps that
//! must stay silent.

use expect_test::{Expect, expect};

fn check(fixture: &str, expect: Expect) {
    let (analysis, _) = test_fixture::analysis_from_fixture(fixture);
    expect.assert_eq(&test_fixture::render_diagnostics(&analysis));
}

const FLAKE_HEAD: &str = r#"
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
  inputs.home-manager.url = "github:nix-community/home-manager";
"#;

fn flake(outputs: &str) -> String {
    format!("#- /flake.nix\n{{{FLAKE_HEAD}  outputs = {outputs};\n}}\n")
}

#[test]
fn specialargs_in_imports_ok() {
    // Case 01: `inputs` from specialArgs may drive `imports`.
    let fixture = flake(
        "{ self, nixpkgs, ... }@inputs: {
    nixosConfigurations.host = nixpkgs.lib.nixosSystem {
      specialArgs = { inherit inputs; };
      modules = [ ./host.nix ];
    };
  }",
    ) + "#- /host.nix\n{ inputs, ... }: { imports = [ inputs.sops-nix.nixosModules.default ]; }\n";
    check(&fixture, expect![""]);
}

#[test]
fn moduleargs_in_imports_recursion() {
    // Case 02: the same with `inputs` from `_module.args`.
    let fixture = flake(
        "{ self, nixpkgs, ... }@inputs: {
    nixosConfigurations.host = nixpkgs.lib.nixosSystem {
      modules = [ { _module.args.inputs = inputs; } ./host.nix ];
    };
  }",
    ) + "#- /host.nix\n{ inputs, ... }: { imports = [ inputs.sops-nix.nixosModules.default ]; }\n";
    check(
        &fixture,
        expect![[r#"
            /host.nix:1:32-1:38 error[module-args-recursion] infinite recursion: `inputs` is used in `imports`, but in `nixosConfigurations.host` it comes from `_module.args` (flake.nix:6) which needs the complete module list. Pass it through specialArgs instead, or import unconditionally and use `lib.mkIf`
                related /flake.nix:6:21-6:40: `inputs` is defined in `_module.args` of `nixosConfigurations.host` here
        "#]],
    );
}

#[test]
fn moduleargs_in_config_ok_and_missing_used() {
    // Cases 03, 04, 05: config-backed in values is fine; missing+unused is a hint; missing+used an error.
    let fixture = flake(
        "{ self, nixpkgs, ... }@inputs: {
    nixosConfigurations.host = nixpkgs.lib.nixosSystem {
      modules = [ { _module.args.greeting = \"hi\"; } ./host.nix ./home.nix ];
    };
  }",
    ) + "#- /host.nix\n{ greeting, pkgs-unstable, ... }: { environment.etc.x.text = greeting; }\n"
        + "#- /home.nix\n{ pkgs-unstable, ... }: { environment.systemPackages = [ pkgs-unstable.hello ]; }\n";
    check(
        &fixture,
        expect![[r#"
            /host.nix:1:13-1:26 hint[missing-module-argument] `pkgs-unstable` is not provided in `nixosConfigurations.host`; it is unused, so nothing fails, but it can be removed
            /home.nix:1:3-1:16 error[missing-module-argument] `pkgs-unstable` is not provided in `nixosConfigurations.host`: no specialArgs and no `_module.args` definition provides it. Pass it through specialArgs
                related /flake.nix:5:32-7:6: `nixosConfigurations.host` is defined here
        "#]],
    );
}

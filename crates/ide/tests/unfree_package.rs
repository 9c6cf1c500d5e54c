//! The `unfree-package` diagnostic on flake-shaped fixtures, with a small fixture license and
//! package table (never the bundled fallback list): every instance kind, each quick fix
//! (applied, then re-analysed), and the look-alikes that must stay silent.

mod unfree_support;

use expect_test::expect;
use test_fixture::{Fixture, render_range};
use unfree_support::{check, check_fix, completions, host, hover};

#[test]
fn legacy_packages_special_arg_case_41() {
    check(
        r#"
#- /flake.nix
{
  outputs = { self, nixpkgs, nixpkgs-unstable, ... }: let
    system = "x86_64-linux";
  in {
    nixosConfigurations.host = nixpkgs.lib.nixosSystem {
      specialArgs = { pkgs-unstable = nixpkgs-unstable.legacyPackages.${system}; };
      modules = [ ./configuration.nix ];
    };
  };
}
#- /configuration.nix
{ pkgs, pkgs-unstable, ... }:
{
  nixpkgs.config.allowUnfree = true;
  environment.systemPackages = [
    pkgs.vscode
    pkgs-unstable.hello
    pkgs-unstable.vscode
    pkgs-unstable.linux-firmware
  ];
  programs.foo.description = pkgs-unstable.vscode.meta.description;
  programs.bar.version = pkgs-unstable.vscode.version;
}
"#,
        expect![[r#"
            /configuration.nix:7:5-7:25 error[unfree-package] `vscode` has license ‘unfree’ and would be refused: in nixosConfigurations.host, `pkgs-unstable` is `legacyPackages` of `nixpkgs-unstable` (flake.nix), which always uses the default config and never allows unfree packages. Allow it in that instance's config (`allowUnfree` or `allowUnfreePredicate`).
                related /flake.nix:6:39-6:80: the nixpkgs instance is made here
                fix: Import `nixpkgs-unstable` with `config.allowUnfree = true` instead of `legacyPackages`
                fix: Take `vscode` from `pkgs`, which allows it
        "#]],
    );
}

#[test]
fn legacy_packages_fix_is_the_seeds_answer() {
    check_fix(
        r#"
#- /flake.nix
{
  outputs = { self, nixpkgs, nixpkgs-unstable, ... }: let
    system = "x86_64-linux";
  in {
    nixosConfigurations.host = nixpkgs.lib.nixosSystem {
      specialArgs = { pkgs-unstable = nixpkgs-unstable.legacyPackages.${system}; };
      modules = [ ./configuration.nix ];
    };
  };
}
#- /configuration.nix
{ pkgs-unstable, ... }: { environment.systemPackages = [ pkgs-unstable.spotify ]; }
"#,
        0,
        expect![[r#"
            fix: Import `nixpkgs-unstable` with `config.allowUnfree = true` instead of `legacyPackages`
            --- /flake.nix
            {
              outputs = { self, nixpkgs, nixpkgs-unstable, ... }: let
                system = "x86_64-linux";
              in {
                nixosConfigurations.host = nixpkgs.lib.nixosSystem {
                  specialArgs = { pkgs-unstable = import nixpkgs-unstable { inherit system; config.allowUnfree = true; }; };
                  modules = [ ./configuration.nix ];
                };
              };
            }
            --- after
        "#]],
    );
}

#[test]
fn import_with_config_case_42_is_clean() {
    check(
        r#"
#- /flake.nix
{
  outputs = { self, nixpkgs, nixpkgs-unstable, ... }: let
    system = "x86_64-linux";
    pkgs-unstable = import nixpkgs-unstable { inherit system; config.allowUnfree = true; };
  in {
    nixosConfigurations.host = nixpkgs.lib.nixosSystem {
      specialArgs = { inherit pkgs-unstable nixpkgs-unstable; };
      modules = [ ./configuration.nix ];
    };
  };
}
#- /configuration.nix
{ config, lib, pkgs-unstable, nixpkgs-unstable, ... }:
let
  pkgs-unstable2 = import nixpkgs-unstable { inherit lib; config = config.nixpkgs.config; };
in
{
  nixpkgs.config.allowUnfreePredicate = pkg: builtins.elem (lib.getName pkg) [ "steam" ];
  environment.systemPackages = [ pkgs-unstable.vscode pkgs-unstable2.steam ];
}
"#,
        expect![""],
    );
}

#[test]
fn import_without_config_and_its_fix() {
    let fixture = r#"
#- /flake.nix
{
  outputs = { self, nixpkgs, nixpkgs-unstable, ... }: let
    system = "x86_64-linux";
    pkgs-unstable = import nixpkgs-unstable {
      inherit system;
    };
  in {
    nixosConfigurations.host = nixpkgs.lib.nixosSystem {
      specialArgs = { inherit pkgs-unstable; };
      modules = [ ./home.nix ];
    };
  };
}
#- /home.nix
{ pkgs-unstable, lib, ... }: {
  home.packages = with pkgs-unstable; [ hello spotify ];
  programs.zoom.package = lib.mkIf true pkgs-unstable.zoom-us;
  xdg.configFile.x.text = "${pkgs-unstable.steam}/bin/steam";
  users.users.a.packages = builtins.attrValues { inherit (pkgs-unstable) vscode; };
}
"#;
    check(
        fixture,
        expect![[r#"
            /home.nix:2:47-2:54 error[unfree-package] `spotify` has license ‘unfree’ and would be refused: in nixosConfigurations.host, `pkgs-unstable` is the nixpkgs instance imported in flake.nix, whose config allows no unfree packages. Allow it in that instance's config (`allowUnfree` or `allowUnfreePredicate`).
                related /flake.nix:4:21-6:6: the nixpkgs instance is made here
                fix: Set `config.allowUnfree = true` for this nixpkgs instance
            /home.nix:3:41-3:62 error[unfree-package] `zoom-us` has license ‘unfree’ and would be refused: in nixosConfigurations.host, `pkgs-unstable` is the nixpkgs instance imported in flake.nix, whose config allows no unfree packages. Allow it in that instance's config (`allowUnfree` or `allowUnfreePredicate`).
                related /flake.nix:4:21-6:6: the nixpkgs instance is made here
                fix: Set `config.allowUnfree = true` for this nixpkgs instance
            /home.nix:4:30-4:49 error[unfree-package] `steam` has license ‘unfreeRedistributable’ and would be refused: in nixosConfigurations.host, `pkgs-unstable` is the nixpkgs instance imported in flake.nix, whose config allows no unfree packages. Allow it in that instance's config (`allowUnfree` or `allowUnfreePredicate`).
                related /flake.nix:4:21-6:6: the nixpkgs instance is made here
                fix: Set `config.allowUnfree = true` for this nixpkgs instance
            /home.nix:5:74-5:80 error[unfree-package] `vscode` has license ‘unfree’ and would be refused: in nixosConfigurations.host, `pkgs-unstable` is the nixpkgs instance imported in flake.nix, whose config allows no unfree packages. Allow it in that instance's config (`allowUnfree` or `allowUnfreePredicate`).
                related /flake.nix:4:21-6:6: the nixpkgs instance is made here
                fix: Set `config.allowUnfree = true` for this nixpkgs instance
        "#]],
    );
    check_fix(
        fixture,
        0,
        expect![[r#"
            fix: Set `config.allowUnfree = true` for this nixpkgs instance
            --- /flake.nix
            {
              outputs = { self, nixpkgs, nixpkgs-unstable, ... }: let
                system = "x86_64-linux";
                pkgs-unstable = import nixpkgs-unstable {
                  inherit system;
                  config.allowUnfree = true;
                };
              in {
                nixosConfigurations.host = nixpkgs.lib.nixosSystem {
                  specialArgs = { inherit pkgs-unstable; };
                  modules = [ ./home.nix ];
                };
              };
            }
            --- after
        "#]],
    );
}

#[test]
fn predicate_list_and_its_fix() {
    let fixture = r#"
#- /flake.nix
{
  outputs = { nixpkgs, ... }: let
    pkgs = import nixpkgs {
      system = "x86_64-linux";
      config.allowUnfreePredicate = pkg: builtins.elem (nixpkgs.lib.getName pkg) [ "steam" ];
    };
  in {
    packages.x86_64-linux.default = pkgs.buildEnv { name = "env"; paths = [ pkgs.steam pkgs.zoom-us ]; };
  };
}
"#;
    check(
        fixture,
        expect![[r#"
            /flake.nix:8:88-8:100 error[unfree-package] `zoom-us` has license ‘unfree’ and would be refused: the nixpkgs instance imported in flake.nix, whose config allows `allowUnfreePredicate` for [ "steam" ]. Allow it in that instance's config (`allowUnfree` or `allowUnfreePredicate`).
                related /flake.nix:3:12-6:6: the nixpkgs instance is made here
                fix: Add "zoom" to the allowUnfreePredicate list
                fix: Set `config.allowUnfree = true` for this nixpkgs instance
        "#]],
    );
    check_fix(
        fixture,
        0,
        expect![[r#"
            fix: Add "zoom" to the allowUnfreePredicate list
            --- /flake.nix
            {
              outputs = { nixpkgs, ... }: let
                pkgs = import nixpkgs {
                  system = "x86_64-linux";
                  config.allowUnfreePredicate = pkg: builtins.elem (nixpkgs.lib.getName pkg) [ "steam" "zoom" ];
                };
              in {
                packages.x86_64-linux.default = pkgs.buildEnv { name = "env"; paths = [ pkgs.steam pkgs.zoom-us ]; };
              };
            }
            --- after
        "#]],
    );
}

#[test]
fn config_attrset_and_allow_unfree_false_fixes() {
    check_fix(
        r#"
#- /flake.nix
{
  outputs = { nixpkgs, ... }: let
    pkgs = import nixpkgs { system = "x86_64-linux"; config = { allowBroken = true; }; };
  in { packages.x86_64-linux.default = pkgs.symlinkJoin { name = "x"; paths = [ pkgs.spotify ]; }; };
}
"#,
        0,
        expect![[r#"
            fix: Set `config.allowUnfree = true` for this nixpkgs instance
            --- /flake.nix
            {
              outputs = { nixpkgs, ... }: let
                pkgs = import nixpkgs { system = "x86_64-linux"; config = { allowUnfree = true; allowBroken = true; }; };
              in { packages.x86_64-linux.default = pkgs.symlinkJoin { name = "x"; paths = [ pkgs.spotify ]; }; };
            }
            --- after
        "#]],
    );
    check_fix(
        r#"
#- /flake.nix
{
  outputs = { nixpkgs, ... }: let
    pkgs = import nixpkgs { system = "x86_64-linux"; config.allowUnfree = false; };
  in { packages.x86_64-linux.default = pkgs.symlinkJoin { name = "x"; paths = [ pkgs.spotify ]; }; };
}
"#,
        0,
        expect![[r#"
            fix: Set `config.allowUnfree = true` for this nixpkgs instance
            --- /flake.nix
            {
              outputs = { nixpkgs, ... }: let
                pkgs = import nixpkgs { system = "x86_64-linux"; config.allowUnfree = true; };
              in { packages.x86_64-linux.default = pkgs.symlinkJoin { name = "x"; paths = [ pkgs.spotify ]; }; };
            }
            --- after
        "#]],
    );
}

#[test]
fn unknown_configs_stay_silent() {
    check(
        r#"
#- /flake.nix
{
  outputs = { nixpkgs, nixpkgs-unstable, ... }@inputs: let
    system = "x86_64-linux";
    cfg = import ./nixpkgs-config.nix;
    a = import nixpkgs { inherit system; config = cfg; };
    b = import nixpkgs { inherit system; config.allowUnfreePredicate = pkg: true; };
    c = import nixpkgs { inherit system; config.allowUnfree = builtins.pathExists ./x; };
    d = import nixpkgs ({ inherit system; } // extra);
    e = import ./my-packages.nix { inherit system; };
  in {
    packages.${system}.default = [ a.spotify b.spotify c.spotify d.spotify e.spotify ];
  };
}
"#,
        expect![""],
    );
}

#[test]
fn special_args_defined_differently_elsewhere_stay_silent() {
    // Two configurations give `pkgs-unstable` different instances: only the module graph can
    // tell which one a module sees, so the analysis stays silent.
    check(
        r#"
#- /flake.nix
{
  outputs = { nixpkgs, nixpkgs-unstable, ... }: {
    nixosConfigurations.a = nixpkgs.lib.nixosSystem {
      specialArgs.pkgs-unstable = nixpkgs-unstable.legacyPackages.x86_64-linux;
      modules = [ ./configuration.nix ];
    };
    nixosConfigurations.b = nixpkgs.lib.nixosSystem {
      specialArgs = { pkgs-unstable = import nixpkgs-unstable { system = "x86_64-linux"; config.allowUnfree = true; }; };
      modules = [ ./configuration.nix ];
    };
  };
}
#- /configuration.nix
{ pkgs-unstable, ... }: { environment.systemPackages = [ pkgs-unstable.spotify ]; }
"#,
        expect![""],
    );
}

#[test]
fn home_manager_contexts_need_the_module_graph_cases_43_44() {
    // With useGlobalPkgs = true (case 44) the HM `pkgs` is the NixOS one: no diagnostic.
    // Case 43 (useGlobalPkgs = false) is an error the analysis cannot see without the module
    // graph; it stays silent rather than guess.
    check(
        r#"
#- /flake.nix
{
  outputs = { nixpkgs, home-manager, ... }: {
    nixosConfigurations.host = nixpkgs.lib.nixosSystem {
      modules = [ ./configuration.nix home-manager.nixosModules.home-manager ];
    };
  };
}
#- /configuration.nix
{
  nixpkgs.config.allowUnfree = true;
  home-manager.useGlobalPkgs = true;
  home-manager.users.alice = ./home.nix;
}
#- /home.nix
{ pkgs, ... }: { home.packages = [ pkgs.hello pkgs.vscode ]; }
"#,
        expect![""],
    );
}

#[test]
fn free_by_the_licenses_file() {
    // `unfreeRedistributableFirmware` is free because the licenses file says so; a package the
    // table does not know is never flagged.
    check(
        r#"
#- /flake.nix
{
  outputs = { nixpkgs, ... }: let
    pkgs = nixpkgs.legacyPackages.x86_64-linux;
  in { packages.x86_64-linux.default = [ pkgs.linux-firmware pkgs.not-in-the-table pkgs.hello ]; };
}
"#,
        expect![""],
    );
}

const HOVER_FLAKE: &str = r#"
#- /flake.nix
{
  outputs = { nixpkgs, nixpkgs-unstable, ... }: let
    system = "x86_64-linux";
  in {
    nixosConfigurations.host = nixpkgs.lib.nixosSystem {
      specialArgs = { pkgs-unstable = nixpkgs-unstable.legacyPackages.${system}; };
      modules = [ ./configuration.nix ];
    };
  };
}
"#;

#[test]
fn hover_on_a_refused_package() {
    let fixture = format!(
        "{HOVER_FLAKE}#- /configuration.nix\n{{ pkgs-unstable, ... }}: {{ environment.systemPackages = [ pkgs-unstable.spo$0tify ]; }}\n"
    );
    expect![[r#"
        /configuration.nix:1:58-1:79
        **`spotify`** — unfree (license: unfree)

        Instance: `pkgs-unstable` = `legacyPackages` of `nixpkgs-unstable` (flake.nix): the default config, no unfree packages — **refused**: this instance does not allow it. In nixosConfigurations.host.

        Declared in `pkgs/by-name/sp/spotify/package.nix`. Decided by: the given package table."#]]
    .assert_eq(&hover(&fixture));
}

#[test]
fn hover_on_meta_and_on_allowed_packages() {
    let fixture = r#"
#- /flake.nix
{
  outputs = { nixpkgs, ... }: let
    pkgs = import nixpkgs { system = "x86_64-linux"; config.allowUnfree = true; };
  in { packages.x86_64-linux.default = pkgs.zoom-us.meta.d$0escription; };
}
"#;
    expect![[r#"
        /flake.nix:4:40-4:52
        **`zoom-us`** — unfree (license: unfree)

        Instance: `import nixpkgs { … }` (flake.nix), config allows `allowUnfree = true` — allowed: `allowUnfree = true`.

        Declared in `pkgs/by-name/zo/zoom-us/package.nix`. Decided by: the given package table."#]]
    .assert_eq(&hover(fixture));
    let module_pkgs = "#- /m.nix\n{ pkgs, ... }: { environment.systemPackages = with pkgs; [ li$0nux-firmware ]; }\n";
    expect![[r#"
        /m.nix:1:60-1:74
        **`linux-firmware`** — free (license: unfreeRedistributableFirmware)

        Instance: not known statically (for example the module system's `pkgs`).

        Declared in `pkgs/by-name/li/linux-firmware/package.nix`. Decided by: the given package table."#]]
    .assert_eq(&hover(module_pkgs));
    assert_eq!(
        hover("#- /m.nix\n{ lib, ... }: { x = lib.mk$0If; }\n"),
        "no hover"
    );
}

#[test]
fn completion_after_a_package_set() {
    let fixture = format!(
        "{HOVER_FLAKE}#- /configuration.nix\n{{ pkgs-unstable, ... }}: {{ environment.systemPackages = [ pkgs-unstable.s$0 ]; }}\n"
    );
    expect![[r#"
        spotify Some("unfree (unfree)")
        steam Some("unfree (unfreeRedistributable)")"#]]
    .assert_eq(&completions(&fixture));
    let after_dot = "#- /m.nix\n{ pkgs, ... }: { environment.systemPackages = [ pkgs.$0 ]; }\n";
    expect![[r#"
        hello Some("free (gpl3Plus)")
        linux-firmware Some("free (unfreeRedistributableFirmware)")
        linuxPackages Some("package set")
        spotify Some("unfree (unfree)")
        steam Some("unfree (unfreeRedistributable)")
        vscode Some("unfree (unfree)")
        zoom-us Some("unfree (unfree)")"#]]
    .assert_eq(&completions(after_dot));
    assert_eq!(
        completions("#- /m.nix\n{ lib, ... }: { x = lib.s$0; }\n"),
        ""
    );
}

const NIXOS_FLAKE: &str = r#"
#- /flake.nix
{
  outputs = { nixpkgs, home-manager, ... }: {
    nixosConfigurations.host = nixpkgs.lib.nixosSystem {
      modules = [ ./configuration.nix home-manager.nixosModules.home-manager ];
    };
  };
}
"#;

#[test]
fn home_manager_own_pkgs_case_43_and_its_fix() {
    let fixture = format!(
        "{NIXOS_FLAKE}{}",
        r#"#- /configuration.nix
{
  nixpkgs.config.allowUnfree = true;
  home-manager.useGlobalPkgs = false;
  home-manager.users.alice = ./home.nix;
}
#- /home.nix
{ pkgs, ... }:
{
  home.packages = [ pkgs.hello pkgs.vscode ];
}
"#
    );
    check(
        &fixture,
        expect![[r#"
            /home.nix:3:32-3:43 error[unfree-package] `vscode` has license ‘unfree’ and would be refused: in nixosConfigurations.host → home-manager.users.alice, `pkgs` is home-manager's own nixpkgs instance (`useGlobalPkgs` is off), configured only by home-manager's `nixpkgs.config`, which allows no unfree packages. Allow it in that instance's config (`allowUnfree` or `allowUnfreePredicate`).
                related /configuration.nix:4:3-4:27: the configuration is defined here
                fix: Set `nixpkgs.config.allowUnfree = true` in home.nix
        "#]],
    );
    check_fix(
        &fixture,
        0,
        expect![[r#"
            fix: Set `nixpkgs.config.allowUnfree = true` in home.nix
            --- /home.nix
            { pkgs, ... }:
            {
              nixpkgs.config.allowUnfree = true;
              home.packages = [ pkgs.hello pkgs.vscode ];
            }
            --- after
        "#]],
    );
}

#[test]
fn nixos_pkgs_follows_nixpkgs_config() {
    let allowed = format!(
        "{NIXOS_FLAKE}{}",
        r#"#- /configuration.nix
{ pkgs, ... }: {
  imports = [ ./unfree.nix ];
  environment.systemPackages = [ pkgs.spotify ];
}
#- /unfree.nix
{ lib, ... }: { nixpkgs.config = { allowUnfreePredicate = pkg: builtins.elem (lib.getName pkg) [ "spotify" ]; }; }
"#
    );
    check(&allowed, expect![[""]]);
    let refused = allowed.replace("[ \"spotify\" ]", "[ \"steam\" ]");
    check(
        &refused,
        expect![[r#"
            /configuration.nix:3:34-3:46 error[unfree-package] `spotify` has license ‘unfree’ and would be refused: in nixosConfigurations.host, `pkgs` is built from the NixOS configuration's `nixpkgs.config`, which allows `allowUnfreePredicate` for [ "steam" ]. Allow it in that instance's config (`allowUnfree` or `allowUnfreePredicate`).
                related /flake.nix:3:32-5:6: the configuration is defined here
                fix: Add "spotify" to the allowUnfreePredicate list
                fix: Set `nixpkgs.config.allowUnfree = true` in configuration.nix
        "#]],
    );
    let conditional = format!(
        "{NIXOS_FLAKE}{}",
        r#"#- /configuration.nix
{ config, lib, pkgs, ... }: {
  config = lib.mkIf config.services.xserver.enable { nixpkgs.config.allowUnfree = true; };
  environment.systemPackages = [ pkgs.spotify ];
}
"#
    );
    check(&conditional, expect![[""]]);
    let none = format!(
        "{NIXOS_FLAKE}{}",
        r#"#- /configuration.nix
{ pkgs, ... }: {
  environment.systemPackages = [ pkgs.spotify ];
}
"#
    );
    check(
        &none,
        expect![[r#"
            /configuration.nix:2:34-2:46 error[unfree-package] `spotify` has license ‘unfree’ and would be refused: in nixosConfigurations.host, `pkgs` is built from the NixOS configuration's `nixpkgs.config`, which allows no unfree packages. Allow it in that instance's config (`allowUnfree` or `allowUnfreePredicate`).
                related /flake.nix:3:32-5:6: the configuration is defined here
                fix: Set `nixpkgs.config.allowUnfree = true` in configuration.nix
        "#]],
    );
    check_fix(
        &none,
        0,
        expect![[r#"
            fix: Set `nixpkgs.config.allowUnfree = true` in configuration.nix
            --- /configuration.nix
            { pkgs, ... }: {
              nixpkgs.config.allowUnfree = true;
              environment.systemPackages = [ pkgs.spotify ];
            }
            --- after
        "#]],
    );
}

#[test]
fn use_global_pkgs_without_allow_unfree_errors() {
    let fixture = format!(
        "{NIXOS_FLAKE}{}",
        r#"#- /configuration.nix
{
  home-manager.useGlobalPkgs = true;
  home-manager.users.alice = ./home.nix;
}
#- /home.nix
{ pkgs, ... }: { home.packages = [ pkgs.vscode ]; }
"#
    );
    check(
        &fixture,
        expect![[r#"
            /home.nix:1:36-1:47 error[unfree-package] `vscode` has license ‘unfree’ and would be refused: in nixosConfigurations.host → home-manager.users.alice, `pkgs` is built from the NixOS configuration's `nixpkgs.config`, which allows no unfree packages. Allow it in that instance's config (`allowUnfree` or `allowUnfreePredicate`).
                related /flake.nix:3:32-5:6: the configuration is defined here
                fix: Set `nixpkgs.config.allowUnfree = true` in configuration.nix
        "#]],
    );
}

#[test]
fn standalone_home_manager_pkgs() {
    let flake = |pkgs: &str| {
        format!(
            r#"
#- /flake.nix
{{
  outputs = {{ nixpkgs, home-manager, ... }}: {{
    homeConfigurations.alice = home-manager.lib.homeManagerConfiguration {{
      pkgs = {pkgs};
      modules = [ ./home.nix ];
    }};
  }};
}}
"#
        )
    };
    let home = "#- /home.nix\n{ pkgs, ... }: { home.packages = [ pkgs.spotify ]; }\n";
    let legacy = flake("nixpkgs.legacyPackages.x86_64-linux") + home;
    check(
        &legacy,
        expect![[r#"
            /home.nix:1:36-1:48 error[unfree-package] `spotify` has license ‘unfree’ and would be refused: in homeConfigurations.alice, `pkgs` is `legacyPackages` of `nixpkgs` (flake.nix), which always uses the default config and never allows unfree packages. Allow it in that instance's config (`allowUnfree` or `allowUnfreePredicate`).
                related /flake.nix:4:14-4:49: the nixpkgs instance is made here
                fix: Import `nixpkgs` with `config.allowUnfree = true` instead of `legacyPackages`
        "#]],
    );
    let imported =
        flake("import nixpkgs { system = \"x86_64-linux\"; config.allowUnfree = true; }") + home;
    check(&imported, expect![[""]]);
    // A `nixpkgs.config` in a home module replaces the passed config wholesale.
    let home_config = flake("nixpkgs.legacyPackages.x86_64-linux")
        + "#- /home.nix\n{ pkgs, ... }: { nixpkgs.config.allowUnfree = true; home.packages = [ pkgs.spotify ]; }\n";
    check(&home_config, expect![[""]]);
}

#[test]
fn one_module_in_two_contexts() {
    // Allowed in one configuration: the module is fine there, so nothing is reported.
    check(
        r#"
#- /flake.nix
{
  outputs = { nixpkgs, ... }: {
    nixosConfigurations.a = nixpkgs.lib.nixosSystem { modules = [ ./common.nix ./unfree.nix ]; };
    nixosConfigurations.b = nixpkgs.lib.nixosSystem { modules = [ ./common.nix ]; };
  };
}
#- /common.nix
{ pkgs, ... }: { environment.systemPackages = [ pkgs.spotify ]; }
#- /unfree.nix
{ nixpkgs.config.allowUnfree = true; }
"#,
        expect![[""]],
    );
}

#[test]
fn ignored_nixpkgs_config() {
    let fixture = format!(
        "{NIXOS_FLAKE}{}",
        r#"#- /configuration.nix
{
  nixpkgs.config.allowUnfree = true;
  home-manager.useGlobalPkgs = true;
  home-manager.users.alice = ./home.nix;
}
#- /home.nix
{ pkgs, ... }: {
  nixpkgs.config.allowUnfree = true;
  home.packages = [ pkgs.vscode ];
}
"#
    );
    let fixture = Fixture::parse(&fixture);
    let analysis = host(&fixture).analysis();
    let mut out = String::new();
    for file_id in analysis.files() {
        for d in analysis.diagnostics(file_id) {
            if d.code.as_str().starts_with("ignored") || d.code.as_str().starts_with("unfree") {
                out.push_str(&format!(
                    "{} {}[{}] {}\n",
                    render_range(&analysis, file_id, d.location.range),
                    d.severity.as_str(),
                    d.code.as_str(),
                    d.message
                ));
            }
        }
    }
    expect![[r#"
        /home.nix:2:3-2:37 warning[ignored-nixpkgs-config] This `nixpkgs.config` setting has no effect in nixosConfigurations.host → home-manager.users.alice: `home-manager.useGlobalPkgs = true` makes home-manager use the system's `pkgs`, so home-manager's `nixpkgs.config` is ignored; set it in the NixOS / nix-darwin configuration instead.
    "#]].assert_eq(&out);
}

#[test]
fn options_that_install_unfree_packages() {
    let refused = format!(
        "{NIXOS_FLAKE}{}",
        r#"#- /configuration.nix
{ lib, ... }: {
  programs.steam.enable = true;
  services.xserver.videoDrivers = [ "nvidia" ];
  nixpkgs.config.allowUnfreePredicate = pkg: builtins.elem (lib.getName pkg) [ "steam" ];
}
"#
    );
    check(
        &refused,
        expect![[r#"
            /configuration.nix:3:3-3:48 error[unfree-package] `services.xserver.videoDrivers` installs `linuxPackages.nvidia_x11` (license ‘unfreeRedistributable’), but in nixosConfigurations.host `pkgs` allows `allowUnfreePredicate` for [ "steam" ]; evaluation will refuse it. Set `nixpkgs.config.allowUnfree = true` or admit it in `allowUnfreePredicate`.
        "#]],
    );
    let allowed = format!(
        "{NIXOS_FLAKE}{}",
        r#"#- /configuration.nix
{ lib, ... }: {
  programs.steam.enable = true;
  services.xserver.videoDrivers = [ "nvidia" ];
  nixpkgs.config.allowUnfree = true;
}
"#
    );
    check(&allowed, expect![[""]]);
    let steam_only = format!(
        "{NIXOS_FLAKE}{}",
        "#- /configuration.nix\n{ programs.steam.enable = true; }\n"
    );
    check(
        &steam_only,
        expect![[r#"
            /configuration.nix:1:3-1:32 error[unfree-package] `programs.steam.enable` installs `steam` (license ‘unfreeRedistributable’), but in nixosConfigurations.host `pkgs` allows no unfree packages; evaluation will refuse it. Set `nixpkgs.config.allowUnfree = true` or admit it in `allowUnfreePredicate`.
        "#]],
    );
}

#[test]
fn take_the_package_from_pkgs() {
    check_fix(
        r#"
#- /flake.nix
{
  outputs = { self, nixpkgs, nixpkgs-unstable, ... }: {
    nixosConfigurations.host = nixpkgs.lib.nixosSystem {
      specialArgs = { pkgs-unstable = nixpkgs-unstable.legacyPackages.x86_64-linux; };
      modules = [ ./configuration.nix ];
    };
  };
}
#- /configuration.nix
{ pkgs, pkgs-unstable, ... }:
{
  nixpkgs.config.allowUnfree = true;
  environment.systemPackages = [ pkgs-unstable.vscode ];
}
"#,
        1,
        expect![[r#"
            fix: Take `vscode` from `pkgs`, which allows it
            --- /configuration.nix
            { pkgs, pkgs-unstable, ... }:
            {
              nixpkgs.config.allowUnfree = true;
              environment.systemPackages = [ pkgs.vscode ];
            }
            --- after
        "#]],
    );
}

#[test]
fn all_packages_shaped_file_is_silent() {
    // A nixpkgs-internal package collection next to a configuration: the configuration's use
    // is flagged, the collection (no instance, not a module of any configuration, no argument
    // some `specialArgs` defines) is not, whatever its entries and licenses look like.
    check(
        r#"
#- /flake.nix
{
  outputs = { self, nixpkgs, nixpkgs-unstable, ... }: {
    nixosConfigurations.host = nixpkgs.lib.nixosSystem {
      specialArgs = { pkgs-unstable = nixpkgs-unstable.legacyPackages.x86_64-linux; };
      modules = [ ./configuration.nix ];
    };
  };
}
#- /configuration.nix
{ pkgs-unstable, ... }: { environment.systemPackages = [ pkgs-unstable.spotify ]; }
#- /pkgs/top-level/all-packages.nix
{ lib, noSysDirs, config, overlays, ... }:
self:
with self;
{
  spotify = callPackage ../applications/audio/spotify { };
  vscode = callPackage ../applications/editors/vscode {
    extraPackages = [ spotify pkgs.zoom-us ];
    meta.license = lib.licenses.unfree;
  };
  steam = if stdenv.hostPlatform.isLinux then callPackage ../games/steam { } else zoom-us;
  wrapped = writeShellScriptBin "wrapped" "exec ${spotify}/bin/spotify";
  inherit (linuxPackages) nvidia_x11;
  fetchurlBoot = import ../build-support/fetchurl/boot.nix { inherit system; };
  tools = import ../tools { inherit config; } // { packages = [ spotify ]; };
}
"#,
        expect![[r#"
            /configuration.nix:1:58-1:79 error[unfree-package] `spotify` has license ‘unfree’ and would be refused: in nixosConfigurations.host, `pkgs-unstable` is `legacyPackages` of `nixpkgs-unstable` (flake.nix), which always uses the default config and never allows unfree packages. Allow it in that instance's config (`allowUnfree` or `allowUnfreePredicate`).
                related /flake.nix:4:39-4:83: the nixpkgs instance is made here
                fix: Import `nixpkgs-unstable` with `config.allowUnfree = true` instead of `legacyPackages`
        "#]],
    );
}

#[test]
fn files_outside_configurations_still_receive_defined_arguments() {
    // Not imported by any configuration and making no instance, but taking an argument every
    // `specialArgs` defines as an instance: still judged (the pre-filter must not hide it).
    check(
        r#"
#- /flake.nix
{
  outputs = { self, nixpkgs, nixpkgs-unstable, ... }: {
    nixosConfigurations.host = nixpkgs.lib.nixosSystem {
      specialArgs = { pkgs-unstable = nixpkgs-unstable.legacyPackages.x86_64-linux; };
      modules = [ ./configuration.nix ];
    };
  };
}
#- /configuration.nix
{ ... }: { }
#- /unused/extra.nix
{ pkgs-unstable, ... }: { environment.systemPackages = [ pkgs-unstable.spotify ]; }
#- /unused/other.nix
{ pkgs-unstable-2, ... }: { environment.systemPackages = [ pkgs-unstable-2.spotify ]; }
"#,
        expect![[r#"
            /unused/extra.nix:1:58-1:79 error[unfree-package] `spotify` has license ‘unfree’ and would be refused: `pkgs-unstable` is `legacyPackages` of `nixpkgs-unstable` (flake.nix), which always uses the default config and never allows unfree packages. Allow it in that instance's config (`allowUnfree` or `allowUnfreePredicate`).
                related /flake.nix:4:39-4:83: the nixpkgs instance is made here
                fix: Import `nixpkgs-unstable` with `config.allowUnfree = true` instead of `legacyPackages`
        "#]],
    );
}

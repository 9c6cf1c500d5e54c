//! `unfree-package` through nixpkgs sets that overlays add to `pkgs` (`pkgs.unstable`): the
//! overlay shapes (inline in a module, `let`-bound, in another file reached through flake
//! outputs, on `import nixpkgs { overlays }`), the nested instance's config (its own, or the
//! parent's through `final.config`), the fixes (applied, then re-checked), and the look-alikes
//! that must stay silent.

mod unfree_support;

use expect_test::expect;
use test_fixture::Fixture;
use unfree_support::{check, check_fix, check_fix_of, render};

/// The nix-starter-configs layout: overlays in `overlays/default.nix`, exported as flake
/// outputs, applied by a module through `outputs.overlays.*`. `$CONFIG` is the nested import's
/// config entry, `$HOST` a line of the host module.
fn starter(config: &str, host: &str) -> String {
    format!(
        r#"
#- /flake.nix
{{
  outputs = {{ self, nixpkgs, ... }}@inputs: let
    inherit (self) outputs;
  in {{
    overlays = import ./overlays {{ inherit inputs; }};
    nixosConfigurations.host = nixpkgs.lib.nixosSystem {{
      specialArgs = {{ inherit inputs outputs; }};
      modules = [ ./configuration.nix ./packages.nix ];
    }};
  }};
}}
#- /overlays/default.nix
{{ inputs, ... }}: {{
  unstable-packages = final: _prev: {{
    unstable = import inputs.nixpkgs-unstable {{
      system = final.system; {config}
    }};
  }};
}}
#- /configuration.nix
{{ outputs, ... }}: {{
  nixpkgs.overlays = [ outputs.overlays.unstable-packages ];
  {host}
}}
#- /packages.nix
{{ pkgs, ... }}: {{
  environment.systemPackages = [ pkgs.unstable.spotify pkgs.unstable.hello pkgs.unstable.spotify.meta.description ];
  programs.foo.version = pkgs.unstable.spotify.version;
  users.users.a.packages = with pkgs.unstable; [ vscode ];
  users.users.b.packages = builtins.attrValues {{ inherit (pkgs.unstable) zoom-us; }};
}}
"#
    )
}

#[test]
fn starter_layout_without_config_is_refused() {
    check(
        &starter("", ""),
        expect![[r#"
            /packages.nix:2:34-2:55 error[unfree-package] `spotify` has license ‘unfree’ and would be refused: in nixosConfigurations.host, `pkgs.unstable` is the nixpkgs instance imported from `nixpkgs-unstable`, added by the overlay in overlays/default.nix, whose config allows no unfree packages. Allow it in that instance's config (`allowUnfree` or `allowUnfreePredicate`).
                related /overlays/default.nix:3:16-5:6: the overlay makes the nixpkgs instance here
                fix: Set `config.allowUnfree = true` for this nixpkgs instance
            /packages.nix:4:50-4:56 error[unfree-package] `vscode` has license ‘unfree’ and would be refused: in nixosConfigurations.host, `pkgs.unstable` is the nixpkgs instance imported from `nixpkgs-unstable`, added by the overlay in overlays/default.nix, whose config allows no unfree packages. Allow it in that instance's config (`allowUnfree` or `allowUnfreePredicate`).
                related /overlays/default.nix:3:16-5:6: the overlay makes the nixpkgs instance here
                fix: Set `config.allowUnfree = true` for this nixpkgs instance
            /packages.nix:5:74-5:81 error[unfree-package] `zoom-us` has license ‘unfree’ and would be refused: in nixosConfigurations.host, `pkgs.unstable` is the nixpkgs instance imported from `nixpkgs-unstable`, added by the overlay in overlays/default.nix, whose config allows no unfree packages. Allow it in that instance's config (`allowUnfree` or `allowUnfreePredicate`).
                related /overlays/default.nix:3:16-5:6: the overlay makes the nixpkgs instance here
                fix: Set `config.allowUnfree = true` for this nixpkgs instance
        "#]],
    );
}

#[test]
fn starter_layout_with_allow_unfree_is_clean() {
    check(&starter("config.allowUnfree = true;", ""), expect![[r#""#]]);
}

#[test]
fn parent_config_follows_nixpkgs_config() {
    check(
        &starter("config = final.config;", ""),
        expect![[r#"
        /packages.nix:2:34-2:55 error[unfree-package] `spotify` has license ‘unfree’ and would be refused: in nixosConfigurations.host, `pkgs.unstable` is the nixpkgs instance imported from `nixpkgs-unstable`, added by the overlay in overlays/default.nix, whose config is the parent's (`config = final.config`): `pkgs` is built from the NixOS configuration's `nixpkgs.config`, which allows no unfree packages. Allow it in that instance's config (`allowUnfree` or `allowUnfreePredicate`).
            related /overlays/default.nix:3:16-5:6: the overlay makes the nixpkgs instance here
            fix: Set `nixpkgs.config.allowUnfree = true` in packages.nix
        /packages.nix:4:50-4:56 error[unfree-package] `vscode` has license ‘unfree’ and would be refused: in nixosConfigurations.host, `pkgs.unstable` is the nixpkgs instance imported from `nixpkgs-unstable`, added by the overlay in overlays/default.nix, whose config is the parent's (`config = final.config`): `pkgs` is built from the NixOS configuration's `nixpkgs.config`, which allows no unfree packages. Allow it in that instance's config (`allowUnfree` or `allowUnfreePredicate`).
            related /overlays/default.nix:3:16-5:6: the overlay makes the nixpkgs instance here
            fix: Set `nixpkgs.config.allowUnfree = true` in packages.nix
        /packages.nix:5:74-5:81 error[unfree-package] `zoom-us` has license ‘unfree’ and would be refused: in nixosConfigurations.host, `pkgs.unstable` is the nixpkgs instance imported from `nixpkgs-unstable`, added by the overlay in overlays/default.nix, whose config is the parent's (`config = final.config`): `pkgs` is built from the NixOS configuration's `nixpkgs.config`, which allows no unfree packages. Allow it in that instance's config (`allowUnfree` or `allowUnfreePredicate`).
            related /overlays/default.nix:3:16-5:6: the overlay makes the nixpkgs instance here
            fix: Set `nixpkgs.config.allowUnfree = true` in packages.nix
    "#]],
    );
    check(
        &starter(
            "config = final.config;",
            "nixpkgs.config.allowUnfree = true;",
        ),
        expect![[r#""#]],
    );
    check(
        &starter(
            "inherit (final) config;",
            "nixpkgs.config.allowUnfree = true;",
        ),
        expect![[r#""#]],
    );
}

#[test]
fn starter_fix_adds_allow_unfree_to_the_overlay_import() {
    check_fix(
        &starter("", ""),
        0,
        expect![[r#"
        fix: Set `config.allowUnfree = true` for this nixpkgs instance
        --- /overlays/default.nix
        { inputs, ... }: {
          unstable-packages = final: _prev: {
            unstable = import inputs.nixpkgs-unstable {
              system = final.system;
              config.allowUnfree = true; 
            };
          };
        }
        --- after
    "#]],
    );
}

#[test]
fn parent_config_fix_sets_nixpkgs_config() {
    check_fix(
        &starter("config = final.config;", ""),
        0,
        expect![[r#"
        fix: Set `nixpkgs.config.allowUnfree = true` in packages.nix
        --- /packages.nix
        { pkgs, ... }: {
          nixpkgs.config.allowUnfree = true;
          environment.systemPackages = [ pkgs.unstable.spotify pkgs.unstable.hello pkgs.unstable.spotify.meta.description ];
          programs.foo.version = pkgs.unstable.spotify.version;
          users.users.a.packages = with pkgs.unstable; [ vscode ];
          users.users.b.packages = builtins.attrValues { inherit (pkgs.unstable) zoom-us; };
        }
        --- after
    "#]],
    );
}

/// The flake of the inline-overlay tests: `$MODULES` is the host's module list.
const INLINE: &str = r#"
#- /flake.nix
{
  outputs = { self, nixpkgs, ... }@inputs: {
    nixosConfigurations.host = nixpkgs.lib.nixosSystem {
      specialArgs = { inherit inputs; };
      modules = [ ./configuration.nix ];
    };
    nixosConfigurations.other = nixpkgs.lib.nixosSystem {
      specialArgs = { inherit inputs; };
      modules = [ ./other.nix ];
    };
  };
}
#- /configuration.nix
{ inputs, pkgs, ... }: let
  unstableOverlay = final: prev: {
    unstable = import inputs.nixpkgs-unstable { inherit (final) system; };
    old = inputs.nixpkgs-old.legacyPackages.${final.system};
    picky = import inputs.nixpkgs-picky {
      inherit (final) system;
      config.allowUnfreePredicate = pkg: builtins.elem (prev.lib.getName pkg) [ "hello" ];
    };
  };
in {
  imports = [ ./packages.nix ];
  nixpkgs.overlays = [
    unstableOverlay
    (final: prev: { stable = import inputs.nixpkgs-stable { inherit (final) system; config.allowUnfree = true; }; })
  ];
  environment.systemPackages = [ pkgs.unstable.spotify pkgs.stable.spotify pkgs.old.vscode pkgs.picky.zoom-us ];
}
#- /packages.nix
{ pkgs, ... }: {
  environment.systemPackages = [ pkgs.stable.vscode pkgs.elsewhere.spotify ];
}
#- /other.nix
{ pkgs, ... }: {
  environment.systemPackages = [ pkgs.unstable.spotify ];
}
"#;

#[test]
fn inline_and_let_bound_overlays_in_a_module() {
    check(
        INLINE,
        expect![[r#"
        /configuration.nix:16:34-16:55 error[unfree-package] `spotify` has license ‘unfree’ and would be refused: in nixosConfigurations.host, `pkgs.unstable` is the nixpkgs instance imported from `nixpkgs-unstable`, added by the overlay in configuration.nix, whose config allows no unfree packages. Allow it in that instance's config (`allowUnfree` or `allowUnfreePredicate`).
            related /configuration.nix:3:16-3:74: the overlay makes the nixpkgs instance here
            fix: Set `config.allowUnfree = true` for this nixpkgs instance
        /configuration.nix:16:76-16:91 error[unfree-package] `vscode` has license ‘unfree’ and would be refused: in nixosConfigurations.host, `pkgs.old` is `legacyPackages` of `nixpkgs-old`, added by the overlay in configuration.nix, which always uses the default config and never allows unfree packages. Allow it in that instance's config (`allowUnfree` or `allowUnfreePredicate`).
            related /configuration.nix:4:11-4:60: the overlay makes the nixpkgs instance here
            fix: Import `inputs.nixpkgs-old` with `config.allowUnfree = true` instead of `legacyPackages`
        /configuration.nix:16:92-16:110 error[unfree-package] `zoom-us` has license ‘unfree’ and would be refused: in nixosConfigurations.host, `pkgs.picky` is the nixpkgs instance imported from `nixpkgs-picky`, added by the overlay in configuration.nix, whose config allows `allowUnfreePredicate` for [ "hello" ]. Allow it in that instance's config (`allowUnfree` or `allowUnfreePredicate`).
            related /configuration.nix:5:13-8:6: the overlay makes the nixpkgs instance here
            fix: Add "zoom" to the allowUnfreePredicate list
            fix: Set `config.allowUnfree = true` for this nixpkgs instance
    "#]],
    );
}

#[test]
fn legacy_packages_in_an_overlay_fix() {
    check_fix_of(
        INLINE,
        "vscode",
        0,
        expect![[r#"
        fix: Import `inputs.nixpkgs-old` with `config.allowUnfree = true` instead of `legacyPackages`
        --- /configuration.nix
        { inputs, pkgs, ... }: let
          unstableOverlay = final: prev: {
            unstable = import inputs.nixpkgs-unstable { inherit (final) system; };
            old = import inputs.nixpkgs-old { system = final.system; config.allowUnfree = true; };
            picky = import inputs.nixpkgs-picky {
              inherit (final) system;
              config.allowUnfreePredicate = pkg: builtins.elem (prev.lib.getName pkg) [ "hello" ];
            };
          };
        in {
          imports = [ ./packages.nix ];
          nixpkgs.overlays = [
            unstableOverlay
            (final: prev: { stable = import inputs.nixpkgs-stable { inherit (final) system; config.allowUnfree = true; }; })
          ];
          environment.systemPackages = [ pkgs.unstable.spotify pkgs.stable.spotify pkgs.old.vscode pkgs.picky.zoom-us ];
        }
        --- after
        /configuration.nix:16:34-16:55 error[unfree-package] `spotify` has license ‘unfree’ and would be refused: in nixosConfigurations.host, `pkgs.unstable` is the nixpkgs instance imported from `nixpkgs-unstable`, added by the overlay in configuration.nix, whose config allows no unfree packages. Allow it in that instance's config (`allowUnfree` or `allowUnfreePredicate`).
            related /configuration.nix:3:16-3:74: the overlay makes the nixpkgs instance here
            fix: Set `config.allowUnfree = true` for this nixpkgs instance
        /configuration.nix:16:92-16:110 error[unfree-package] `zoom-us` has license ‘unfree’ and would be refused: in nixosConfigurations.host, `pkgs.picky` is the nixpkgs instance imported from `nixpkgs-picky`, added by the overlay in configuration.nix, whose config allows `allowUnfreePredicate` for [ "hello" ]. Allow it in that instance's config (`allowUnfree` or `allowUnfreePredicate`).
            related /configuration.nix:5:13-8:6: the overlay makes the nixpkgs instance here
            fix: Add "zoom" to the allowUnfreePredicate list
            fix: Set `config.allowUnfree = true` for this nixpkgs instance
    "#]],
    );
}

#[test]
fn predicate_list_in_an_overlay_fix() {
    check_fix_of(
        INLINE,
        "zoom",
        0,
        expect![[r#"
        fix: Add "zoom" to the allowUnfreePredicate list
        --- /configuration.nix
        { inputs, pkgs, ... }: let
          unstableOverlay = final: prev: {
            unstable = import inputs.nixpkgs-unstable { inherit (final) system; };
            old = inputs.nixpkgs-old.legacyPackages.${final.system};
            picky = import inputs.nixpkgs-picky {
              inherit (final) system;
              config.allowUnfreePredicate = pkg: builtins.elem (prev.lib.getName pkg) [ "hello" "zoom" ];
            };
          };
        in {
          imports = [ ./packages.nix ];
          nixpkgs.overlays = [
            unstableOverlay
            (final: prev: { stable = import inputs.nixpkgs-stable { inherit (final) system; config.allowUnfree = true; }; })
          ];
          environment.systemPackages = [ pkgs.unstable.spotify pkgs.stable.spotify pkgs.old.vscode pkgs.picky.zoom-us ];
        }
        --- after
        /configuration.nix:16:34-16:55 error[unfree-package] `spotify` has license ‘unfree’ and would be refused: in nixosConfigurations.host, `pkgs.unstable` is the nixpkgs instance imported from `nixpkgs-unstable`, added by the overlay in configuration.nix, whose config allows no unfree packages. Allow it in that instance's config (`allowUnfree` or `allowUnfreePredicate`).
            related /configuration.nix:3:16-3:74: the overlay makes the nixpkgs instance here
            fix: Set `config.allowUnfree = true` for this nixpkgs instance
        /configuration.nix:16:76-16:91 error[unfree-package] `vscode` has license ‘unfree’ and would be refused: in nixosConfigurations.host, `pkgs.old` is `legacyPackages` of `nixpkgs-old`, added by the overlay in configuration.nix, which always uses the default config and never allows unfree packages. Allow it in that instance's config (`allowUnfree` or `allowUnfreePredicate`).
            related /configuration.nix:4:11-4:60: the overlay makes the nixpkgs instance here
            fix: Import `inputs.nixpkgs-old` with `config.allowUnfree = true` instead of `legacyPackages`
    "#]],
    );
}

#[test]
fn unreadable_overlays_stay_silent() {
    // A flake input's overlay may define `unstable` too (later overlays win); so may an
    // overlay list the evaluator cannot read, or one applied under `mkIf`.
    check(
        &starter("", "").replace(
            "nixpkgs.overlays = [ outputs.overlays.unstable-packages ];",
            "nixpkgs.overlays = [ outputs.overlays.unstable-packages inputs.nur.overlays.default ];",
        ),
        expect![[r#""#]],
    );
    check(
        &starter("", "").replace(
            "nixpkgs.overlays = [ outputs.overlays.unstable-packages ];",
            "nixpkgs.overlays = [ outputs.overlays.unstable-packages (import ./missing.nix) ];",
        ),
        expect![[r#""#]],
    );
    check(
        &starter("", "").replace(
            "nixpkgs.overlays = [ outputs.overlays.unstable-packages ];",
            "nixpkgs.overlays = lib.mkIf config.foo.enable [ outputs.overlays.unstable-packages ];",
        ),
        expect![[r#""#]],
    );
    // Two overlays define `unstable`: which one wins depends on the merge order.
    check(
        &starter("", "").replace(
            "nixpkgs.overlays = [ outputs.overlays.unstable-packages ];",
            "nixpkgs.overlays = [ outputs.overlays.unstable-packages (final: prev: { unstable = prev; }) ];",
        ),
        expect![[r#""#]],
    );
}

#[test]
fn overlays_the_evaluator_can_compute_count() {
    // `builtins.attrValues outputs.overlays` is every overlay of the set.
    check(
        &starter("", "").replace(
            "nixpkgs.overlays = [ outputs.overlays.unstable-packages ];",
            "nixpkgs.overlays = builtins.attrValues outputs.overlays;",
        ),
        expect![[r#"
            /packages.nix:2:34-2:55 error[unfree-package] `spotify` has license ‘unfree’ and would be refused: in nixosConfigurations.host, `pkgs.unstable` is the nixpkgs instance imported from `nixpkgs-unstable`, added by the overlay in overlays/default.nix, whose config allows no unfree packages. Allow it in that instance's config (`allowUnfree` or `allowUnfreePredicate`).
                related /overlays/default.nix:3:16-5:6: the overlay makes the nixpkgs instance here
                fix: Set `config.allowUnfree = true` for this nixpkgs instance
            /packages.nix:4:50-4:56 error[unfree-package] `vscode` has license ‘unfree’ and would be refused: in nixosConfigurations.host, `pkgs.unstable` is the nixpkgs instance imported from `nixpkgs-unstable`, added by the overlay in overlays/default.nix, whose config allows no unfree packages. Allow it in that instance's config (`allowUnfree` or `allowUnfreePredicate`).
                related /overlays/default.nix:3:16-5:6: the overlay makes the nixpkgs instance here
                fix: Set `config.allowUnfree = true` for this nixpkgs instance
            /packages.nix:5:74-5:81 error[unfree-package] `zoom-us` has license ‘unfree’ and would be refused: in nixosConfigurations.host, `pkgs.unstable` is the nixpkgs instance imported from `nixpkgs-unstable`, added by the overlay in overlays/default.nix, whose config allows no unfree packages. Allow it in that instance's config (`allowUnfree` or `allowUnfreePredicate`).
                related /overlays/default.nix:3:16-5:6: the overlay makes the nixpkgs instance here
                fix: Set `config.allowUnfree = true` for this nixpkgs instance
        "#]],
    );
}

/// A NixOS configuration with home-manager: `$GLOBAL` is `useGlobalPkgs`, `$HM` more of the
/// user's home-manager module.
fn home_manager(global: &str, hm: &str) -> String {
    format!(
        r#"
#- /flake.nix
{{
  outputs = {{ self, nixpkgs, home-manager, ... }}@inputs: {{
    nixosConfigurations.host = nixpkgs.lib.nixosSystem {{
      specialArgs = {{ inherit inputs; }};
      modules = [ home-manager.nixosModules.home-manager ./configuration.nix ];
    }};
  }};
}}
#- /configuration.nix
{{ inputs, ... }}: {{
  nixpkgs.overlays = [
    (final: prev: {{ unstable = import inputs.nixpkgs-unstable {{ inherit (final) system config; }}; }})
  ];
  home-manager.useGlobalPkgs = {global};
  home-manager.extraSpecialArgs = {{ inherit inputs; }};
  home-manager.users.roni = import ./home.nix;
}}
#- /home.nix
{{ pkgs, inputs, ... }}: {{
  {hm}
  home.packages = [ pkgs.unstable.spotify ];
}}
"#
    )
}

#[test]
fn home_manager_with_global_pkgs_sees_the_system_overlays() {
    check(
        &home_manager("true", ""),
        expect![[r#"
        /home.nix:3:21-3:42 error[unfree-package] `spotify` has license ‘unfree’ and would be refused: in nixosConfigurations.host → home-manager.users.roni, `pkgs.unstable` is the nixpkgs instance imported from `nixpkgs-unstable`, added by the overlay in configuration.nix, whose config is the parent's (`inherit (final) system config`): `pkgs` is built from the NixOS configuration's `nixpkgs.config`, which allows no unfree packages. Allow it in that instance's config (`allowUnfree` or `allowUnfreePredicate`).
            related /configuration.nix:3:32-3:97: the overlay makes the nixpkgs instance here
            fix: Set `nixpkgs.config.allowUnfree = true` in configuration.nix
    "#]],
    );
}

#[test]
fn home_manager_without_global_pkgs_uses_its_own_overlays() {
    check(&home_manager("false", ""), expect![[r#""#]]);
    check(
        &home_manager(
            "false",
            "nixpkgs.overlays = [ (final: prev: { unstable = import inputs.nixpkgs-unstable { }; }) ];",
        ),
        expect![[r#"
            /home.nix:3:21-3:42 error[unfree-package] `spotify` has license ‘unfree’ and would be refused: in nixosConfigurations.host → home-manager.users.roni, `pkgs.unstable` is the nixpkgs instance imported from `nixpkgs-unstable`, added by the overlay in home.nix, whose config allows no unfree packages. Allow it in that instance's config (`allowUnfree` or `allowUnfreePredicate`).
                related /home.nix:2:51-2:85: the overlay makes the nixpkgs instance here
                fix: Set `config.allowUnfree = true` for this nixpkgs instance
        "#]],
    );
}

#[test]
fn overlays_of_an_imported_nixpkgs() {
    check(
        r#"
#- /flake.nix
{
  outputs = { self, nixpkgs, nixpkgs-unstable, ... }: let
    system = "x86_64-linux";
    unstableOverlay = final: prev: {
      unstable = import nixpkgs-unstable { inherit system; config = prev.config; };
    };
    pkgs = import nixpkgs { inherit system; overlays = [ unstableOverlay ]; };
    pkgsFree = import nixpkgs {
      inherit system;
      overlays = [ unstableOverlay ];
      config.allowUnfree = true;
    };
    pkgsOther = import nixpkgs { inherit system; overlays = [ self.overlays.default ]; };
  in {
    nixosConfigurations.host = nixpkgs.lib.nixosSystem {
      specialArgs = { inherit pkgsFree pkgsOther; };
      modules = [ ./configuration.nix ];
    };
    devShells.${system}.default = pkgs.mkShell {
      packages = [ pkgs.unstable.vscode pkgsFree.unstable.vscode ];
    };
  };
}
#- /configuration.nix
{ pkgsFree, pkgsOther, ... }: {
  environment.systemPackages = [ pkgsFree.unstable.spotify pkgsOther.unstable.spotify ];
}
"#,
        expect![[r#"
            /flake.nix:20:20-20:40 error[unfree-package] `vscode` has license ‘unfree’ and would be refused: `pkgs.unstable` is the nixpkgs instance imported from `nixpkgs-unstable`, added by the overlay in flake.nix, whose config is the parent's (`config = prev.config`): `pkgs` is the nixpkgs instance imported in flake.nix, which allows no unfree packages. Allow it in that instance's config (`allowUnfree` or `allowUnfreePredicate`).
                related /flake.nix:5:18-5:83: the overlay makes the nixpkgs instance here
                fix: Set `config.allowUnfree = true` for this nixpkgs instance
        "#]],
    );
}

#[test]
fn the_nested_input_index_decides_the_license() {
    use ide::{AnalysisHost, Packages};
    use nixpkgs::{IndexSource, LicenseTable, index_from_table};
    use std::sync::Arc;
    // The default index calls `spotify` free; only the `nixpkgs-unstable` one calls it unfree.
    let licenses = || LicenseTable::from_licenses_nix(unfree_support::LICENSES);
    let mut packages = Packages::only(index_from_table(
        "default",
        licenses(),
        "spotify mit pkgs/by-name/sp/spotify/package.nix spotify",
        IndexSource::Given,
    ));
    packages.by_source.insert(
        "nixpkgs-unstable".to_owned(),
        Arc::new(index_from_table(
            "unstable",
            licenses(),
            "spotify unfree pkgs/by-name/sp/spotify/package.nix spotify",
            IndexSource::Given,
        )),
    );
    let fixture = Fixture::parse(&starter("", ""));
    let mut change = fixture.to_change();
    change.packages = Some(Arc::new(packages));
    let mut host = AnalysisHost::new();
    host.apply_change(change);
    expect![[r#"
        /packages.nix:2:34-2:55 error[unfree-package] `spotify` has license ‘unfree’ and would be refused: in nixosConfigurations.host, `pkgs.unstable` is the nixpkgs instance imported from `nixpkgs-unstable`, added by the overlay in overlays/default.nix, whose config allows no unfree packages. Allow it in that instance's config (`allowUnfree` or `allowUnfreePredicate`).
            related /overlays/default.nix:3:16-5:6: the overlay makes the nixpkgs instance here
            fix: Set `config.allowUnfree = true` for this nixpkgs instance
    "#]].assert_eq(&render(&host.analysis()));
}

#[test]
fn home_manager_global_pkgs_fix_sets_the_system_config() {
    check_fix_of(
        &home_manager("true", ""),
        "spotify",
        0,
        expect![[r#"
        fix: Set `nixpkgs.config.allowUnfree = true` in configuration.nix
        --- /configuration.nix
        { inputs, ... }: {
          nixpkgs.config.allowUnfree = true;
          nixpkgs.overlays = [
            (final: prev: { unstable = import inputs.nixpkgs-unstable { inherit (final) system config; }; })
          ];
          home-manager.useGlobalPkgs = true;
          home-manager.extraSpecialArgs = { inherit inputs; };
          home-manager.users.roni = import ./home.nix;
        }
        --- after
    "#]],
    );
}

#[test]
fn parent_import_fix_allows_unfree_in_the_parent() {
    check_fix_of(
        r#"
#- /flake.nix
{
  outputs = { self, nixpkgs, nixpkgs-unstable, ... }: let
    system = "x86_64-linux";
    pkgs = import nixpkgs {
      inherit system;
      overlays = [ (final: prev: { unstable = import nixpkgs-unstable { inherit system; inherit (final) config; }; }) ];
    };
  in {
    nixosConfigurations.host = nixpkgs.lib.nixosSystem {
      inherit pkgs;
      modules = [ { environment.systemPackages = [ pkgs.unstable.vscode ]; } ];
    };
  };
}
"#,
        "vscode",
        0,
        expect![[r#"
            fix: Set `config.allowUnfree = true` for this nixpkgs instance
            --- /flake.nix
            {
              outputs = { self, nixpkgs, nixpkgs-unstable, ... }: let
                system = "x86_64-linux";
                pkgs = import nixpkgs {
                  inherit system;
                  overlays = [ (final: prev: { unstable = import nixpkgs-unstable { inherit system; inherit (final) config; }; }) ];
                  config.allowUnfree = true;
                };
              in {
                nixosConfigurations.host = nixpkgs.lib.nixosSystem {
                  inherit pkgs;
                  modules = [ { environment.systemPackages = [ pkgs.unstable.vscode ]; } ];
                };
              };
            }
            --- after
        "#]],
    );
}

#[test]
fn flake_outputs_overlays_of_an_imported_nixpkgs() {
    // `self.overlays.x` is evaluated in the flake's outputs, through another file.
    check(
        r#"
#- /flake.nix
{
  outputs = { self, nixpkgs, ... }@inputs: let
    system = "x86_64-linux";
    pkgs = import nixpkgs { inherit system; overlays = [ self.overlays.unstable-packages ]; };
    pkgsFree = import nixpkgs {
      inherit system;
      overlays = builtins.attrValues self.overlays;
      config.allowUnfree = true;
    };
    pkgsNur = import nixpkgs { inherit system; overlays = [ self.overlays.unstable-packages inputs.nur.overlays.default ]; };
  in {
    overlays = import ./overlays { inherit inputs; };
    nixosConfigurations.host = nixpkgs.lib.nixosSystem {
      specialArgs = { inherit pkgsFree pkgsNur; };
      modules = [ ./configuration.nix ];
    };
    devShells.${system}.default = pkgs.mkShell {
      packages = [ pkgs.unstable.vscode pkgsFree.unstable.vscode ];
    };
  };
}
#- /overlays/default.nix
{ inputs, ... }: {
  unstable-packages = final: prev: {
    unstable = import inputs.nixpkgs-unstable { inherit (final) system config; };
  };
}
#- /configuration.nix
{ pkgsFree, pkgsNur, ... }: {
  environment.systemPackages = [ pkgsFree.unstable.spotify pkgsNur.unstable.spotify ];
}
"#,
        expect![[r#"
            /flake.nix:18:20-18:40 error[unfree-package] `vscode` has license ‘unfree’ and would be refused: `pkgs.unstable` is the nixpkgs instance imported from `nixpkgs-unstable`, added by the overlay in overlays/default.nix, whose config is the parent's (`inherit (final) system config`): `pkgs` is the nixpkgs instance imported in flake.nix, which allows no unfree packages. Allow it in that instance's config (`allowUnfree` or `allowUnfreePredicate`).
                related /overlays/default.nix:3:16-3:81: the overlay makes the nixpkgs instance here
                fix: Set `config.allowUnfree = true` for this nixpkgs instance
        "#]],
    );
}

#[test]
fn a_let_bound_nested_set() {
    check(
        &starter("", "").replace(
            "  users.users.a.packages = with pkgs.unstable; [ vscode ];",
            "  users.users.a.packages = let u = pkgs.unstable; in [ u.vscode ] ++ (with u; [ spotify ]);",
        ),
        expect![[r#"
            /packages.nix:2:34-2:55 error[unfree-package] `spotify` has license ‘unfree’ and would be refused: in nixosConfigurations.host, `pkgs.unstable` is the nixpkgs instance imported from `nixpkgs-unstable`, added by the overlay in overlays/default.nix, whose config allows no unfree packages. Allow it in that instance's config (`allowUnfree` or `allowUnfreePredicate`).
                related /overlays/default.nix:3:16-5:6: the overlay makes the nixpkgs instance here
                fix: Set `config.allowUnfree = true` for this nixpkgs instance
            /packages.nix:4:56-4:64 error[unfree-package] `vscode` has license ‘unfree’ and would be refused: in nixosConfigurations.host, `pkgs.unstable` is the nixpkgs instance imported from `nixpkgs-unstable`, added by the overlay in overlays/default.nix, whose config allows no unfree packages. Allow it in that instance's config (`allowUnfree` or `allowUnfreePredicate`).
                related /overlays/default.nix:3:16-5:6: the overlay makes the nixpkgs instance here
                fix: Set `config.allowUnfree = true` for this nixpkgs instance
            /packages.nix:4:81-4:88 error[unfree-package] `spotify` has license ‘unfree’ and would be refused: in nixosConfigurations.host, `pkgs.unstable` is the nixpkgs instance imported from `nixpkgs-unstable`, added by the overlay in overlays/default.nix, whose config allows no unfree packages. Allow it in that instance's config (`allowUnfree` or `allowUnfreePredicate`).
                related /overlays/default.nix:3:16-5:6: the overlay makes the nixpkgs instance here
                fix: Set `config.allowUnfree = true` for this nixpkgs instance
            /packages.nix:5:74-5:81 error[unfree-package] `zoom-us` has license ‘unfree’ and would be refused: in nixosConfigurations.host, `pkgs.unstable` is the nixpkgs instance imported from `nixpkgs-unstable`, added by the overlay in overlays/default.nix, whose config allows no unfree packages. Allow it in that instance's config (`allowUnfree` or `allowUnfreePredicate`).
                related /overlays/default.nix:3:16-5:6: the overlay makes the nixpkgs instance here
                fix: Set `config.allowUnfree = true` for this nixpkgs instance
        "#]],
    );
}

#[test]
fn standalone_home_manager_and_nixpkgs_pkgs() {
    check(
        r#"
#- /flake.nix
{
  outputs = { self, nixpkgs, home-manager, ... }@inputs: let
    system = "x86_64-linux";
    overlay = final: prev: { unstable = import inputs.nixpkgs-unstable { inherit system; }; };
    pkgs = import nixpkgs { inherit system; overlays = [ overlay ]; };
  in {
    homeConfigurations.roni = home-manager.lib.homeManagerConfiguration {
      inherit pkgs;
      modules = [ ./home.nix ];
    };
    nixosConfigurations.host = nixpkgs.lib.nixosSystem {
      modules = [
        ./configuration.nix
        {
          nixpkgs.pkgs = pkgs;
          # Appended to `nixpkgs.pkgs`: which `unstable` wins is not modelled.
          nixpkgs.overlays = [ (final: prev: { other = 1; }) ];
        }
      ];
    };
  };
}
#- /home.nix
{ pkgs, ... }: {
  home.packages = [ pkgs.unstable.spotify ];
}
#- /configuration.nix
{ pkgs, ... }: {
  environment.systemPackages = [ pkgs.unstable.vscode ];
}
"#,
        expect![[r#"
            /home.nix:2:21-2:42 error[unfree-package] `spotify` has license ‘unfree’ and would be refused: in homeConfigurations.roni, `pkgs.unstable` is the nixpkgs instance imported from `nixpkgs-unstable`, added by the overlay in flake.nix, whose config allows no unfree packages. Allow it in that instance's config (`allowUnfree` or `allowUnfreePredicate`).
                related /flake.nix:4:41-4:91: the overlay makes the nixpkgs instance here
                fix: Set `config.allowUnfree = true` for this nixpkgs instance
        "#]],
    );
}

//! `unfree-package` through nixpkgs sets that overlays add to `pkgs` (`pkgs.unstable`): the
//! overlay shapes (inline in a module, `let`-bound, in another file reached through flake
//! outputs, on `import nixpkgs { overlays }`), the nested instance's config (its own, or the
//! parent's through `final.config`), the fixes (applied, then re-checked), and the look-alikes
//! that must stay silent.

mod unfree_support;

use expect_test::expect;
use test_fixture::Fixture;
use unfree_support::{check, check_fix, host, render};

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

/// [`check_fix`] for the first diagnostic whose message mentions `word`.
fn check_fix_of(fixture: &str, word: &str, index: usize, expect: expect_test::Expect) {
    let mut fixture = Fixture::parse(fixture);
    let analysis = host(&fixture).analysis();
    let diag = analysis
        .files()
        .into_iter()
        .flat_map(|f| analysis.diagnostics(f))
        .find(|d| d.code.as_str() == "unfree-package" && d.message.contains(word))
        .expect("a diagnostic");
    let fix = &diag.fixes[index];
    let mut out = format!("fix: {}\n", fix.label);
    for (file_id, edits) in &fix.change.edits {
        let path = analysis.file_path(*file_id).to_string();
        let text = test_fixture::apply_edits(&analysis.file_text(*file_id), edits);
        out.push_str(&format!("--- {path}\n{text}"));
        for f in &mut fixture.files {
            if f.path == path {
                f.text = text.clone();
            }
        }
    }
    out.push_str(&format!(
        "--- after\n{}",
        render(&host(&fixture).analysis())
    ));
    expect.assert_eq(&out);
}

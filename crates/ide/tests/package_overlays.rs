//! Hover and completion on nixpkgs sets that overlays nest in `pkgs` (`pkgs.unstable.spotify`):
//! the nested instance, its config (its own or the parent's), the verdict `unfree-package`
//! gives, the nested input's package index; and the look-alikes that must behave as before (an
//! attribute no overlay defines, unreadable overlays, home-manager without `useGlobalPkgs`).

mod unfree_support;

use std::sync::Arc;

use expect_test::{Expect, expect};
use ide::{Analysis, AnalysisHost, Packages};
use nixpkgs::{IndexSource, LicenseTable, index_from_table};
use test_fixture::Fixture;
use unfree_support::{completions, completions_in, hover, hover_in};

/// A NixOS host whose `configuration.nix` applies an overlay adding `unstable` (with
/// `$CONFIG` among its import's arguments; `$HOST` more of the module) and whose
/// `packages.nix` has `$PACKAGES` in `environment.systemPackages`.
fn host(config: &str, host: &str, packages: &str) -> String {
    format!(
        r#"
#- /flake.nix
{{
  outputs = {{ self, nixpkgs, ... }}@inputs: {{
    nixosConfigurations.host = nixpkgs.lib.nixosSystem {{
      specialArgs = {{ inherit inputs; }};
      modules = [ ./configuration.nix ./packages.nix ];
    }};
  }};
}}
#- /configuration.nix
{{ inputs, ... }}: {{
  nixpkgs.overlays = [
    (final: prev: {{
      unstable = import inputs.nixpkgs-unstable {{ inherit (final) system; {config} }};
    }})
  ];
  {host}
}}
#- /packages.nix
{{ pkgs, ... }}: {{
  environment.systemPackages = [ {packages} ];
}}
"#
    )
}

#[test]
fn hover_on_a_refused_nested_package() {
    expect![[r#"
        /packages.nix:2:34-2:55
        **`spotify`** — unfree (license: unfree)

        Instance: `pkgs.unstable` is the nixpkgs instance imported from `nixpkgs-unstable`, added by the overlay in configuration.nix, whose config allows no unfree packages — **refused**: this instance does not allow it. In nixosConfigurations.host.

        Declared in `pkgs/by-name/sp/spotify/package.nix`. Decided by: the given package table."#]]
    .assert_eq(&hover(&host("", "", "pkgs.unstable.spo$0tify")));
}

#[test]
fn hover_on_an_allowed_nested_package() {
    expect![[r#"
        /packages.nix:2:34-2:55
        **`spotify`** — unfree (license: unfree)

        Instance: `pkgs.unstable` is the nixpkgs instance imported from `nixpkgs-unstable`, added by the overlay in configuration.nix, whose config allows `allowUnfree = true` — allowed: `allowUnfree = true`. In nixosConfigurations.host.

        Declared in `pkgs/by-name/sp/spotify/package.nix`. Decided by: the given package table."#]]
    .assert_eq(&hover(&host(
        "config.allowUnfree = true;",
        "",
        "pkgs.unstable.spo$0tify",
    )));
}

#[test]
fn hover_on_a_nested_package_with_the_parent_config() {
    // `inherit (final) config`: the host's `nixpkgs.config` decides.
    expect![[r#"
        /packages.nix:2:34-2:55
        **`spotify`** — unfree (license: unfree)

        Instance: `pkgs.unstable` is the nixpkgs instance imported from `nixpkgs-unstable`, added by the overlay in configuration.nix, whose config is the parent's (`inherit (final) config`): `pkgs` is built from the NixOS configuration's `nixpkgs.config`, which allows `allowUnfree = true` — allowed: `allowUnfree = true`. In nixosConfigurations.host.

        Declared in `pkgs/by-name/sp/spotify/package.nix`. Decided by: the given package table."#]]
    .assert_eq(&hover(&host(
        "inherit (final) config;",
        "nixpkgs.config.allowUnfree = true;",
        "pkgs.unstable.spo$0tify",
    )));
    expect![[r#"
        /packages.nix:2:34-2:55
        **`spotify`** — unfree (license: unfree)

        Instance: `pkgs.unstable` is the nixpkgs instance imported from `nixpkgs-unstable`, added by the overlay in configuration.nix, whose config is the parent's (`config = final.config`): `pkgs` is built from the NixOS configuration's `nixpkgs.config`, which allows no unfree packages — **refused**: this instance does not allow it. In nixosConfigurations.host.

        Declared in `pkgs/by-name/sp/spotify/package.nix`. Decided by: the given package table."#]]
    .assert_eq(&hover(&host(
        "config = final.config;",
        "",
        "pkgs.unstable.spo$0tify",
    )));
}

#[test]
fn hover_agrees_with_the_diagnostic() {
    // The same fixture gives `unfree-package` on exactly the uses the hover calls refused.
    let fixture = host("", "", "pkgs.unstable.spotify pkgs.unstable.hello");
    expect![[r#"
        /packages.nix:2:34-2:55 error[unfree-package] `spotify` has license ‘unfree’ and would be refused: in nixosConfigurations.host, `pkgs.unstable` is the nixpkgs instance imported from `nixpkgs-unstable`, added by the overlay in configuration.nix, whose config allows no unfree packages. Allow it in that instance's config (`allowUnfree` or `allowUnfreePredicate`).
            related /configuration.nix:4:18-4:77: the overlay makes the nixpkgs instance here
            fix: Set `config.allowUnfree = true` for this nixpkgs instance
    "#]]
    .assert_eq(&unfree_support::render(
        &unfree_support::host(&Fixture::parse(&fixture)).analysis(),
    ));
    expect![[r#"
        /packages.nix:2:56-2:75
        **`hello`** — free (license: gpl3Plus)

        Instance: `pkgs.unstable` is the nixpkgs instance imported from `nixpkgs-unstable`, added by the overlay in configuration.nix, whose config allows no unfree packages. In nixosConfigurations.host.

        Declared in `pkgs/by-name/he/hello/package.nix`. Decided by: the given package table."#]]
    .assert_eq(&hover(&fixture.replace("unstable.hello", "unstable.hel$0lo")));
}

#[test]
fn hover_through_with_let_and_meta() {
    expect![[r#"
        /packages.nix:2:62-2:68
        **`vscode`** — unfree (license: unfree)

        Instance: `pkgs.unstable` is the nixpkgs instance imported from `nixpkgs-unstable`, added by the overlay in configuration.nix, whose config allows no unfree packages — **refused**: this instance does not allow it. In nixosConfigurations.host.

        Declared in `pkgs/applications/editors/vscode/vscode.nix`. Decided by: the given package table."#]]
    .assert_eq(&hover(&host("", "", "] ++ (with pkgs.unstable; [ vs$0code ]) ++ [")));
    expect![[r#"
        /packages.nix:2:68-2:77
        **`zoom-us`** — unfree (license: unfree)

        Instance: `pkgs.unstable` is the nixpkgs instance imported from `nixpkgs-unstable`, added by the overlay in configuration.nix, whose config allows no unfree packages — **refused**: this instance does not allow it. In nixosConfigurations.host.

        Declared in `pkgs/by-name/zo/zoom-us/package.nix`. Decided by: the given package table."#]]
    .assert_eq(&hover(&host(
        "",
        "",
        "] ++ (let u = pkgs.unstable; in [ u.zoo$0m-us ]) ++ [",
    )));
    // `.meta.description`: the range stops at the package.
    expect![[r#"
        /packages.nix:2:34-2:55
        **`spotify`** — unfree (license: unfree)

        Instance: `pkgs.unstable` is the nixpkgs instance imported from `nixpkgs-unstable`, added by the overlay in configuration.nix, whose config allows no unfree packages — **refused**: this instance does not allow it. In nixosConfigurations.host.

        Declared in `pkgs/by-name/sp/spotify/package.nix`. Decided by: the given package table."#]]
    .assert_eq(&hover(&host(
        "",
        "",
        "pkgs.unstable.spotify.meta.descr$0iption",
    )));
}

#[test]
fn hover_on_the_nested_set_name() {
    expect![[r#"
        /packages.nix:2:34-2:47
        **`pkgs.unstable`** — a nixpkgs instance added by an overlay

        `pkgs.unstable` is the nixpkgs instance imported from `nixpkgs-unstable`, added by the overlay in configuration.nix, whose config allows no unfree packages. In nixosConfigurations.host."#]]
    .assert_eq(&hover(&host("", "", "pkgs.unst$0able.spotify")));
    expect![[r#"
        /packages.nix:2:45-2:58
        **`pkgs.unstable`** — a nixpkgs instance added by an overlay

        `pkgs.unstable` is the nixpkgs instance imported from `nixpkgs-unstable`, added by the overlay in configuration.nix, whose config allows no unfree packages. In nixosConfigurations.host."#]].assert_eq(&hover(&host(
        "",
        "",
        "] ++ (with pkgs.unst$0able; [ vscode ]) ++ [",
    )));
}

#[test]
fn hover_on_inherit_from_a_nested_set() {
    expect![[r#"
        /packages.nix:2:85-2:92
        **`zoom-us`** — unfree (license: unfree)

        Instance: `pkgs.unstable` is the nixpkgs instance imported from `nixpkgs-unstable`, added by the overlay in configuration.nix, whose config allows no unfree packages — **refused**: this instance does not allow it. In nixosConfigurations.host.

        Declared in `pkgs/by-name/zo/zoom-us/package.nix`. Decided by: the given package table."#]].assert_eq(&hover(&host(
        "",
        "",
        "] ++ builtins.attrValues { inherit (pkgs.unstable) zoo$0m-us hello; } ++ [",
    )));
    expect![[r#"
        /packages.nix:2:76-2:83
        **`zoom-us`** — unfree (license: unfree)

        Instance: built from the NixOS configuration's `nixpkgs.config` (allows no unfree packages) — **refused**: this instance does not allow it. In nixosConfigurations.host.

        Declared in `pkgs/by-name/zo/zoom-us/package.nix`. Decided by: the given package table."#]].assert_eq(&hover(&host(
        "",
        "",
        "] ++ builtins.attrValues { inherit (pkgs) zoo$0m-us; } ++ [",
    )));
}

#[test]
fn hover_when_the_nested_set_is_unknown() {
    // An input's overlay may define `unstable` too (the last definition wins): no claim.
    let foreign = host("", "", "pkgs.unstable.spo$0tify")
        .replace("  ];\n", "    inputs.nur.overlays.default\n  ];\n");
    assert_eq!(hover(&foreign), "no hover");
    assert_eq!(
        hover(&foreign.replace("pkgs.unstable.spo$0tify", "pkgs.unst$0able.spotify")),
        "no hover"
    );
    // An overlay the evaluator cannot read.
    let unreadable = host("", "", "pkgs.unstable.spo$0tify").replace(
        "nixpkgs.overlays = [",
        "nixpkgs.overlays = [ (import ./missing.nix)",
    );
    assert_eq!(hover(&unreadable), "no hover");
    // `unstable` is not an instance: no package claim about what it holds.
    let not_an_instance = host("", "", "pkgs.unstable.spo$0tify").replace(
        "import inputs.nixpkgs-unstable { inherit (final) system;  }",
        "prev.callPackage ./unstable.nix { }",
    );
    assert_eq!(hover(&not_an_instance), "no hover");
}

#[test]
fn hover_on_look_alikes() {
    // No overlay defines `elsewhere`.
    assert_eq!(hover(&host("", "", "pkgs.elsewhere.spo$0tify")), "no hover");
    // The overlay defines `other`, not `unstable`.
    let other =
        |packages: &str| host("", "", packages).replace("unstable = import", "other = import");
    assert_eq!(hover(&other("pkgs.unstable.spo$0tify")), "no hover");
    assert_eq!(completions(&other("pkgs.unstable.$0")), "");
    let after_pkgs = completions(&other("pkgs.$0"));
    assert!(after_pkgs.starts_with("other "), "{after_pkgs}");
    assert!(!after_pkgs.lines().any(|l| l.starts_with("unstable ")));
    // The parent's own packages are unaffected by the overlay.
    expect![[r#"
        /packages.nix:2:34-2:46
        **`spotify`** — unfree (license: unfree)

        Instance: built from the NixOS configuration's `nixpkgs.config` (allows no unfree packages) — **refused**: this instance does not allow it. In nixosConfigurations.host.

        Declared in `pkgs/by-name/sp/spotify/package.nix`. Decided by: the given package table."#]]
    .assert_eq(&hover(&host("", "", "pkgs.spo$0tify")));
}

/// A NixOS host with home-manager: the system applies the `unstable` overlay; `$GLOBAL` is
/// `useGlobalPkgs`; `$USE` is in the user's `home.packages`.
fn home_manager(global: &str, home_use: &str) -> String {
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
  home-manager.users.roni = import ./home.nix;
}}
#- /home.nix
{{ pkgs, ... }}: {{
  home.packages = [ {home_use} ];
}}
"#
    )
}

#[test]
fn home_manager_sees_the_system_overlays_only_with_global_pkgs() {
    expect![[r#"
        /home.nix:2:21-2:42
        **`spotify`** — unfree (license: unfree)

        Instance: `pkgs.unstable` is the nixpkgs instance imported from `nixpkgs-unstable`, added by the overlay in configuration.nix, whose config is the parent's (`inherit (final) system config`): `pkgs` is built from the NixOS configuration's `nixpkgs.config`, which allows no unfree packages — **refused**: this instance does not allow it. In nixosConfigurations.host → home-manager.users.roni.

        Declared in `pkgs/by-name/sp/spotify/package.nix`. Decided by: the given package table."#]]
    .assert_eq(&hover(&home_manager("true", "pkgs.unstable.spo$0tify")));
    // Without `useGlobalPkgs`, home-manager builds its own `pkgs` with its own overlays.
    assert_eq!(
        hover(&home_manager("false", "pkgs.unstable.spo$0tify")),
        "no hover"
    );
    assert_eq!(completions(&home_manager("false", "pkgs.unstable.$0")), "");
    assert!(
        !completions(&home_manager("false", "pkgs.$0"))
            .lines()
            .any(|l| l.starts_with("unstable "))
    );
    assert!(completions(&home_manager("true", "pkgs.$0")).starts_with("unstable "));
}

/// Package data with one index per input: the default one knows `hello` and calls `spotify`
/// free; `nixpkgs-unstable`'s knows `spotify` (unfree) and `signal-desktop`.
fn two_indexes() -> Arc<Packages> {
    let licenses = || LicenseTable::from_licenses_nix(unfree_support::LICENSES);
    let mut packages = Packages::only(index_from_table(
        "default",
        licenses(),
        "hello gpl3Plus pkgs/by-name/he/hello/package.nix hello\n\
         spotify mit pkgs/by-name/sp/spotify/package.nix spotify",
        IndexSource::Given,
    ));
    packages.by_source.insert(
        "nixpkgs-unstable".to_owned(),
        Arc::new(index_from_table(
            "unstable",
            licenses(),
            "signal-desktop gpl3Plus pkgs/by-name/si/signal-desktop/package.nix signal-desktop\n\
             spotify unfree pkgs/by-name/sp/spotify/package.nix spotify",
            IndexSource::Given,
        )),
    );
    Arc::new(packages)
}

fn two_index_analysis(fixture: &Fixture) -> Analysis {
    let mut change = fixture.to_change();
    change.packages = Some(two_indexes());
    let mut host = AnalysisHost::new();
    host.apply_change(change);
    host.analysis()
}

fn check_hover_two_indexes(fixture: &str, expect: Expect) {
    let fixture = Fixture::parse(fixture);
    expect.assert_eq(&hover_in(&fixture, &two_index_analysis(&fixture)));
}

fn check_completions_two_indexes(fixture: &str, expect: Expect) {
    let fixture = Fixture::parse(fixture);
    expect.assert_eq(&completions_in(&fixture, &two_index_analysis(&fixture)));
}

#[test]
fn hover_takes_the_package_from_the_nested_input_index() {
    check_hover_two_indexes(
        &host("", "", "pkgs.unstable.spo$0tify"),
        expect![[r#"
            /packages.nix:2:34-2:55
            **`spotify`** — unfree (license: unfree)

            Instance: `pkgs.unstable` is the nixpkgs instance imported from `nixpkgs-unstable`, added by the overlay in configuration.nix, whose config allows no unfree packages — **refused**: this instance does not allow it. In nixosConfigurations.host.

            Declared in `pkgs/by-name/sp/spotify/package.nix`. Decided by: the given package table."#]],
    );
    check_hover_two_indexes(
        &host("", "", "pkgs.spo$0tify"),
        expect![[r#"
            /packages.nix:2:34-2:46
            **`spotify`** — free (license: mit)

            Instance: built from the NixOS configuration's `nixpkgs.config` (allows no unfree packages). In nixosConfigurations.host.

            Declared in `pkgs/by-name/sp/spotify/package.nix`. Decided by: the given package table."#]],
    );
}

#[test]
fn completion_after_a_nested_set() {
    check_completions_two_indexes(
        &host("", "", "pkgs.unstable.$0"),
        expect![[r#"
            signal-desktop Some("free (gpl3Plus)")
            spotify Some("unfree (unfree)")"#]],
    );
    check_completions_two_indexes(
        &host("", "", "pkgs.unstable.si$0"),
        expect![[r#"
            signal-desktop Some("free (gpl3Plus)")"#]],
    );
    check_completions_two_indexes(
        &host("", "", "(with pkgs; [ ]) ++ [ pkgs.unstable.s$0 ]"),
        expect![""],
    );
}

#[test]
fn completion_offers_the_nested_set_after_pkgs() {
    check_completions_two_indexes(
        &host("", "", "pkgs.$0"),
        expect![[r#"
            unstable Some("nixpkgs instance of `nixpkgs-unstable`, added by an overlay")
            hello Some("free (gpl3Plus)")
            spotify Some("free (mit)")"#]],
    );
    check_completions_two_indexes(
        &host("", "", "pkgs.un$0"),
        expect![[r#"
            unstable Some("nixpkgs instance of `nixpkgs-unstable`, added by an overlay")"#]],
    );
}

#[test]
fn completion_look_alikes() {
    // No overlay defines `elsewhere`; an input's overlay may redefine `unstable`.
    check_completions_two_indexes(&host("", "", "pkgs.elsewhere.$0"), expect![[r#""#]]);
    let foreign = host("", "", "pkgs.unstable.$0")
        .replace("  ];\n", "    inputs.nur.overlays.default\n  ];\n");
    check_completions_two_indexes(&foreign, expect![[r#""#]]);
    check_completions_two_indexes(
        &foreign.replace("pkgs.unstable.$0", "pkgs.$0"),
        expect![[r#"
            hello Some("free (gpl3Plus)")
            spotify Some("free (mit)")"#]],
    );
    // Deeper selections are not completed.
    check_completions_two_indexes(&host("", "", "pkgs.unstable.spotify.$0"), expect![[r#""#]]);
}

#[test]
fn hover_names_every_context_and_agrees_with_the_diagnostic() {
    // One package module in two hosts: the nested instance takes each host's config; only
    // `free` allows unfree packages, so the diagnostic is silent and the hover says why.
    let fixture = r#"
#- /flake.nix
{
  outputs = { self, nixpkgs, ... }@inputs: {
    nixosConfigurations.free = nixpkgs.lib.nixosSystem {
      specialArgs = { inherit inputs; };
      modules = [ ./overlay.nix ./packages.nix { nixpkgs.config.allowUnfree = true; } ];
    };
    nixosConfigurations.strict = nixpkgs.lib.nixosSystem {
      specialArgs = { inherit inputs; };
      modules = [ ./overlay.nix ./packages.nix ];
    };
  };
}
#- /overlay.nix
{ inputs, ... }: {
  nixpkgs.overlays = [
    (final: prev: { unstable = import inputs.nixpkgs-unstable { inherit (final) system config; }; })
  ];
}
#- /packages.nix
{ pkgs, ... }: {
  environment.systemPackages = [ pkgs.unstable.spo$0tify ];
}
"#;
    expect![[r#""#]].assert_eq(&unfree_support::render(
        &unfree_support::host(&Fixture::parse(fixture)).analysis(),
    ));
    expect![[r#"
        /packages.nix:2:34-2:55
        **`spotify`** — unfree (license: unfree)

        Instance: `pkgs.unstable` is the nixpkgs instance imported from `nixpkgs-unstable`, added by the overlay in overlay.nix, whose config is the parent's (`inherit (final) system config`): `pkgs` is built from the NixOS configuration's `nixpkgs.config`, which allows `allowUnfree = true` — allowed: `allowUnfree = true`. In nixosConfigurations.free.

        Instance: `pkgs.unstable` is the nixpkgs instance imported from `nixpkgs-unstable`, added by the overlay in overlay.nix, whose config is the parent's (`inherit (final) system config`): `pkgs` is built from the NixOS configuration's `nixpkgs.config`, which allows no unfree packages — **refused**: this instance does not allow it. In nixosConfigurations.strict.

        Declared in `pkgs/by-name/sp/spotify/package.nix`. Decided by: the given package table."#]].assert_eq(&hover(fixture));
    // A host without the overlay: `pkgs.unstable` is not known in every context.
    let partly = fixture.replace(
        "modules = [ ./overlay.nix ./packages.nix ];",
        "modules = [ ./packages.nix ];",
    );
    assert_eq!(hover(&partly), "no hover");
    assert_eq!(
        completions(&partly.replace("pkgs.unstable.spo$0tify", "pkgs.unstable.$0")),
        ""
    );
}

#[test]
fn completion_in_a_file_that_does_not_parse() {
    // `[ pkgs.unstable. ]` swallows the rest of the file (covered above); another syntax error
    // elsewhere in the file leaves the module unknown: the default index, no nested sets.
    let broken = host("", "", "pkgs.$0").replace(
        "environment.systemPackages",
        "boot.x = (;\n  environment.systemPackages",
    );
    check_completions_two_indexes(
        &broken,
        expect![[r#"
            hello Some("free (gpl3Plus)")
            spotify Some("free (mit)")"#]],
    );
    check_completions_two_indexes(
        &broken.replace("pkgs.$0", "pkgs.unstable.$0"),
        expect![[r#""#]],
    );
}

#[test]
fn completion_through_a_let_and_on_an_imported_nixpkgs() {
    check_completions_two_indexes(
        &host("", "", "] ++ (let u = pkgs.unstable; in [ u.sp$0 ]) ++ ["),
        expect![[r#"spotify Some("unfree (unfree)")"#]],
    );
    // `import nixpkgs { overlays = [ … ]; }` in the flake itself.
    let flake = r#"
#- /flake.nix
{
  outputs = { self, nixpkgs, nixpkgs-unstable, ... }: let
    system = "x86_64-linux";
    overlay = final: prev: { unstable = import nixpkgs-unstable { inherit system; }; };
    pkgs = import nixpkgs { inherit system; overlays = [ overlay ]; };
  in {
    devShells.${system}.default = pkgs.mkShell { packages = [ pkgs.$0 ]; };
  };
}
"#;
    check_completions_two_indexes(
        flake,
        expect![[r#"
        unstable Some("nixpkgs instance of `nixpkgs-unstable`, added by an overlay")
        hello Some("free (gpl3Plus)")
        spotify Some("free (mit)")"#]],
    );
    check_completions_two_indexes(
        &flake.replace("pkgs.$0", "pkgs.unstable.$0"),
        expect![[r#"
            signal-desktop Some("free (gpl3Plus)")
            spotify Some("unfree (unfree)")"#]],
    );
    check_hover_two_indexes(
        &flake.replace("pkgs.$0", "pkgs.unstable.spot$0ify"),
        expect![[r#"
            /flake.nix:7:63-7:84
            **`spotify`** — unfree (license: unfree)

            Instance: `pkgs.unstable` is the nixpkgs instance imported from `nixpkgs-unstable`, added by the overlay in flake.nix, whose config allows no unfree packages — **refused**: this instance does not allow it.

            Declared in `pkgs/by-name/sp/spotify/package.nix`. Decided by: the given package table."#]],
    );
}

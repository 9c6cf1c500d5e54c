use expect_test::{Expect, expect};
use rowan::ast::AstNode;
use syntax::ast::{self, HasEntry};

use super::{ConfigSource, import_overlays, overlay_instance};

/// Every overlay function in the text (`x: y: …` whose body is a function): each attribute of
/// the set it returns, and what it makes.
fn check_overlays(text: &str, expect: Expect) {
    let root = syntax::parse(text).syntax_node();
    let mut out = String::new();
    for lambda in root.descendants().filter_map(ast::Lambda::cast) {
        let parent_is_lambda = lambda
            .syntax()
            .parent()
            .is_some_and(|p| ast::Lambda::cast(p).is_some());
        let body_is_lambda = matches!(lambda.body(), Some(ast::Expr::Lambda(_)));
        if parent_is_lambda || !body_is_lambda {
            continue;
        }
        let Some(ast::Expr::Lambda(inner)) = lambda.body() else {
            continue;
        };
        let Some(ast::Expr::AttrSet(set)) = inner.body() else {
            continue;
        };
        for av in set.attrpath_values() {
            let Some(value) = av.value() else { continue };
            let name = av.attrpath().map(|p| p.syntax().text().to_string());
            let made = match overlay_instance(&lambda, &value) {
                None => "not an instance".to_owned(),
                Some(i) => format!(
                    "{:?} of {:?}, config {}{}",
                    i.site.kind,
                    i.site.source,
                    match i.config {
                        ConfigSource::Parent => "of the parent".to_owned(),
                        ConfigSource::Own => i.site.config.describe(),
                    },
                    i.parent_config_entry
                        .map(|r| format!(" (`{}`)", &text[r]))
                        .unwrap_or_default()
                ),
            };
            out.push_str(&format!("{} -> {made}\n", name.unwrap_or_default()));
        }
    }
    expect.assert_eq(&out);
}

#[test]
fn instances_made_in_overlays() {
    check_overlays(
        r#"{ inputs, ... }: {
  a = final: _prev: {
    unstable = import inputs.nixpkgs-unstable { system = final.system; config.allowUnfree = true; };
  };
  b = final: prev: {
    unstable = import inputs.nixpkgs-unstable { inherit (final) system; config = final.config; };
    stable = import inputs.nixpkgs-stable { system = prev.system; inherit (prev) config; };
    master = import inputs.master { inherit (final) system; };
    legacy = inputs.nixpkgs-old.legacyPackages.${final.system};
    custom = final.callPackage ./custom.nix { };
  };
  c = self: super: {
    unstable = import inputs.nixpkgs-unstable { config = self.config; };
    other = import inputs.nixpkgs-unstable { config = inputs.self.config; };
    computed = import inputs.nixpkgs-unstable { config = removeAttrs super.config [ "x" ]; };
  };
}"#,
        expect![[r#"
            unstable -> Import of Some("nixpkgs-unstable"), config `allowUnfree = true`
            unstable -> Import of Some("nixpkgs-unstable"), config of the parent (`config = final.config;`)
            stable -> Import of Some("nixpkgs-stable"), config of the parent (`inherit (prev) config;`)
            master -> Import of Some("master"), config no unfree packages
            legacy -> LegacyPackages of Some("nixpkgs-old"), config no unfree packages
            custom -> not an instance
            unstable -> Import of Some("nixpkgs-unstable"), config of the parent (`config = self.config;`)
            other -> Import of Some("nixpkgs-unstable"), config a config the analysis cannot read
            computed -> Import of Some("nixpkgs-unstable"), config a config the analysis cannot read
        "#]],
    );
}

fn check_import(text: &str, expect: Expect) {
    let root = syntax::parse(text).syntax_node();
    let mut out = String::new();
    for apply in root.descendants().filter_map(ast::Apply::cast) {
        let Some(ast::Expr::AttrSet(args)) = apply.argument() else {
            continue;
        };
        if !args.syntax().text().to_string().contains("overlays") {
            continue;
        }
        let overlays = import_overlays(&args);
        out.push_str(&format!("open: {}\n", overlays.open));
        for attr in overlays.attrs {
            out.push_str(&format!(
                "  {} = {}\n",
                attr.name,
                attr.value
                    .map(|v| v.syntax().text().to_string())
                    .unwrap_or_else(|| "?".to_owned())
            ));
        }
    }
    expect.assert_eq(&out);
}

#[test]
fn overlays_of_an_import() {
    check_import(
        r#"{ nixpkgs, nixpkgs-unstable, self, ... }: let
  unstableOverlay = final: prev: let u = import nixpkgs-unstable { }; in {
    unstable = u;
    inherit u;
    inherit (prev) hello;
    nested.x = 1;
  };
  overlays = [ unstableOverlay ];
in {
  a = import nixpkgs { overlays = [ unstableOverlay (final: prev: { b = 1; }) ]; };
  b = import nixpkgs { inherit overlays; };
  c = import nixpkgs { overlays = [ self.overlays.default ]; };
  d = import nixpkgs { overlays = overlays ++ [ (import ./overlay.nix) ]; };
  e = import nixpkgs { overlays = [ (final: prev: prev.lib.optionalAttrs true { x = 1; }) ]; };
}"#,
        expect![[r#"
            open: false
              unstable = u
              u = import nixpkgs-unstable { }
              hello = ?
              nested = ?
              b = 1
            open: false
              unstable = u
              u = import nixpkgs-unstable { }
              hello = ?
              nested = ?
            open: true
            open: true
              unstable = u
              u = import nixpkgs-unstable { }
              hello = ?
              nested = ?
            open: true
        "#]],
    );
}

use expect_test::{Expect, expect};

use super::{Resolved, package_uses, resolve_package_set};

fn check(text: &str, expect: Expect) {
    let parse = syntax::parse(text);
    let root = parse.syntax_node();
    let mut out = String::new();
    for u in package_uses(&root) {
        let resolved = match resolve_package_set(&u.set) {
            Resolved::Instance(site) => format!(
                "{:?} from {:?} allows spotify: {:?}",
                site.kind,
                site.source,
                site.config.allows(Some("spotify"), &[])
            ),
            Resolved::Param { name, .. } => format!("param {name}"),
            Resolved::Unknown => "unknown".to_owned(),
        };
        out.push_str(&format!(
            "{:?} {} {:?} -> {resolved}\n",
            u.kind, &text[u.range], u.path
        ));
    }
    expect.assert_eq(&out);
}

#[test]
fn uses_in_built_positions() {
    check(
        r#"{ pkgs, pkgs-unstable, lib, ... }: {
  environment.systemPackages = [ pkgs.hello pkgs-unstable.spotify ] ++ lib.optionals true [ pkgs.steam ];
  programs.foo.package = lib.mkIf true pkgs-unstable.vscode;
  home.packages = with pkgs-unstable; [ discord (lib.getExe slack) ];
  x = "${pkgs.zoom-us}/bin/zoom";
  users.users.a.packages = builtins.attrValues { inherit (pkgs-unstable) obsidian; };
}"#,
        expect![[r#"
            Select pkgs.hello ["hello"] -> param pkgs
            Select pkgs-unstable.spotify ["spotify"] -> param pkgs-unstable
            Select pkgs.steam ["steam"] -> param pkgs
            Select pkgs-unstable.vscode ["vscode"] -> param pkgs-unstable
            With discord ["discord"] -> param pkgs-unstable
            With slack ["slack"] -> param pkgs-unstable
            Select pkgs.zoom-us ["zoom-us"] -> param pkgs
            Inherit obsidian ["obsidian"] -> param pkgs-unstable
        "#]],
    );
}

#[test]
fn not_uses() {
    check(
        r#"{ pkgs, lib, ... }: {
  description = pkgs.spotify.meta.description;
  v = pkgs.spotify.version;
  n = lib.getName pkgs.spotify;
  c = if pkgs.spotify.meta.unfree then 1 else 2;
  o = lib.optional (pkgs.spotify != null) 1;
  d = pkgs.spotify or null;
  l = let x = pkgs.spotify; in x.version;
  w = with pkgs; lib.getName spotify;
  environment.systemPackages = lib.optionals false (map lib.getName [ pkgs.spotify ]);
}"#,
        expect![""],
    );
}

#[test]
fn instances_made_in_the_file() {
    check(
        r#"{ nixpkgs, nixpkgs-unstable, inputs, ... }:
let
  system = "x86_64-linux";
  a = import nixpkgs-unstable { inherit system; };
  b = import nixpkgs-unstable { inherit system; config.allowUnfree = true; };
  c = nixpkgs-unstable.legacyPackages.${system};
  d = inputs.nixpkgs.legacyPackages.x86_64-linux;
  e = import "${nixpkgs}" { config = { allowUnfreePredicate = pkg: builtins.elem (lib.getName pkg) [ "spotify" ]; }; };
  f = import ./my-packages.nix { inherit pkgs; };
  g = import <nixpkgs> { };
in {
  packages = [ a.spotify b.spotify c.spotify d.spotify e.spotify f.spotify g.spotify.out ];
}"#,
        expect![[r#"
            Select a.spotify ["spotify"] -> Import from Some("nixpkgs-unstable") allows spotify: No
            Select b.spotify ["spotify"] -> Import from Some("nixpkgs-unstable") allows spotify: Yes("`allowUnfree = true`")
            Select c.spotify ["spotify"] -> LegacyPackages from Some("nixpkgs-unstable") allows spotify: No
            Select d.spotify ["spotify"] -> LegacyPackages from Some("nixpkgs") allows spotify: No
            Select e.spotify ["spotify"] -> Import from Some("nixpkgs") allows spotify: Yes("`allowUnfreePredicate` admits \"spotify\"")
            Select f.spotify ["spotify"] -> unknown
            Select g.spotify.out ["spotify", "out"] -> Import from Some("nixpkgs") allows spotify: No
        "#]],
    );
}

#[test]
fn scopes_follow_the_first_binding() {
    // Nested entries (`p.x = …`) do not bind `p` to a value; `inherit` stops the search; an
    // `@` binding stops `let` resolution but is not a parameter of the package set; a `rec`
    // preceded by a comment is still `rec`, a plain set binds nothing.
    check(
        r#"outer: let
  p.x = 1;
  p = import <nixpkgs> { config.allowUnfree = true; };
  q = import <nixpkgs> { };
  inherit (outer) r;
in {
  a = [ p.spotify r.spotify ];
  b = args@{ q, ... }: [ q.spotify args.spotify ];
  c = /* note */ rec { s = q; packages = [ s.spotify ]; };
  d = { q = outer; packages = [ q.spotify ]; };
}"#,
        expect![[r#"
            Select p.spotify ["spotify"] -> Import from Some("nixpkgs") allows spotify: Yes("`allowUnfree = true`")
            Select r.spotify ["spotify"] -> unknown
            Select q.spotify ["spotify"] -> param q
            Select args.spotify ["spotify"] -> unknown
            Select s.spotify ["spotify"] -> Import from Some("nixpkgs") allows spotify: No
            Select q.spotify ["spotify"] -> Import from Some("nixpkgs") allows spotify: No
        "#]],
    );
}

#[test]
fn all_packages_shape() {
    // `with self;` over a plain set: names are not bound by the set's own entries, and
    // arguments of `callPackage` are not built here.
    check(
        r#"{ lib, config, ... }:
self:
with self;
{
  spotify = callPackage ../applications/audio/spotify { };
  tool = callPackage ../tools/tool { extraPackages = [ spotify pkgs.vscode ]; };
  wrapped = writeShellScriptBin "w" "exec ${spotify}/bin/spotify";
  unfreeThing = callPackage ./x { meta.license = lib.licenses.unfree; };
}"#,
        expect![[r#"
            With spotify ["spotify"] -> param self
            Select pkgs.vscode ["vscode"] -> unknown
            With spotify ["spotify"] -> param self
        "#]],
    );
}

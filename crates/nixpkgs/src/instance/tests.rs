use rowan::ast::AstNode;
use syntax::ast;

use super::{Allowed, UnfreeConfig};

/// Reads the config of the first `import … { … }` argument set in `text`.
fn config(text: &str) -> Option<UnfreeConfig> {
    let parse = syntax::parse(text);
    let apply = parse
        .syntax_node()
        .descendants()
        .find_map(ast::Apply::cast)?;
    UnfreeConfig::from_import_args(&apply.argument()?)
}

fn allows(text: &str, name: &str) -> String {
    match config(text) {
        None => "default config".to_owned(),
        Some(c) => match c.allows(Some(name), &["unfree".to_owned()]) {
            Allowed::Yes(why) => format!("yes: {why}"),
            Allowed::No => "no".to_owned(),
            Allowed::Maybe => "maybe".to_owned(),
        },
    }
}

#[test]
fn config_forms() {
    let cases = [
        "import nixpkgs { system = \"x86_64-linux\"; }",
        "import nixpkgs { inherit system; config.allowUnfree = true; }",
        "import nixpkgs { config = { allowUnfree = true; }; }",
        "import nixpkgs { config = { allowUnfree = false; }; }",
        "import nixpkgs { config = { pkgs, lib }: { allowUnfree = true; }; }",
        "import nixpkgs { config.allowUnfreePredicate = pkg: builtins.elem (lib.getName pkg) [ \"spotify\" \"steam\" ]; }",
        "import nixpkgs { config.allowUnfreePredicate = pkg: builtins.elem (lib.getName pkg) [ \"steam\" ]; }",
        "import nixpkgs { config.allowUnfreePredicate = pkg: true; }",
        "import nixpkgs { config.allowUnfreePackages = [ \"spotify\" ]; }",
        "import nixpkgs { config = config.nixpkgs.config; }",
        "import nixpkgs { config.allowUnfree = someFlag; }",
        "import nixpkgs { inherit config; }",
        "import nixpkgs args",
        "let cfg = { allowUnfree = true; }; in import nixpkgs { config = cfg; }",
        "let names = [ \"spotify\" ]; in import nixpkgs { config.allowUnfreePredicate = p: lib.elem (lib.getName p) names; }",
        "import nixpkgs { config.allowlistedLicenses = with lib.licenses; [ unfree ]; }",
        "import nixpkgs { config.allowUnfreePredicate = null; }",
    ];
    let shown: Vec<String> = cases
        .iter()
        .map(|c| format!("{c}  =>  {}", allows(c, "spotify")))
        .collect();
    expect_test::expect![[r#"
        import nixpkgs { system = "x86_64-linux"; }  =>  default config
        import nixpkgs { inherit system; config.allowUnfree = true; }  =>  yes: `allowUnfree = true`
        import nixpkgs { config = { allowUnfree = true; }; }  =>  yes: `allowUnfree = true`
        import nixpkgs { config = { allowUnfree = false; }; }  =>  no
        import nixpkgs { config = { pkgs, lib }: { allowUnfree = true; }; }  =>  yes: `allowUnfree = true`
        import nixpkgs { config.allowUnfreePredicate = pkg: builtins.elem (lib.getName pkg) [ "spotify" "steam" ]; }  =>  yes: `allowUnfreePredicate` admits "spotify"
        import nixpkgs { config.allowUnfreePredicate = pkg: builtins.elem (lib.getName pkg) [ "steam" ]; }  =>  no
        import nixpkgs { config.allowUnfreePredicate = pkg: true; }  =>  maybe
        import nixpkgs { config.allowUnfreePackages = [ "spotify" ]; }  =>  yes: `allowUnfreePackages` lists "spotify"
        import nixpkgs { config = config.nixpkgs.config; }  =>  maybe
        import nixpkgs { config.allowUnfree = someFlag; }  =>  maybe
        import nixpkgs { inherit config; }  =>  maybe
        import nixpkgs args  =>  maybe
        let cfg = { allowUnfree = true; }; in import nixpkgs { config = cfg; }  =>  yes: `allowUnfree = true`
        let names = [ "spotify" ]; in import nixpkgs { config.allowUnfreePredicate = p: lib.elem (lib.getName p) names; }  =>  yes: `allowUnfreePredicate` admits "spotify"
        import nixpkgs { config.allowlistedLicenses = with lib.licenses; [ unfree ]; }  =>  yes: `allowlistedLicenses` lists its license
        import nixpkgs { config.allowUnfreePredicate = null; }  =>  no"#]]
    .assert_eq(&shown.join("\n"));
}

#[test]
fn unknown_pname_with_a_name_list_is_maybe() {
    let c = config("import nixpkgs { config.allowUnfreePredicate = p: builtins.elem (lib.getName p) [ \"zoom\" ]; }")
        .expect("has config");
    assert_eq!(c.allows(None, &[]), Allowed::Maybe);
    assert_eq!(
        UnfreeConfig::default_config().allows(None, &[]),
        Allowed::No
    );
}

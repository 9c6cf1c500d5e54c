//! Incremental reparsing: every incremental result must equal a fresh parse of the new text.

use proptest::prelude::*;

use crate::{Parse, ParseOrigin, SyntaxKind, TextRange, TextSize, parse};

/// Splits a fixture with one `$0` (an insertion point) or two (a replaced range).
fn extract(fixture: &str) -> (TextRange, String) {
    let parts: Vec<&str> = fixture.split("$0").collect();
    match parts.as_slice() {
        [before, after] => {
            let at = TextSize::of(*before);
            (TextRange::empty(at), format!("{before}{after}"))
        }
        [before, middle, after] => {
            let start = TextSize::of(*before);
            (
                TextRange::at(start, TextSize::of(*middle)),
                format!("{before}{middle}{after}"),
            )
        }
        _ => panic!("a fixture needs one or two `$0` markers"),
    }
}

/// Asserts that two parses are the same tree with the same errors.
fn assert_same(incremental: &Parse, fresh: &Parse, context: &str) {
    assert_eq!(
        format!("{:#?}", incremental.syntax_node()),
        format!("{:#?}", fresh.syntax_node()),
        "tree differs: {context}"
    );
    assert_eq!(
        incremental.errors(),
        fresh.errors(),
        "errors differ: {context}"
    );
    assert_eq!(
        incremental.raw_errors, fresh.raw_errors,
        "raw errors differ: {context}"
    );
    assert_eq!(incremental.is_too_deep(), fresh.is_too_deep(), "{context}");
}

/// Applies `insert` at the fixture's marker(s) and checks which path the reparse took.
#[track_caller]
fn check(fixture: &str, insert: &str, expected: ParseOrigin) {
    let (range, before) = extract(fixture);
    let old = parse(&before);
    let mut after = before.clone();
    after.replace_range(std::ops::Range::<usize>::from(range), insert);
    let fresh = parse(&after);
    let origin = match old.reparse(range, insert, &after) {
        Some(incremental) => {
            assert_same(&incremental, &fresh, &after);
            incremental.origin()
        }
        None => ParseOrigin::Full,
    };
    assert_eq!(origin, expected, "{after:?}");
}

use ParseOrigin::{BlockReparse as Block, Full, TokenRelex as Token};

#[test]
fn token_tier() {
    check("{ foo$0 = 1; }", "bar", Token);
    check("{ f$0oo = 1; }", "", Token);
    check("{ a = pkgs.hel$0lo; }", "x", Token);
    check("{ a = 1$02; }", "3", Token);
    check("{ a = 1.$05; }", "2", Token);
    check("{ a = 1;  $0 b = 2; }", "\n", Token);
    check("# comment$0\n{ }", " more words", Token);
    check("/* a $0*/ { }", "longer ", Token);
    check("{ a = \"hel$0lo\"; }", "x", Token);
    check("{ a = ''hel$0lo''; }", "x y", Token);
    check("{ a = \"x${b}hel$0lo\"; }", "🙂", Token);
    check("{ a = x.y.z$0; }", "'", Token);
    check("{ a = fo$0o-bar; }", "_", Token);
}

#[test]
fn token_tier_keeps_shifted_errors() {
    check("{ a = 1 b$0 = 2; c = 3 }", "cd", Token);
    check("{ a = 1; b = $0 }\n# tail", "", Token);
    check("[ 1 2 ] ] # extr$0a", "aaaa", Token);
}

#[test]
fn token_tier_refuses() {
    // Edits that make a keyword, `or`, `__curPos`, a path or a URI, or that type delimiters.
    check("{ a = i$0; b = 1; }", "n", Block);
    check("{ a = o$0; }", "r", Block);
    check("{ a = __curPo$0; }", "s", Block);
    check("{ a = x$0; }", "/y", Block);
    check("{ a = x$0; }", ":y", Block);
    check("{ a = b$0; }", " c", Block);
    check("{ a = b$0; }", "\"", Full);
    check("{ a = \"b$0\"; }", "$", Token);
    check("{ a = \"b$0 \"; }", "${", Full);
    check("{ a = \"b$0{\"; }", "$", Full);
    check("{ a = 1; # c$0\n b = 2; }", "\n", Block);
    check("{ a = 1; /* c$0 */ b = 2; }", "*/", Block);
    check("{ a = 1$0; }", "e", Block);
    check("{ a = 1.5$0; }", "e", Block);
}

#[test]
fn block_tier() {
    check("{ a = 1; b = { c = 2$0; }; }", " + 1", Block);
    check("{ a = [ x$0 ]; }", ".b", Block);
    check("{ a = ( x$0 ); }", " + 1", Block);
    check("let a = 1$0; in a", " + 2", Block);
    check("{ a = $01 + 2$0; }", "3", Block);
    check("x: rec { a = b$0; }", " c", Block);
    check("{ a = 1; }: $0", "x", Full);
    check("{ a = [ 1 $0]; }", "2 3 { b = 4; }", Block);
    check("{ inherit (p) a$0; }", " b", Block);
}

#[test]
fn binding_tier() {
    // A top-level binding is the smallest block around a value edit.
    check("{ a = x; b = ./p$0; c = 1; }", "/q", Block);
    check("let a = x$0; in a", "/y", Block);
    check("{ inherit (p) a$0; }", ".b", Block);
    check("{ a = 1; b = 2$0; }", "; c = 3", Block);
    check("{a = 1;b = $02$0;}", "x/y", Block);
}

#[test]
fn block_tier_keeps_errors_outside_the_block() {
    // Errors before and after the edited block stay, shifted when after it.
    check("[ ( ; ) { b = [ x$0 ]; } ( ; ) ]", " ./y", Block);
    check("[ { a = ./p$0; } ( ; ) ]", "/q", Block);
    // Errors inside the old block disappear when the new block is clean.
    check("{ b = [ ( $0;$0 ) ]; c = 1; } ]", "x", Block);
    check("{ b = { c = x $0; }; } ] ]", "./p", Block);
    // Errors without a position (end of file) send the edit to a full parse.
    check("{ a = [ x$0 ]; b = 1", "/y", Full);
    // So do errors around a `let … in …`, whose end depends on what follows it.
    check("[ (let a = 1; in a$0) ] ]", "/b", Block);
}

#[test]
fn block_tier_refuses() {
    // Unbalanced or erroneous blocks, edits that touch the block's own delimiters.
    check("{ a = { b = 1; $0}; }", "}", Full);
    check("{ a = { b = 1$0; }; }", ";", Full);
    check("{ a = [ 1 ]$0; }", "]", Block);
    check("{ a = {$0 }; }", "b", Full);
    check("[ (a$0) ]", ";", Full);
    check("let a = 1$0; in a", ";", Full);
}

const SEEDS: &[&str] = &[
    r#"{
  description = "A flake";
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
  inputs.home-manager = { url = "github:nix-community/home-manager"; inputs.nixpkgs.follows = "nixpkgs"; };
  outputs = { self, nixpkgs, home-manager, ... }@inputs: {
    nixosConfigurations.host = nixpkgs.lib.nixosSystem {
      specialArgs = { inherit inputs; };
      modules = [ ./configuration.nix home-manager.nixosModules.home-manager ];
    };
  };
}
"#,
    r#"{ config, lib, pkgs, ... }:
let
  cfg = config.services.foo;
  # A comment with 🙂 and 漢字.
in {
  options.services.foo.enable = lib.mkEnableOption "foo";
  config = lib.mkIf cfg.enable {
    environment.systemPackages = with pkgs; [ hello (callPackage ./pkg.nix { }) ];
    networking.firewall.allowedTCPPorts = [ 80 443 ];
    users.users.me.description = "Me ${config.networking.hostName} é";
    system.stateVersion = if cfg.enable then "24.05" else "23.11";
    boot.extraModprobeConfig = ''
      options foo bar=${toString 1.5}
    '';
  };
}
"#,
    "\u{feff}{\r\n  a = [ 1 2 ];\r\n  b = \"x${y}\";\r\n  c = ''\r\n    z\r\n  '';\r\n  d = let e = 1; in e;\r\n}\r\n",
    "{ lib, ... }: self: with self; {\n  foo = callPackage ../x/foo { };\n  bar = callPackage ../y { inherit (darwin) z; };\n  /* block */ baz = a // { b = c.d or 1; } ++ [ e ];\n  f = x: y: x |> y;\n}\n",
];

const SNIPPETS: &[&str] = &[
    "{", "}", "[", "]", "(", ")", ";", "=", "\"", "${", "#", ".", "a", "1", "🙂", "é", "漢", " ",
    "\n", "x", "''", "/*", "*/", "in", "let", "or", "rec", "/", ":", "\\", "$", "-", "e", "0.5",
    "\r\n", "__curPos", "inherit",
];

/// One random edit: where (a char index, reduced modulo the text length), how many chars to
/// delete, and what to insert.
fn edit_strategy() -> impl Strategy<Value = (usize, usize, &'static str)> {
    (any::<usize>(), 0usize..4, prop::sample::select(SNIPPETS))
}

/// Snippets that often keep a file valid, so the block tier (which needs an error-free file)
/// gets exercised too.
const BENIGN_SNIPPETS: &[&str] = &[
    "x",
    "42",
    "[ 1 ]",
    "(x + 1)",
    "{ }",
    "\"s🙂${y}\"",
    "{ b = 1; }",
    "rec { c = 2; }",
    "(let q = 1; in q)",
    "a.b",
    "./p",
    "[ ]",
    "( { } )",
];

fn benign_edit_strategy() -> impl Strategy<Value = (usize, usize, &'static str)> {
    (
        any::<usize>(),
        Just(0usize),
        prop::sample::select(BENIGN_SNIPPETS),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_edits_match_fresh_parse(
        seed in prop::sample::select(SEEDS),
        edits in prop::collection::vec(edit_strategy(), 1..24),
    ) {
        check_edit_sequence(seed, edits, false);
    }

    #[test]
    fn benign_random_edits_match_fresh_parse(
        seed in prop::sample::select(SEEDS),
        edits in prop::collection::vec(benign_edit_strategy(), 1..24),
    ) {
        check_edit_sequence(seed, edits, true);
    }
}

/// Whether `token` is a whole value: a number, or a name used as a variable (not an attribute
/// name, argument or inherited name).
fn is_value_token(token: &crate::SyntaxToken) -> bool {
    use SyntaxKind::*;
    let grandparent = token.parent().and_then(|p| p.parent()).map(|g| g.kind());
    match token.kind() {
        TOKEN_INTEGER => true,
        TOKEN_IDENT => !matches!(
            grandparent,
            Some(NODE_ATTRPATH | NODE_PAT_ENTRY | NODE_IDENT_PARAM | NODE_PAT_BIND | NODE_INHERIT)
        ),
        _ => false,
    }
}

/// Applies the edits one by one, checking every incremental result against a fresh parse.
/// With `on_values`, each edit replaces one identifier or number token (picked by the edit's
/// position) with a snippet, which keeps the file valid wherever that token was a value.
fn check_edit_sequence(seed: &str, edits: Vec<(usize, usize, &str)>, on_values: bool) {
    let mut text = seed.to_owned();
    let mut current = parse(&text);
    for (at, delete, insert) in edits {
        let range = if on_values {
            let values: Vec<TextRange> = current
                .syntax_node()
                .descendants_with_tokens()
                .filter_map(|e| e.into_token())
                .filter(is_value_token)
                .map(|t| t.text_range())
                .collect();
            if values.is_empty() {
                return;
            }
            values[at % values.len()]
        } else {
            let boundaries: Vec<usize> = text
                .char_indices()
                .map(|(i, _)| i)
                .chain([text.len()])
                .collect();
            let start_idx = at % boundaries.len();
            let end_idx = (start_idx + delete).min(boundaries.len() - 1);
            TextRange::new(
                (boundaries[start_idx] as u32).into(),
                (boundaries[end_idx] as u32).into(),
            )
        };
        let before = text.clone();
        text.replace_range(std::ops::Range::<usize>::from(range), insert);
        let fresh = parse(&text);
        let context = format!("{before:?} {range:?} {insert:?}");
        let incremental = current.reparse(range, insert, &text);
        if std::env::var_os("REPARSE_STATS").is_some() {
            eprintln!(
                "REPARSE_STATS {:?}",
                incremental.as_ref().map(|p| p.origin())
            );
        }
        current = match incremental {
            Some(incremental) => {
                assert_same(&incremental, &fresh, &context);
                incremental
            }
            None => fresh,
        };
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    /// Edits that do not describe the new text (wrong ranges, ranges inside characters, texts
    /// of the wrong length) never panic.
    #[test]
    fn inconsistent_edits_never_panic(
        seed in prop::sample::select(SEEDS),
        start in 0u32..2000,
        len in 0u32..8,
        insert in prop::sample::select(SNIPPETS),
        new_text in prop::sample::select(SEEDS),
    ) {
        let old = parse(seed);
        let range = TextRange::at(start.into(), len.into());
        let _ = old.reparse(range, insert, new_text);
        let mut spliced = seed.to_owned();
        let (s, e) = (start as usize, (start + len) as usize);
        if e <= spliced.len() {
            spliced.replace_range(floor(seed, s)..floor(seed, e).max(floor(seed, s)), insert);
            let _ = old.reparse(range, insert, &spliced);
        }
    }
}

fn floor(text: &str, mut idx: usize) -> usize {
    while !text.is_char_boundary(idx) {
        idx -= 1;
    }
    idx
}

#[test]
fn reparse_rejects_inconsistent_edits() {
    let old = parse("{ a = 1; }");
    // The new text does not match the edit.
    assert!(
        old.reparse(TextRange::empty(6.into()), "2", "{ a = 1; }")
            .is_none()
    );
    // The range is past the end of the old text.
    assert!(
        old.reparse(TextRange::empty(60.into()), "2", "{ a = 1; }2")
            .is_none()
    );
}

#[test]
fn seeds_are_valid() {
    for seed in SEEDS {
        assert_eq!(parse(seed).errors(), [], "{seed}");
    }
}

#[test]
fn nesting_cap_is_respected_incrementally() {
    // Growing a block past the nesting cap must give what a fresh parse gives: the flat tree.
    let deep = |n: usize, inner: &str| format!("{}{inner}{}", "[".repeat(n), "]".repeat(n));
    let fixture = deep(1_995, "[ x$0 ]");
    check(&fixture, " [[[[[[[[[[ ]]]]]]]]]]", Full);
    // Below the cap, the block tier works at depth too.
    check(&fixture, " [ y ]", Block);
    // A too-deep file is always reparsed in full.
    let flat = deep(3_000, "x$0");
    check(&flat, "y", Full);
}

//! Snapshot tests of every flake diagnostic, with look-alikes that must stay silent.

use base::{FileId, TextRange};
use expect_test::{Expect, expect};

use super::{FlakeContext, LockState, check_flake};
use crate::{FlakeModel, Lock};

const NIX: FileId = FileId(0);
const LOCK: FileId = FileId(1);

/// Splits `flake.nix` text from an optional `#- /flake.lock` part.
fn split(fixture: &str) -> (String, Option<String>) {
    match fixture.split_once("#- /flake.lock\n") {
        Some((nix, lock)) => (nix.to_owned(), Some(lock.to_owned())),
        None => (fixture.to_owned(), None),
    }
}

fn line_col(text: &str, offset: usize) -> String {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    format!("{line}:{col}")
}

fn apply(text: &str, edits: &[base::TextEdit]) -> String {
    let mut edits = edits.to_vec();
    edits.sort_by_key(|e| std::cmp::Reverse(e.range.start()));
    let mut out = text.to_owned();
    for edit in edits {
        out.replace_range(
            usize::from(edit.range.start())..usize::from(edit.range.end()),
            &edit.new_text,
        );
    }
    out
}

/// Renders diagnostics and applied fixes, leaving out the `no-lock-file` note (tested alone).
pub(crate) fn render(fixture: &str) -> String {
    render_all(fixture)
        .lines()
        .filter(|l| !l.contains(" no-lock-file: "))
        .map(|l| format!("{l}\n"))
        .collect()
}

fn render_all(fixture: &str) -> String {
    let (nix, lock_text) = split(fixture);
    let model = FlakeModel::from_text(&nix);
    let parsed = lock_text.as_deref().map(Lock::parse);
    let lock = match &parsed {
        None => LockState::Missing,
        Some(Ok(lock)) => LockState::Loaded(lock),
        Some(Err(e)) => LockState::Malformed(e),
    };
    let cx = FlakeContext {
        model: &model,
        nix_text: &nix,
        nix_file: NIX,
        lock_file: lock_text.as_ref().map(|_| LOCK),
        lock,
        used_elsewhere: &Default::default(),
    };
    let mut out = String::new();
    for d in check_flake(&cx) {
        let (file, text) = if d.location.file_id == NIX {
            ("flake.nix", nix.as_str())
        } else {
            ("flake.lock", lock_text.as_deref().unwrap_or(""))
        };
        let range: TextRange = d.location.range;
        out.push_str(&format!(
            "{file}:{} {:?} {} {}{}: {}\n",
            line_col(text, usize::from(range.start())),
            &text[range],
            d.severity.as_str(),
            d.code.as_str(),
            if d.unnecessary { " (unnecessary)" } else { "" },
            d.message
        ));
        for related in &d.related {
            out.push_str(&format!(
                "  related {} {:?}: {}\n",
                line_col(text, usize::from(related.location.range.start())),
                &text[related.location.range],
                related.message
            ));
        }
        for fix in &d.fixes {
            out.push_str(&format!("  fix {:?}:\n", fix.label));
            for edits in fix.change.edits.values() {
                for line in apply(&nix, edits).lines() {
                    out.push_str(&format!("    |{line}\n"));
                }
            }
        }
    }
    out
}

fn check(fixture: &str, expect: Expect) {
    expect.assert_eq(&render(fixture));
}

/// A v7 lock whose root has the given `name → node` inputs and github nodes `o/<node>`.
fn lock(root_inputs: &str, nodes: &str) -> String {
    format!(
        r#"{{
  "nodes": {{
{nodes}
    "root": {{ "inputs": {{ {root_inputs} }} }}
  }},
  "root": "root",
  "version": 7
}}"#
    )
}

fn github_node(id: &str, repo: &str, inputs: &str) -> String {
    format!(
        r#"    "{id}": {{
      "inputs": {{ {inputs} }},
      "locked": {{ "lastModified": 1727348695, "narHash": "sha256-J+PeFKSDV+pHL7ukkfpVzCOO7mBSrrpJ3svwBFABbhI=", "owner": "o", "repo": "{repo}", "rev": "1925c603f17fc89f4c8f6bf6f631a802ad85d784", "type": "github" }},
      "original": {{ "owner": "o", "repo": "{repo}", "type": "github" }}
    }},
"#
    )
}

#[test]
fn clean_flake_is_silent() {
    let nix = r#"{
  description = "ok";
  inputs.nixpkgs.url = "github:o/nixpkgs";
  inputs.hm.url = "github:o/hm";
  inputs.hm.inputs.nixpkgs.follows = "nixpkgs";
  nixConfig.extra-substituters = [ "https://cache.example.org" ];
  inputs.self.submodules = true;
  outputs = { self, nixpkgs, hm, ... }: { x = hm.lib; y = nixpkgs.lib; z = self.outPath; };
}
"#;
    let lock = lock(
        r#""nixpkgs": "nixpkgs", "hm": "hm""#,
        &(github_node("nixpkgs", "nixpkgs", "")
            + &github_node("hm", "hm", r#""nixpkgs": ["nixpkgs"]"#)),
    );
    check(&format!("{nix}#- /flake.lock\n{lock}"), expect![[r#""#]]);
}

#[test]
fn undeclared_input() {
    check(
        r#"{
  inputs.nixpkgs.url = "github:o/nixpkgs";
  outputs = { self, nixpkgs, ... }@inputs: {
    a = inputs.home-manager.nixosModules.default;
    b = self.inputs.sops-nix;
    c = inputs.maybe or null;
    c2 = if inputs ? tested then inputs.tested.x else null;
    d = inputs ? other;
    e = inputs.self;
    f = nixpkgs;
  };
}
"#,
        expect![[r#"
            flake.nix:4:16 "home-manager" error undeclared-input: This flake has no input `home-manager`; declare it in `inputs`.
              fix "Declare input `home-manager`":
                |{
                |  inputs.nixpkgs.url = "github:o/nixpkgs";
                |  inputs.home-manager.url = "github:nix-community/home-manager";
                |  outputs = { self, nixpkgs, ... }@inputs: {
                |    a = inputs.home-manager.nixosModules.default;
                |    b = self.inputs.sops-nix;
                |    c = inputs.maybe or null;
                |    c2 = if inputs ? tested then inputs.tested.x else null;
                |    d = inputs ? other;
                |    e = inputs.self;
                |    f = nixpkgs;
                |  };
                |}
            flake.nix:5:21 "sops-nix" error undeclared-input: This flake has no input `sops-nix`; declare it in `inputs`.
              fix "Declare input `sops-nix`":
                |{
                |  inputs.nixpkgs.url = "github:o/nixpkgs";
                |  inputs.sops-nix.url = "github:Mic92/sops-nix";
                |  outputs = { self, nixpkgs, ... }@inputs: {
                |    a = inputs.home-manager.nixosModules.default;
                |    b = self.inputs.sops-nix;
                |    c = inputs.maybe or null;
                |    c2 = if inputs ? tested then inputs.tested.x else null;
                |    d = inputs ? other;
                |    e = inputs.self;
                |    f = nixpkgs;
                |  };
                |}
        "#]],
    );
}

#[test]
fn undeclared_formal_is_a_registry_input() {
    check(
        r#"{
  inputs = {
    nixpkgs.url = "github:o/nixpkgs";
  };
  outputs = { self, nixpkgs, flake-utils, extra ? null }: flake-utils.lib.x nixpkgs;
}
"#,
        expect![[r#"
            flake.nix:5:30 "flake-utils" warning undeclared-input: `flake-utils` is not declared in `inputs`, so Nix looks it up in the flake registry (`flake:flake-utils`); declare it with a URL to pin where it comes from.
              fix "Declare input `flake-utils`":
                |{
                |  inputs = {
                |    nixpkgs.url = "github:o/nixpkgs";
                |    flake-utils.url = "github:numtide/flake-utils";
                |  };
                |  outputs = { self, nixpkgs, flake-utils, extra ? null }: flake-utils.lib.x nixpkgs;
                |}
        "#]],
    );
}

#[test]
fn unused_input() {
    check(
        r#"{
  inputs.nixpkgs.url = "github:o/nixpkgs";
  inputs.unused.url = "github:o/unused";
  inputs.systems.url = "github:nix-systems/default";
  inputs.utils = {
    url = "github:numtide/flake-utils";
    inputs.systems.follows = "systems";
  };
  outputs = { self, nixpkgs, utils, unused, ... }: { x = utils.lib; y = nixpkgs; };
}
"#,
        expect![[r#"
            flake.nix:3:10 "unused" warning unused-input (unnecessary): Input `unused` is never used: `outputs` does not reference it and no `follows` points to it.
              fix "Remove input `unused`":
                |{
                |  inputs.nixpkgs.url = "github:o/nixpkgs";
                |  inputs.systems.url = "github:nix-systems/default";
                |  inputs.utils = {
                |    url = "github:numtide/flake-utils";
                |    inputs.systems.follows = "systems";
                |  };
                |  outputs = { self, nixpkgs, utils, ... }: { x = utils.lib; y = nixpkgs; };
                |}
        "#]],
    );
}

#[test]
fn unused_input_nested_style() {
    check(
        r#"{
  inputs = {
    nixpkgs.url = "github:o/nixpkgs";
    old = { url = "github:o/old"; flake = false; };
  };
  outputs = { nixpkgs, self, old }: { y = nixpkgs; };
}
"#,
        expect![[r#"
            flake.nix:4:5 "old" warning unused-input (unnecessary): Input `old` is never used: `outputs` does not reference it and no `follows` points to it.
              fix "Remove input `old`":
                |{
                |  inputs = {
                |    nixpkgs.url = "github:o/nixpkgs";
                |  };
                |  outputs = { nixpkgs, self }: { y = nixpkgs; };
                |}
        "#]],
    );
}

#[test]
fn unused_input_look_alikes() {
    // The whole set escapes into specialArgs: any input may be used by a module.
    check(
        r#"{
  inputs.nixpkgs.url = "github:o/nixpkgs";
  inputs.hm.url = "github:o/hm";
  outputs = { self, nixpkgs, ... }@inputs: {
    nixosConfigurations.x = nixpkgs.lib.nixosSystem { specialArgs = { inherit inputs; }; modules = [ ]; };
  };
}
"#,
        expect![""],
    );
    // `self` passed on may reach `self.inputs`.
    check(
        r#"{
  inputs.hm.url = "github:o/hm";
  outputs = { self, ... }: { lib = import ./lib.nix self; };
}
"#,
        expect![""],
    );
    // Used only through an alias, `inherit (inputs)`, and `self.inputs`.
    check(
        r#"{
  inputs.a.url = "github:o/a";
  inputs.b.url = "github:o/b";
  inputs.c.url = "github:o/c";
  outputs = { self, ... }@inputs: let inherit (inputs) a; bb = inputs.b; in { x = a; y = bb; z = self.inputs.c; };
}
"#,
        expect![""],
    );
    // `outputs` is not a function literal we can read.
    check(
        r#"{
  inputs.a.url = "github:o/a";
  outputs = inputs: import ./outputs.nix inputs;
}
"#,
        expect![""],
    );
}

#[test]
fn unknown_follows() {
    check(
        r#"{
  inputs.nixpkgs.url = "github:o/nixpkgs";
  inputs.hm.url = "github:o/hm";
  inputs.hm.inputs.nixpkgs.follows = "nixpgks";
  inputs.x.follows = "missing/nixpkgs";
  inputs.y.follows = "z";
  inputs.z.follows = "y";
  inputs.gone.follows = "";
  inputs.ok.follows = "hm/nixpkgs";
  outputs = { self, ... }@inputs: f inputs;
}
"#,
        expect![[r#"
            flake.nix:4:38 "\"nixpgks\"" error unknown-follows: `follows = "nixpgks"` names `nixpgks`, which is not an input of this flake.
            flake.nix:5:22 "\"missing/nixpkgs\"" error unknown-follows: `follows = "missing/nixpkgs"` names `missing`, which is not an input of this flake.
            flake.nix:6:22 "\"z\"" error unknown-follows: Input `y` follows itself through a circle of `follows`.
            flake.nix:7:22 "\"y\"" error unknown-follows: Input `z` follows itself through a circle of `follows`.
        "#]],
    );
}

#[test]
fn unknown_follows_with_lock() {
    let nix = r#"{
  inputs.nixpkgs.url = "github:o/nixpkgs";
  inputs.hm.url = "github:o/hm";
  inputs.hm.inputs.nixpkgs.follows = "nixpkgs";
  inputs.hm.inputs.flake-utils.follows = "nixpkgs";
  inputs.deep.follows = "hm/nope";
  outputs = { self, ... }@inputs: f inputs;
}
"#;
    let lock = lock(
        r#""nixpkgs": "nixpkgs", "hm": "hm""#,
        &(github_node("nixpkgs", "nixpkgs", "")
            + &github_node("hm", "hm", r#""nixpkgs": ["nixpkgs"]"#)),
    );
    check(
        &format!("{nix}#- /flake.lock\n{lock}"),
        expect![[r#"
        flake.nix:5:42 "\"nixpkgs\"" warning unknown-follows: According to flake.lock, input `hm` has no input `flake-utils`, so this override does nothing.
        flake.nix:6:10 "deep" warning stale-lock: flake.lock is out of date: input `deep` is not in it; run `nix flake lock` to update flake.lock.
        flake.nix:6:25 "\"hm/nope\"" warning unknown-follows: `follows = "hm/nope"`: according to flake.lock, that input does not exist.
    "#]],
    );
}

#[test]
fn duplicate_and_structure() {
    check(
        r#"{
  description = "x";
  inputs.a.url = "github:o/a";
  inputs = { a.url = "github:o/b"; };
  outputs = { self, a }: { };
  packages = { };
}
"#,
        expect![[r#"
            flake.nix:3:10 "a" warning unused-input (unnecessary): Input `a` is never used: `outputs` does not reference it and no `follows` points to it.
              fix "Remove input `a`":
                |{
                |  description = "x";
                |  inputs = { a.url = "github:o/b"; };
                |  outputs = { self }: { };
                |  packages = { };
                |}
            flake.nix:4:14 "a" error duplicate-input: `inputs.a` is defined twice; Nix rejects the file.
              related 3:10 "a": first defined here
            flake.nix:6:3 "packages" error flake-structure: `packages` is not a flake attribute; `flake.nix` may only define `description`, `inputs`, `outputs` and `nixConfig`.
        "#]],
    );
    check(
        r#"{ description = "no outputs"; }"#,
        expect![[r#"
        flake.nix:1:1 "{" error flake-structure: This flake has no `outputs`; add `outputs = { self, ... }: { };`.
    "#]],
    );
    check(
        r#"{
  inputs.a.url = "github:o/a";
  inputs.b.url = "github:o/b";
  outputs = { a }: { x = a; };
}
"#,
        expect![[r#"
            flake.nix:3:10 "b" warning unused-input (unnecessary): Input `b` is never used: `outputs` does not reference it and no `follows` points to it.
              fix "Remove input `b`":
                |{
                |  inputs.a.url = "github:o/a";
                |  outputs = { a }: { x = a; };
                |}
            flake.nix:4:13 "{ a }" error flake-structure: Nix calls `outputs` with `self`, `b`, which this pattern does not accept; add them or `...`.
              related 3:10 "b": input `b` is declared here
        "#]],
    );
}

#[test]
fn stale_lock() {
    let nix = r#"{
  inputs.nixpkgs.url = "github:o/nixpkgs/nixos-unstable";
  inputs.hm.url = "github:o/hm";
  inputs.hm.inputs.nixpkgs.follows = "nixpkgs";
  inputs.new.url = "github:o/new";
  inputs.src = { type = "github"; owner = "o"; repo = "src"; };
  inputs.assets = { url = "github:o/assets"; flake = false; };
  outputs = { self, ... }@inputs: f inputs;
}
"#;
    let lock = lock(
        r#""nixpkgs": "nixpkgs", "hm": "hm", "src": "src", "assets": "assets", "dropped": "dropped""#,
        &(github_node("nixpkgs", "nixpkgs", "")
            + &github_node("hm", "hm", r#""nixpkgs": "nixpkgs""#)
            + &github_node("src", "src", "")
            + &github_node("assets", "assets", "")
            + &github_node("dropped", "dropped", "")),
    );
    check(
        &format!("{nix}#- /flake.lock\n{lock}"),
        expect![[r#"
        flake.nix:2:10 "nixpkgs" warning stale-lock: flake.lock is out of date: input `nixpkgs` is locked from `github:o/nixpkgs`, but flake.nix now says `github:o/nixpkgs/nixos-unstable`; run `nix flake lock` to update flake.lock.
        flake.nix:3:10 "hm" warning stale-lock: flake.lock is out of date: flake.nix makes input `hm/nixpkgs` follow `nixpkgs`, but the lock has a separate copy; run `nix flake lock` to update flake.lock.
        flake.nix:5:10 "new" warning stale-lock: flake.lock is out of date: input `new` is not in it; run `nix flake lock` to update flake.lock.
        flake.nix:7:10 "assets" warning stale-lock: flake.lock is out of date: input `assets` changed `flake = false`; run `nix flake lock` to update flake.lock.
        flake.lock:23:5 "\"dropped\"" warning stale-lock: flake.lock still has input `dropped`, which flake.nix no longer declares; run `nix flake lock` to update flake.lock.
    "#]],
    );
}

#[test]
fn defaulted_formal_is_not_stale() {
    let nix = "{ inputs.a.url = \"github:o/a\"; outputs = { self, a, extra ? null }: { x = [ a extra ]; }; }\n";
    let lock = lock(r#""a": "a""#, &github_node("a", "a", ""));
    check(&format!("{nix}#- /flake.lock\n{lock}"), expect![[r#""#]]);
}

#[test]
fn no_lock_file() {
    let check = |fixture: &str, expect: Expect| expect.assert_eq(&render_all(fixture));
    check(
        r#"{
  inputs.nixpkgs.url = "github:o/nixpkgs";
  outputs = { nixpkgs, ... }: { x = nixpkgs; };
}
"#,
        expect![[r#"
            flake.nix:2:3 "inputs" info no-lock-file: This flake has no flake.lock yet; Nix writes one on the first `nix build` or `nix flake lock`. Lock data (revisions, store paths) is unavailable until then.
        "#]],
    );
    // A flake without inputs needs no lock.
    check("{ outputs = { self }: { }; }", expect![[r#""#]]);
    check(
        "{ inputs = { }; outputs = { self }: { }; }",
        expect![[r#""#]],
    );
}

#[test]
fn malformed_locks() {
    let nix = "{ inputs.a.url = \"github:o/a\"; outputs = { self, a }: { x = a; }; }\n";
    let cases = [
        "not json",
        "[1, 2]",
        r#"{ "version": 7, "root": "root", "nodes": { "root": { "inputs": { "a": "ghost" } } } }"#,
        r#"{ "version": 7, "root": "root", "nodes": { "root": { "inputs": { "a": ["b"], "b": ["a"] } } } }"#,
        r#"{ "version": 4, "root": "root", "nodes": { } }"#,
        r#"{ "version": 7, "root": "root", "nodes": { "root": { "inputs": { "a": 3 } } } }"#,
        r#"{ "version": 7, "root": "top", "nodes": { } }"#,
    ];
    let out: String = cases
        .iter()
        .map(|lock| render(&format!("{nix}#- /flake.lock\n{lock}")))
        .collect();
    expect![[r#"
        flake.lock:1:2 "o" error malformed-lock: `flake.lock` is not valid JSON: expected ident at line 1 column 2. Nix cannot use this lock file; delete it and run `nix flake lock` to write a new one.
        flake.lock:1:1 "" error malformed-lock: `flake.lock` must hold a JSON object. Nix cannot use this lock file; delete it and run `nix flake lock` to write a new one.
        flake.lock:1:44 "\"root\"" error malformed-lock: Input `a` of node `root` points to `ghost`, which is not a node. Nix cannot use this lock file; delete it and run `nix flake lock` to write a new one.
        flake.nix:1:10 "a" warning stale-lock: flake.lock is out of date: input `a` follows `b` in it, but flake.nix gives it its own source; run `nix flake lock` to update flake.lock.
        flake.lock:1:44 "\"root\"" error malformed-lock: Input `a` of node `root` follows `b`, which goes round in a circle of `follows`. Evaluating that input overflows Nix's stack; fix the `follows` in flake.nix and run `nix flake lock`.
        flake.lock:1:44 "\"root\"" error malformed-lock: Input `b` of node `root` follows `a`, which goes round in a circle of `follows`. Evaluating that input overflows Nix's stack; fix the `follows` in flake.nix and run `nix flake lock`.
        flake.lock:1:44 "\"root\"" warning stale-lock: flake.lock still has input `b`, which flake.nix no longer declares; run `nix flake lock` to update flake.lock.
        flake.lock:1:1 "" error malformed-lock: `flake.lock` version 4 is not supported (versions 5 to 7 are); run `nix flake lock` with a current Nix. Nix cannot use this lock file; delete it and run `nix flake lock` to write a new one.
        flake.lock:1:44 "\"root\"" error malformed-lock: Node `root`: input `a` must be a node id or a list of input names. Nix cannot use this lock file; delete it and run `nix flake lock` to write a new one.
        flake.lock:1:1 "" error malformed-lock: The root node `top` is not in `nodes`. Nix cannot use this lock file; delete it and run `nix flake lock` to write a new one.
    "#]].assert_eq(&out);
}

mod never_panics {
    use proptest::prelude::*;

    use super::render;

    const SAMPLE: &str = r#"{
  description = "x";
  inputs = { nixpkgs.url = "github:NixOS/nixpkgs"; hm = { url = "github:o/hm"; inputs.nixpkgs.follows = "nixpkgs"; }; };
  inputs.x.follows = "hm/nixpkgs";
  outputs = { self, nixpkgs, ... }@inputs: let np = inputs.nixpkgs; inherit (inputs) hm; in rec { a = np; b = hm; c = self.inputs.x; d = f inputs; };
}
#- /flake.lock
{ "version": 7, "root": "root", "nodes": { "root": { "inputs": { "nixpkgs": "n", "hm": "h", "x": ["hm", "nixpkgs"] } },
  "n": { "locked": { "type": "github", "owner": "NixOS", "repo": "nixpkgs", "narHash": "sha256-J+PeFKSDV+pHL7ukkfpVzCOO7mBSrrpJ3svwBFABbhI=" }, "original": { "type": "github", "owner": "NixOS", "repo": "nixpkgs" } },
  "h": { "inputs": { "nixpkgs": ["nixpkgs"] }, "locked": { "type": "github", "owner": "o", "repo": "hm" }, "original": { "type": "github", "owner": "o", "repo": "hm" } } } }
"#;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// Cutting the sample anywhere and inserting Nix-ish fragments never panics.
        #[test]
        fn mutated_flakes(cut in 0usize..SAMPLE.len(), len in 0usize..40, insert in "[{}()\\[\\];=.:@?\"'$a-z ,/\n]{0,12}") {
            let mut text = SAMPLE.to_owned();
            let mut start = cut.min(text.len());
            while !text.is_char_boundary(start) { start -= 1; }
            let mut end = (start + len).min(text.len());
            while !text.is_char_boundary(end) { end -= 1; }
            text.replace_range(start..end, &insert);
            let _ = render(&text);
        }
    }
}

/// Shapes of real-world flakes that must produce no diagnostic (no lock given, so the
/// `no-lock-file` note is left out by `render`).
#[test]
fn realistic_flakes_are_silent() {
    let flakes = [
        // flake-utils with a per-system function.
        r#"{
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
    flake-utils.url = "github:numtide/flake-utils";
  };
  outputs = { self, nixpkgs, flake-utils }:
    flake-utils.lib.eachDefaultSystem (system:
      let pkgs = nixpkgs.legacyPackages.${system}; in {
        packages.default = pkgs.hello;
        devShells.default = pkgs.mkShell { packages = [ pkgs.git ]; };
      });
}"#,
        // flake-parts: the whole set goes to mkFlake.
        r#"{
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
    flake-parts.url = "github:hercules-ci/flake-parts";
    treefmt-nix.url = "github:numtide/treefmt-nix";
  };
  outputs = inputs@{ flake-parts, ... }:
    flake-parts.lib.mkFlake { inherit inputs; } {
      systems = [ "x86_64-linux" ];
      imports = [ inputs.treefmt-nix.flakeModule ];
      perSystem = { pkgs, inputs', ... }: { packages.default = pkgs.hello; };
    };
}"#,
        // NixOS + home-manager with specialArgs.
        r#"{
  description = "my machines";
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.05";
    home-manager = { url = "github:nix-community/home-manager/release-24.05"; inputs.nixpkgs.follows = "nixpkgs"; };
    sops-nix.url = "github:Mic92/sops-nix";
  };
  outputs = { self, nixpkgs, home-manager, ... }@inputs: {
    nixosConfigurations.laptop = nixpkgs.lib.nixosSystem {
      system = "x86_64-linux";
      specialArgs = { inherit inputs; };
      modules = [ ./configuration.nix home-manager.nixosModules.home-manager ];
    };
  };
}"#,
        // Outputs in another file.
        r#"{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  inputs.extra.url = "github:o/extra";
  outputs = inputs: import ./outputs.nix inputs;
}"#,
        // Inputs through `self.inputs` and a `with`-free helper taking `self`.
        r#"{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  inputs.data = { url = "github:o/data"; flake = false; };
  outputs = { self, ... }: {
    lib = import ./lib { inherit self; };
    packages.x86_64-linux.default = self.inputs.nixpkgs.legacyPackages.x86_64-linux.hello;
  };
}"#,
        // A pattern with defaults, a registry-free `self` only flake, nixConfig.
        r#"{
  nixConfig = { extra-substituters = [ "https://cache.example.org" ]; };
  inputs.nixpkgs.url = "nixpkgs";
  outputs = { self, nixpkgs, unstable ? null, ... }: { x = nixpkgs; y = unstable; };
}"#,
        // `follows = ""` and an input only used by follows.
        r#"{
  inputs.systems.url = "github:nix-systems/default";
  inputs.utils = { url = "github:numtide/flake-utils"; inputs.systems.follows = "systems"; };
  inputs.me = { url = "github:o/me"; inputs.parent.follows = ""; };
  outputs = { self, utils, me, ... }: { x = [ utils me ]; };
}"#,
        // Inputs re-exported, and mapped over with builtins.
        r#"{
  inputs.a.url = "github:o/a";
  inputs.b.url = "github:o/b";
  outputs = { self, ... }@inputs: {
    sources = builtins.mapAttrs (name: input: input.outPath) (builtins.removeAttrs inputs [ "self" ]);
  };
}"#,
    ];
    let out: String = flakes.iter().map(|f| render(f)).collect();
    expect![[r#""#]].assert_eq(&out);
}

#[test]
fn escapes_followed_by_the_caller() {
    let nix = r#"{
  inputs.nixpkgs.url = "github:o/nixpkgs";
  inputs.hm.url = "github:o/hm";
  inputs.old.url = "github:o/old";
  outputs = { self, nixpkgs, ... }@inputs: {
    nixosConfigurations.x = nixpkgs.lib.nixosSystem { specialArgs = { inherit inputs; }; modules = [ ./x.nix ]; };
  };
}
"#;
    let model = FlakeModel::from_text(nix);
    assert_eq!(model.uses.escapes.len(), 1);
    // The module graph followed `specialArgs` and saw `inputs.hm` used in ./x.nix.
    let elsewhere = super::UsesElsewhere {
        followed_escapes: model.uses.escapes.clone(),
        inputs: vec!["hm".to_owned()],
    };
    let unused: Vec<&str> = super::unused_inputs(&model, &elsewhere)
        .iter()
        .map(|i| i.name.as_str())
        .collect();
    assert_eq!(unused, ["old"]);
    // Without that knowledge, nothing is reported.
    assert!(super::unused_inputs(&model, &Default::default()).is_empty());
}

/// The four flagged URLs fail `nix flake lock` in Nix 2.8 with a parse error; the others parse.
#[test]
fn invalid_input_urls() {
    check(
        r#"{
  inputs.a.url = "githb:o/a";
  inputs.b.url = "github:onlyowner";
  inputs.c.url = "github:o/c/main?ref=dev";
  inputs.d.url = "git://example.org/d.git";
  inputs.e.url = "nixpkgs/nixos-24.05";
  inputs.f.url = "git+ssh://git@example.org/f.git";
  inputs.g.url = "https://example.org/g.tar.gz";
  inputs.h.url = "/abs/path";
  inputs.i = { url = "github:o/i"; inputs.x.url = "nope nope"; };
  outputs = { self, ... }@inputs: f inputs;
}
"#,
        expect![[r#"
            flake.nix:2:18 "\"githb:o/a\"" warning invalid-input-url: Nix cannot read this flake URL: `githb:` is not a flake URL scheme Nix knows.
            flake.nix:3:18 "\"github:onlyowner\"" warning invalid-input-url: Nix cannot read this flake URL: `github:onlyowner` needs the form `github:owner/repo`.
            flake.nix:4:18 "\"github:o/c/main?ref=dev\"" warning invalid-input-url: Nix cannot read this flake URL: `github:o/c/main?ref=dev` gives a branch or tag both in the path and as a `?ref=` parameter.
            flake.nix:10:51 "\"nope nope\"" warning invalid-input-url: Nix cannot read this flake URL: `nope nope` is not a flake URL or a flake registry name.
        "#]],
    );
}

/// Nix tokenizes forge paths skipping empty segments (`github:/o/r/main` is locked as owner `o`,
/// repo `r`, ref `main`), takes segments past the third as a ref, and accepts a path branch with a
/// `?rev=`; none of these is flagged, while an owner-only URL still is.
#[test]
fn forge_urls_nix_tolerates() {
    check(
        r#"{
  inputs.a.url = "github:/o/a/main";
  inputs.b.url = "github:o//b";
  inputs.c.url = "github:o/c/";
  inputs.d.url = "gitlab:o/d/feature/x";
  inputs.e.url = "sourcehut:~o/e/main?rev=0123456789abcdef0123456789abcdef01234567";
  inputs.f.url = "github://f";
  inputs.g.url = "github:o/g/0123456789abcdef0123456789abcdef01234567?rev=0123456789abcdef0123456789abcdef01234567";
  outputs = { self, ... }@inputs: f inputs;
}
"#,
        expect![[r#"
            flake.nix:7:18 "\"github://f\"" warning invalid-input-url: Nix cannot read this flake URL: `github://f` needs the form `github:owner/repo`.
            flake.nix:8:18 "\"github:o/g/0123456789abcdef0123456789abcdef01234567?rev=0123456789abcdef0123456789abcdef01234567\"" warning invalid-input-url: Nix cannot read this flake URL: `github:o/g/0123456789abcdef0123456789abcdef01234567?rev=0123456789abcdef0123456789abcdef01234567` gives a commit both in the path and as a `?rev=` parameter.
        "#]],
    );
    // The lock Nix writes for the leading-slash form names the same repository.
    let nix = "{ inputs.a.url = \"github:/o/a\"; outputs = { self, a }: { x = a; }; }\n";
    let lock = lock(r#""a": "a""#, &github_node("a", "a", ""));
    check(&format!("{nix}#- /flake.lock\n{lock}"), expect![[r#""#]]);
}

fn url_node(id: &str, ty: &str, url: &str) -> String {
    format!(
        r#"    "{id}": {{
      "locked": {{ "narHash": "sha256-J+PeFKSDV+pHL7ukkfpVzCOO7mBSrrpJ3svwBFABbhI=", "type": "{ty}", "url": "{url}" }},
      "original": {{ "type": "{ty}", "url": "{url}" }}
    }},
"#
    )
}

/// Nix (since FlakeHub) locks a plain `https://` flake input as a `tarball` whatever its
/// extension, writes the URL percent-encoded (`*` → `%2A`) and keeps unknown query parameters in
/// it; Nix 2.8 locked an extension-less URL as `file`. None of that is staleness; a different URL,
/// or an explicit `file+https://` against a `tarball` lock, is.
#[test]
fn url_inputs_compare_like_nix() {
    let nix = r#"{
  inputs.a.url = "https://flakehub.com/f/o/a/3";
  inputs.b.url = "https://flakehub.com/f/o/b/*";
  inputs.c.url = "https://example.org/c";
  inputs.d.url = "tarball+https://example.org/d.tar.gz?token=x&narHash=sha256-AAAA";
  inputs.e.url = "https://Example.org/e.tar.gz";
  inputs.f.url = "https://flakehub.com/f/o/f/0.1";
  inputs.g.url = "file+https://example.org/g";
  inputs.h.url = "tarball+https://example.org/h";
  outputs = { self, ... }@inputs: f inputs;
}
"#;
    let lock = lock(
        r#""a": "a", "b": "b", "c": "c", "d": "d", "e": "e", "f": "f", "g": "g", "h": "h""#,
        &(url_node("a", "tarball", "https://flakehub.com/f/o/a/3")
            + &url_node("b", "tarball", "https://flakehub.com/f/o/b/%2A")
            + &url_node("c", "file", "https://example.org/c")
            + &url_node("d", "tarball", "https://example.org/d.tar.gz?token=x")
            + &url_node("e", "tarball", "https://example.org/e.tar.gz")
            + &url_node("f", "tarball", "https://flakehub.com/f/o/f/0.2")
            + &url_node("g", "tarball", "https://example.org/g")
            + &url_node("h", "file", "https://example.org/h")),
    );
    check(
        &format!("{nix}#- /flake.lock\n{lock}"),
        expect![[r#"
            flake.nix:7:10 "f" warning stale-lock: flake.lock is out of date: input `f` is locked from `https://flakehub.com/f/o/f/0.2`, but flake.nix now says `https://flakehub.com/f/o/f/0.1`; run `nix flake lock` to update flake.lock.
            flake.nix:8:10 "g" warning stale-lock: flake.lock is out of date: input `g` is locked from `https://example.org/g` as type `tarball`, but flake.nix now asks for type `file`; run `nix flake lock` to update flake.lock.
            flake.nix:9:10 "h" warning stale-lock: flake.lock is out of date: input `h` is locked from `https://example.org/h` as type `file`, but flake.nix now asks for type `tarball`; run `nix flake lock` to update flake.lock.
        "#]],
    );
}

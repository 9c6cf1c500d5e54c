//! Flake inputs through the `ide` API on multi-file fixtures (`flake.nix` + `flake.lock`):
//! diagnostics, hover, go to definition, references, document links, completion and the quick
//! fixes applied to the text.

use std::collections::BTreeMap;

use expect_test::{Expect, expect};
use ide::{Analysis, FilePosition, FileRange, TextRange, VfsPath};
use test_fixture::{Fixture, analysis_from_fixture, apply_edits, render_diagnostics, render_range};

const FLAKE: &str = r#"
#- /flake.nix
{
  description = "example";
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
    home-manager = {
      url = "github:nix-community/home-manager";
      inputs.nixpkgs.follows = "nixpkgs";
    };
    src = { url = "git+https://git.example.org/src.git?ref=main"; flake = false; };
    hut.url = "sourcehut:~sir/hut";
    lab.url = "gitlab:group/lab?dir=nix";
    local.url = "path:./local";
    tarball.url = "https://example.org/archive.tar.gz";
  };
  outputs = { self, nixpkgs, ... }@inputs: let np = inputs.nixpkgs; in {
    a = np.lib;
    b = inputs.home-manager.nixosModules.default;
    c = self.inputs.src;
    d = inputs.hut;
    e = [ inputs.lab inputs.local inputs.tarball ];
  };
}
#- /flake.lock
{
  "nodes": {
    "home-manager": {
      "inputs": { "nixpkgs": ["nixpkgs"] },
      "locked": { "lastModified": 1727348695, "narHash": "sha256-J+PeFKSDV+pHL7ukkfpVzCOO7mBSrrpJ3svwBFABbhI=", "owner": "nix-community", "repo": "home-manager", "rev": "1925c603f17fc89f4c8f6bf6f631a802ad85d784", "type": "github" },
      "original": { "owner": "nix-community", "repo": "home-manager", "type": "github" }
    },
    "hut": {
      "locked": { "narHash": "sha256-BBeCZwZImtjP3oYy4WogkQYy5OxNyfNciVSc1AfZgLQ=", "owner": "~sir", "repo": "hut", "rev": "a634c8f6c1fbf9b9730e01764999666f3436f10a", "type": "sourcehut" },
      "original": { "owner": "~sir", "repo": "hut", "type": "sourcehut" }
    },
    "lab": {
      "locked": { "dir": "nix", "narHash": "sha256-mdzxWuTl3lPxjj9VN3R/jybOyTfL5BbYbjDUBKRHWs0=", "owner": "group", "repo": "lab", "rev": "8eba258d9eb6a70558fdaca27c01b66194f856f2", "type": "gitlab" },
      "original": { "dir": "nix", "owner": "group", "repo": "lab", "type": "gitlab" }
    },
    "local": {
      "locked": { "path": "./local", "type": "path" },
      "original": { "path": "./local", "type": "path" }
    },
    "nixpkgs": {
      "locked": { "lastModified": 1675614288, "narHash": "sha256-i3Rc/ENnz62BcrSloeVmAyPicEh4WsrEEYR+INs9TYw=", "owner": "NixOS", "repo": "nixpkgs", "rev": "d25de6654a34d99dceb02e71e6db516b3b545be6", "type": "github" },
      "original": { "owner": "NixOS", "ref": "nixos-unstable", "repo": "nixpkgs", "type": "github" }
    },
    "root": {
      "inputs": { "home-manager": "home-manager", "hut": "hut", "lab": "lab", "local": "local", "nixpkgs": "nixpkgs", "src": "src", "tarball": "tarball" }
    },
    "src": {
      "flake": false,
      "locked": { "lastModified": 1700000000, "narHash": "sha256-OnpEWzNxF/AU4KlqBXM2s5PWvfI5/BS6xQrPvkF5tO8=", "ref": "main", "rev": "7f8d4b088e2df7fdb6b513bc2d6941f1d422a013", "type": "git", "url": "https://git.example.org/src.git" },
      "original": { "ref": "main", "type": "git", "url": "https://git.example.org/src.git" }
    },
    "tarball": {
      "locked": { "narHash": "sha256-hGdgeU2Nk87RAuZyYjyDjFL6LK7dAZN5RE9+hrDTkDU=", "type": "tarball", "url": "https://example.org/archive.tar.gz" },
      "original": { "type": "tarball", "url": "https://example.org/archive.tar.gz" }
    }
  },
  "root": "root",
  "version": 7
}
"#;

/// The fixture with `$0` inserted before the `nth` (0-based) occurrence of `needle` in `path`.
fn with_cursor(fixture: &str, path: &str, needle: &str, nth: usize) -> String {
    let header = format!("#- {path}\n");
    let start = fixture.find(&header).expect("file in fixture") + header.len();
    let end = fixture[start..]
        .find("\n#- ")
        .map_or(fixture.len(), |i| start + i);
    let (offset, _) = fixture[start..end]
        .match_indices(needle)
        .nth(nth)
        .expect("needle in file");
    let at = start + offset;
    format!("{}$0{}", &fixture[..at], &fixture[at..])
}

fn analysis_at(fixture: &str) -> (Analysis, FilePosition) {
    let (analysis, pos) = analysis_from_fixture(fixture);
    (analysis, pos.expect("fixture has $0"))
}

fn flake_only(analysis: &Analysis) -> String {
    render_diagnostics(analysis)
        .lines()
        .filter(|l| !l.contains("syntax-error"))
        .map(|l| format!("{l}\n"))
        .collect()
}

#[test]
fn clean_flake_has_no_diagnostics() {
    let (analysis, _) = analysis_from_fixture(FLAKE);
    expect![[r#""#]].assert_eq(&flake_only(&analysis));
}

fn hover(fixture: &str, expect: Expect) {
    let (analysis, pos) = analysis_at(fixture);
    let actual = match analysis.hover(pos) {
        Some(h) => format!(
            "{}\n---\n{}\n",
            render_range(&analysis, pos.file_id, h.range),
            h.markdown
        ),
        None => "no hover\n".to_owned(),
    };
    expect.assert_eq(&actual);
}

#[test]
fn hover_on_declaration_use_follows_and_lock_node() {
    hover(
        &with_cursor(FLAKE, "/flake.nix", "nixpkgs.url", 0),
        expect![[r#"
        /flake.nix:4:5-4:12
        ---
        **input `nixpkgs`**

        `github:NixOS/nixpkgs/nixos-unstable`

        locked at `d25de66` (2023-02-05)

        store path `/nix/store/5kpc3nfysy4f19ijzdjw4rcncr64cji3-source`
    "#]],
    );
    hover(
        &with_cursor(FLAKE, "/flake.nix", "home-manager.nixosModules", 0),
        expect![[r#"
        /flake.nix:17:16-17:28
        ---
        **input `home-manager`**

        `github:nix-community/home-manager`

        locked at `1925c60` (2024-09-26)

        store path `/nix/store/fpivx4sjcp2vk4rp9nhliln5cwcp3kc6-source`
    "#]],
    );
    hover(
        &with_cursor(FLAKE, "/flake.nix", "\"nixpkgs\";", 0),
        expect![[r#"
        /flake.nix:7:32-7:41
        ---
        **input `nixpkgs`**

        `github:NixOS/nixpkgs/nixos-unstable`

        locked at `d25de66` (2023-02-05)

        store path `/nix/store/5kpc3nfysy4f19ijzdjw4rcncr64cji3-source`
    "#]],
    );
    hover(
        &with_cursor(FLAKE, "/flake.nix", "src;", 0),
        expect![[r#"
        /flake.nix:18:21-18:24
        ---
        **input `src`**

        `git+https://git.example.org/src.git?ref=main`

        `flake = false`: a plain source tree, not a flake

        locked at `7f8d4b0` (2023-11-14)

        store path `/nix/store/i975z4hcjhc4bw99j68avr95b2j06iza-source`
    "#]],
    );
    hover(
        &with_cursor(FLAKE, "/flake.nix", "np.lib", 0),
        expect![[r#"
        /flake.nix:16:9-16:11
        ---
        **input `nixpkgs`**

        `github:NixOS/nixpkgs/nixos-unstable`

        locked at `d25de66` (2023-02-05)

        store path `/nix/store/5kpc3nfysy4f19ijzdjw4rcncr64cji3-source`
    "#]],
    );
    hover(
        &with_cursor(FLAKE, "/flake.nix", "nixpkgs, ...", 0),
        expect![[r#"
        /flake.nix:15:21-15:28
        ---
        **input `nixpkgs`**

        `github:NixOS/nixpkgs/nixos-unstable`

        locked at `d25de66` (2023-02-05)

        store path `/nix/store/5kpc3nfysy4f19ijzdjw4rcncr64cji3-source`
    "#]],
    );
    hover(
        &with_cursor(FLAKE, "/flake.nix", "inputs: let", 0),
        expect![[r#"
        /flake.nix:15:36-15:42
        ---
        **the inputs of this flake**

        - `nixpkgs` `github:NixOS/nixpkgs/nixos-unstable`
        - `home-manager` `github:nix-community/home-manager`
        - `src` `git+https://git.example.org/src.git?ref=main`
        - `hut` `sourcehut:~sir/hut`
        - `lab` `gitlab:group/lab?dir=nix`
        - `local` `path:./local`
        - `tarball` `https://example.org/archive.tar.gz`
        - `self` this flake
    "#]],
    );
    hover(
        &with_cursor(FLAKE, "/flake.lock", "\"hut\": {", 0),
        expect![[r#"
            /flake.lock:8:5-8:10
            ---
            **lock node `hut`**

            `sourcehut:~sir/hut`

            locked at `a634c8f`

            store path `/nix/store/z8fi1f38y14lmsyhnph1l98qr3r9x7wr-source`

            input `hut` of this flake
        "#]],
    );
}

#[test]
fn hover_reports_store_path_presence() {
    let fixture = Fixture::parse(&with_cursor(FLAKE, "/flake.nix", "nixpkgs.url", 0));
    let mut change = fixture.to_change();
    change.store_path_presence = BTreeMap::from([(
        "/nix/store/5kpc3nfysy4f19ijzdjw4rcncr64cji3-source".to_owned(),
        true,
    )]);
    let mut host = ide::AnalysisHost::new();
    host.apply_change(change);
    let analysis = host.analysis();
    let marker = fixture.marker(0).unwrap();
    let file_id = analysis.file_id(&VfsPath::new(&marker.path)).unwrap();
    let hover = analysis
        .hover(FilePosition {
            file_id,
            offset: marker.offset,
        })
        .unwrap();
    expect![[r#"
        **input `nixpkgs`**

        `github:NixOS/nixpkgs/nixos-unstable`

        locked at `d25de66` (2023-02-05)

        store path `/nix/store/5kpc3nfysy4f19ijzdjw4rcncr64cji3-source` (present on this machine)"#]].assert_eq(&hover.markdown);
}

fn goto(fixture: &str, expect: Expect) {
    let (analysis, pos) = analysis_at(fixture);
    let actual: String = analysis
        .goto_definition(pos)
        .into_iter()
        .map(|t| {
            let text = analysis.file_text(t.focus_range.file_id);
            format!(
                "{} {:?}\n",
                render_range(&analysis, t.focus_range.file_id, t.focus_range.range),
                &text[t.focus_range.range]
            )
        })
        .collect();
    expect.assert_eq(&actual);
}

#[test]
fn goto_definition() {
    // A use goes to the declaration…
    goto(
        &with_cursor(FLAKE, "/flake.nix", "home-manager.nixosModules", 0),
        expect![[r#"
        /flake.nix:5:5-5:17 "home-manager"
    "#]],
    );
    goto(
        &with_cursor(FLAKE, "/flake.nix", "nixpkgs, ...", 0),
        expect![[r#"
        /flake.nix:4:5-4:12 "nixpkgs"
    "#]],
    );
    goto(
        &with_cursor(FLAKE, "/flake.nix", "\"nixpkgs\";", 0),
        expect![[r#"
        /flake.nix:4:5-4:12 "nixpkgs"
    "#]],
    );
    // …the declaration to its lock node, and the lock node back.
    goto(
        &with_cursor(FLAKE, "/flake.nix", "home-manager = {", 0),
        expect![[r#"
        /flake.lock:3:5-3:19 "\"home-manager\""
    "#]],
    );
    goto(
        &with_cursor(FLAKE, "/flake.nix", "nixpkgs.follows", 0),
        expect![[r#"
        /flake.lock:20:5-20:14 "\"nixpkgs\""
    "#]],
    );
    goto(
        &with_cursor(FLAKE, "/flake.nix", "github:nix-community", 0),
        expect![[r#"
            /flake.lock:3:5-3:19 "\"home-manager\""
        "#]],
    );
    goto(
        &with_cursor(FLAKE, "/flake.lock", "\"src\": {", 0),
        expect![[r#"
        /flake.nix:9:5-9:8 "src"
    "#]],
    );
}

#[test]
fn references() {
    let (analysis, pos) = analysis_at(&with_cursor(FLAKE, "/flake.nix", "nixpkgs.url", 0));
    let actual: String = analysis
        .references(pos)
        .into_iter()
        .map(|FileRange { file_id, range }| {
            format!(
                "{} {:?}\n",
                render_range(&analysis, file_id, range),
                &analysis.file_text(file_id)[range]
            )
        })
        .collect();
    expect![[r#"
        /flake.nix:4:5-4:12 "nixpkgs"
        /flake.nix:7:33-7:40 "nixpkgs"
        /flake.nix:15:21-15:28 "nixpkgs"
        /flake.nix:15:60-15:67 "nixpkgs"
        /flake.nix:16:9-16:11 "np"
    "#]]
    .assert_eq(&actual);
}

#[test]
fn document_links() {
    let (analysis, _) = analysis_from_fixture(FLAKE);
    let file_id = analysis.file_id(&VfsPath::new("/flake.nix")).unwrap();
    let actual: String = analysis
        .document_links(file_id)
        .into_iter()
        .map(|l| {
            format!(
                "{:?} -> {}\n",
                &analysis.file_text(file_id)[l.range],
                l.target
            )
        })
        .collect();
    expect![[r#"
        "github:NixOS/nixpkgs/nixos-unstable" -> https://github.com/NixOS/nixpkgs/tree/nixos-unstable
        "github:nix-community/home-manager" -> https://github.com/nix-community/home-manager
        "git+https://git.example.org/src.git?ref=main" -> https://git.example.org/src.git
        "sourcehut:~sir/hut" -> https://git.sr.ht/~sir/hut
        "gitlab:group/lab?dir=nix" -> https://gitlab.com/group/lab
        "https://example.org/archive.tar.gz" -> https://example.org/archive.tar.gz
    "#]].assert_eq(&actual);
}

#[test]
fn lock_revisions_link_to_commits() {
    let (analysis, _) = analysis_from_fixture(FLAKE);
    let file_id = analysis.file_id(&VfsPath::new("/flake.lock")).unwrap();
    let actual: String = analysis
        .document_links(file_id)
        .into_iter()
        .map(|l| {
            format!(
                "{} -> {}\n",
                render_range(&analysis, file_id, l.range),
                l.target
            )
        })
        .collect();
    expect![[r#"
        /flake.lock:5:171-5:211 -> https://github.com/nix-community/home-manager/commit/1925c603f17fc89f4c8f6bf6f631a802ad85d784
        /flake.lock:9:125-9:165 -> https://git.sr.ht/~sir/hut/commit/a634c8f6c1fbf9b9730e01764999666f3436f10a
        /flake.lock:13:140-13:180 -> https://gitlab.com/group/lab/-/commit/8eba258d9eb6a70558fdaca27c01b66194f856f2
        /flake.lock:21:158-21:198 -> https://github.com/NixOS/nixpkgs/commit/d25de6654a34d99dceb02e71e6db516b3b545be6
    "#]].assert_eq(&actual);
}

fn complete(fixture: &str, expect: Expect) {
    let (analysis, pos) = analysis_at(fixture);
    let actual: String = analysis
        .completions(pos)
        .into_iter()
        .map(|c| format!("{} ({})\n", c.label, c.detail.unwrap_or_default()))
        .collect();
    expect.assert_eq(&actual);
}

#[test]
fn completions() {
    complete(
        r#"
#- /flake.nix
{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  inputs.hm.url = "github:nix-community/home-manager";
  inputs.hm.inputs.nixpkgs.follows = "$0";
  outputs = { self, ... }@inputs: { };
}
"#,
        expect![[r#"
            nixpkgs (github:NixOS/nixpkgs)
            hm (github:nix-community/home-manager)
        "#]],
    );
    complete(
        r#"
#- /flake.nix
{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  inputs.hm.url = "github:nix-community/home-manager";
  outputs = { self, nixpkgs, $0 }: { };
}
"#,
        expect![[r#"
            hm (github:nix-community/home-manager)
        "#]],
    );
    complete(
        r#"
#- /flake.nix
{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  inputs.hm.url = "github:nix-community/home-manager";
  outputs = { self, ... }@inputs: { x = inputs.h$0; };
}
"#,
        expect![[r#"
            nixpkgs (github:NixOS/nixpkgs)
            hm (github:nix-community/home-manager)
        "#]],
    );
    complete(
        r#"
#- /flake.nix
{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  outputs = { self, ... }: { x = self.inputs.$0 };
}
"#,
        expect![[r#"
            nixpkgs (github:NixOS/nixpkgs)
        "#]],
    );
}

#[test]
fn follows_paths_complete_and_navigate_through_the_lock() {
    let fixture = |cursor_file: &str| {
        format!(
            r#"
#- /flake.nix
{{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  inputs.hm.url = "github:o/hm";
  inputs.u.follows = "hm/{cursor_file}";
  outputs = {{ self, nixpkgs, hm, u }}: {{ x = [ nixpkgs hm u ]; }};
}}{HM_LOCK}"#
        )
    };
    complete(
        &fixture("$0"),
        expect![[r#"
        nixpkgs (github:NixOS/nixpkgs)
        utils (github:o/utils)
    "#]],
    );
    goto(
        &fixture("$0utils"),
        expect![[r#"
        /flake.lock:16:5-16:12 "\"utils\""
    "#]],
    );
}

fn rename(fixture: &str, new_name: &str, expect: Expect) {
    let (analysis, pos) = analysis_at(fixture);
    let actual = match analysis.rename(pos, new_name) {
        Ok(change) => {
            let edits = change.edits.get(&pos.file_id).cloned().unwrap_or_default();
            apply_edits(&analysis.file_text(pos.file_id), &edits)
        }
        Err(e) => format!("error: {e}"),
    };
    expect.assert_eq(&actual);
}

#[test]
fn rename_input() {
    let flake = r#"
#- /flake.nix
{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  inputs.hm = { url = "github:o/hm"; inputs.nixpkgs.follows = "nixpkgs"; };
  outputs = { self, nixpkgs, hm }: { x = nixpkgs.lib; y = self.inputs.nixpkgs; z = hm; };
}
"#;
    rename(
        &flake.replacen("nixpkgs.lib", "nix$0pkgs.lib", 1),
        "np",
        expect![[r#"
            {
              inputs.np.url = "github:NixOS/nixpkgs";
              inputs.hm = { url = "github:o/hm"; inputs.nixpkgs.follows = "np"; };
              outputs = { self, np, hm }: { x = np.lib; y = self.inputs.np; z = hm; };
            }
        "#]],
    );
    rename(
        &flake.replacen("\"nixpkgs\";", "\"nix$0pkgs\";", 1),
        "np",
        expect![[r#"
            {
              inputs.np.url = "github:NixOS/nixpkgs";
              inputs.hm = { url = "github:o/hm"; inputs.nixpkgs.follows = "np"; };
              outputs = { self, np, hm }: { x = np.lib; y = self.inputs.np; z = hm; };
            }
        "#]],
    );
    rename(
        &flake.replacen("inputs.nixpkgs.follows", "inputs.nix$0pkgs.follows", 1),
        "np",
        expect!["error: This names an input of another flake; rename it there."],
    );
}

/// Applies the first fix of the diagnostic with `code` and shows the resulting flake.nix.
fn fix(fixture: &str, code: &str, expect: Expect) {
    let (analysis, _) = analysis_from_fixture(fixture);
    let file_id = analysis.file_id(&VfsPath::new("/flake.nix")).unwrap();
    let diagnostic = analysis
        .diagnostics(file_id)
        .into_iter()
        .find(|d| d.code.as_str() == code)
        .expect("diagnostic");
    let range = FileRange {
        file_id,
        range: TextRange::empty(diagnostic.location.range.start()),
    };
    let fixes = analysis.code_actions(range);
    let fix = fixes.first().expect("a fix");
    let edits = &fix.change.edits[&file_id];
    expect.assert_eq(&format!(
        "{}\n{}",
        fix.label,
        apply_edits(&analysis.file_text(file_id), edits)
    ));
}

#[test]
fn quick_fixes() {
    fix(
        r#"
#- /flake.nix
{
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs";
    unused.url = "github:o/unused";
  };
  outputs = { self, nixpkgs, unused, ... }: { x = nixpkgs; };
}
"#,
        "unused-input",
        expect![[r#"
            Remove input `unused`
            {
              inputs = {
                nixpkgs.url = "github:NixOS/nixpkgs";
              };
              outputs = { self, nixpkgs, ... }: { x = nixpkgs; };
            }
        "#]],
    );
    fix(
        r#"
#- /flake.nix
{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  outputs = { self, nixpkgs, ... }@inputs: { x = inputs.disko.nixosModules.default; };
}
"#,
        "undeclared-input",
        expect![[r#"
            Declare input `disko`
            {
              inputs.nixpkgs.url = "github:NixOS/nixpkgs";
              inputs.disko.url = "github:nix-community/disko";
              outputs = { self, nixpkgs, ... }@inputs: { x = inputs.disko.nixosModules.default; };
            }
        "#]],
    );
}

#[test]
fn several_flakes_are_separate_roots() {
    let (analysis, _) = analysis_from_fixture(
        r#"
#- /flake.nix
{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  outputs = { self, nixpkgs }: { x = nixpkgs; };
}
#- /templates/basic/flake.nix
{
  inputs.utils.url = "github:numtide/flake-utils";
  outputs = { self, nixpkgs, ... }: { x = nixpkgs; };
}
"#,
    );
    expect![[r#"
        /flake.nix:2:3-2:9 info[no-lock-file] This flake has no flake.lock yet; Nix writes one on the first `nix build` or `nix flake lock`. Lock data (revisions, store paths) is unavailable until then.
        /templates/basic/flake.nix:2:10-2:15 warning[unused-input] Input `utils` is never used: `outputs` does not reference it and no `follows` points to it.
            fix: Remove input `utils`
        /templates/basic/flake.nix:3:21-3:28 warning[undeclared-input] `nixpkgs` is not declared in `inputs`, so Nix looks it up in the flake registry (`flake:nixpkgs`); declare it with a URL to pin where it comes from.
            fix: Declare input `nixpkgs`
    "#]].assert_eq(&flake_only(&analysis));
}

/// A function in a `flake.nix` below another flake is a module (flake-parts configs name module
/// files `flake.nix`), not a broken flake; a function as the top flake.nix is still reported.
#[test]
fn nested_function_named_flake_nix_is_a_module() {
    let fixture = r#"
#- /flake.nix
{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  outputs = { self, nixpkgs }: { x = nixpkgs; };
}
#- /flake.lock
{ "nodes": { "nixpkgs": { "locked": { "narHash": "sha256-i3Rc/ENnz62BcrSloeVmAyPicEh4WsrEEYR+INs9TYw=", "owner": "NixOS", "repo": "nixpkgs", "rev": "d25de6654a34d99dceb02e71e6db516b3b545be6", "type": "github" }, "original": { "owner": "NixOS", "repo": "nixpkgs", "type": "github" } }, "root": { "inputs": { "nixpkgs": "nixpkgs" } } }, "root": "root", "version": 7 }
#- /nixos/modules/flake.nix
{ nix, nixpkgs, ... }: { flake.nixosModules.nix = nix; }
"#;
    let (analysis, _) = analysis_from_fixture(fixture);
    expect![[r#""#]].assert_eq(&flake_only(&analysis));
    let (analysis, _) = analysis_from_fixture(
        "#- /flake.nix
{ inputs, ... }: { }
",
    );
    expect![[r#"
        /flake.nix:1:1-1:21 error[flake-structure] `flake.nix` must be an attribute set, not a function.
    "#]]
    .assert_eq(&flake_only(&analysis));
}

#[test]
fn malformed_lock_does_not_stop_flake_checks() {
    let (analysis, _) = analysis_from_fixture(
        r#"
#- /flake.nix
{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  inputs.extra.url = "github:o/extra";
  outputs = { self, nixpkgs, ... }: { x = nixpkgs; };
}
#- /flake.lock
<<<<<<< HEAD
{ "version": 7 }
"#,
    );
    expect![[r#"
        /flake.nix:3:10-3:15 warning[unused-input] Input `extra` is never used: `outputs` does not reference it and no `follows` points to it.
            fix: Remove input `extra`
        /flake.lock:1:1-1:2 error[malformed-lock] `flake.lock` is not valid JSON: expected value at line 1 column 1. Nix cannot use this lock file; delete it and run `nix flake lock` to write a new one.
    "#]].assert_eq(&flake_only(&analysis));
}

#[test]
fn broken_flake_nix_is_quiet() {
    let (analysis, _) = analysis_from_fixture(
        r#"
#- /flake.nix
{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  inputs.extra.url = "github:o/extra"
  outputs = { self, nixpkgs, ... }: { x = nixpkgs; };
}
"#,
    );
    let text = render_diagnostics(&analysis);
    assert!(!text.contains("unused-input"), "{text}");
}

/// Applies every assist offered at `$0` and shows the resulting flake.nix.
fn assists(fixture: &str, expect: Expect) {
    let (analysis, pos) = analysis_at(fixture);
    let range = FileRange {
        file_id: pos.file_id,
        range: TextRange::empty(pos.offset),
    };
    let mut out = String::new();
    for fix in analysis.code_actions(range) {
        let edits = &fix.change.edits[&pos.file_id];
        out.push_str(&format!(
            "{}\n{}\n",
            fix.label,
            apply_edits(&analysis.file_text(pos.file_id), edits)
        ));
    }
    expect.assert_eq(&out);
}

const HM_LOCK: &str = r#"
#- /flake.lock
{
  "nodes": {
    "hm": {
      "inputs": { "nixpkgs": "nixpkgs_2", "utils": "utils" },
      "locked": { "owner": "o", "repo": "hm", "type": "github", "narHash": "sha256-J+PeFKSDV+pHL7ukkfpVzCOO7mBSrrpJ3svwBFABbhI=" },
      "original": { "owner": "o", "repo": "hm", "type": "github" }
    },
    "nixpkgs": {
      "locked": { "owner": "NixOS", "repo": "nixpkgs", "type": "github", "narHash": "sha256-OnpEWzNxF/AU4KlqBXM2s5PWvfI5/BS6xQrPvkF5tO8=" },
      "original": { "owner": "NixOS", "repo": "nixpkgs", "type": "github" }
    },
    "nixpkgs_2": {
      "locked": { "owner": "NixOS", "repo": "nixpkgs", "type": "github", "narHash": "sha256-i3Rc/ENnz62BcrSloeVmAyPicEh4WsrEEYR+INs9TYw=" },
      "original": { "owner": "NixOS", "repo": "nixpkgs", "type": "github" }
    },
    "utils": {
      "locked": { "owner": "o", "repo": "utils", "type": "github", "narHash": "sha256-BBeCZwZImtjP3oYy4WogkQYy5OxNyfNciVSc1AfZgLQ=" },
      "original": { "owner": "o", "repo": "utils", "type": "github" }
    },
    "root": { "inputs": { "hm": "hm", "nixpkgs": "nixpkgs" } }
  },
  "root": "root",
  "version": 7
}
"#;

#[test]
fn assist_follow_own_nixpkgs() {
    assists(
        &format!(
            r#"
#- /flake.nix
{{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  inputs.h$0m.url = "github:o/hm";
  outputs = {{ self, nixpkgs, hm }}: {{ x = [ nixpkgs hm ]; }};
}}{HM_LOCK}"#
        ),
        expect![[r#"
            Make `hm` use this flake's `nixpkgs` (follows)
            {
              inputs.nixpkgs.url = "github:NixOS/nixpkgs";
              inputs.hm.url = "github:o/hm";
              inputs.hm.inputs.nixpkgs.follows = "nixpkgs";
              outputs = { self, nixpkgs, hm }: { x = [ nixpkgs hm ]; };
            }

        "#]],
    );
    assists(
        &format!(
            r#"
#- /flake.nix
{{
  inputs = {{
    nixpkgs.url = "github:NixOS/nixpkgs";
    $0hm = {{
      url = "github:o/hm";
    }};
  }};
  outputs = {{ self, nixpkgs, hm }}: {{ x = [ nixpkgs hm ]; }};
}}{HM_LOCK}"#
        ),
        expect![[r#"
            Make `hm` use this flake's `nixpkgs` (follows)
            {
              inputs = {
                nixpkgs.url = "github:NixOS/nixpkgs";
                hm = {
                  url = "github:o/hm";
                  inputs.nixpkgs.follows = "nixpkgs";
                };
              };
              outputs = { self, nixpkgs, hm }: { x = [ nixpkgs hm ]; };
            }

        "#]],
    );
    // Already following: nothing to offer.
    assists(
        &format!(
            r#"
#- /flake.nix
{{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  inputs.h$0m = {{ url = "github:o/hm"; inputs.nixpkgs.follows = "nixpkgs"; }};
  outputs = {{ self, nixpkgs, hm }}: {{ x = [ nixpkgs hm ]; }};
}}{HM_LOCK}"#
        ),
        expect![[r#""#]],
    );
}

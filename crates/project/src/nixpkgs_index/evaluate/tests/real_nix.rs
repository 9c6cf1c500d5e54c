//! Tests against the real `nix` on `PATH` (skipped, with a line on stderr, when there is none;
//! `.ci/run` installs Debian's `nix-bin`). They need no Nix store: the evaluator uses a dummy one.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::{names, show, write};
use crate::nixpkgs_index::evaluate_unfree;
use crate::nixpkgs_index::find_in_path;

/// The `nix` on `PATH`, or `None` after saying that the test is skipped.
fn real_nix(test: &str) -> Option<PathBuf> {
    let nix = std::env::var_os("PATH").and_then(|p| find_in_path("nix", &p));
    if nix.is_none() {
        eprintln!("{test}: skipped, no `nix` on PATH");
    }
    nix
}

/// A nixpkgs-shaped tree without `lib`: the root takes `{ config, overlays, ... }` and returns
/// packages whose `meta.unfree` is true, false, throws, aborts, recurses, reads outside the tree,
/// fetches, copies to the store, or is not there at all.
fn fixture_nixpkgs(root: &Path) {
    write(
        root,
        "default.nix",
        r#"{ config ? { }, overlays ? [ ], ... }:
let
  mk = name: meta: { type = "derivation"; inherit name meta; };
in
assert config == { } && overlays == [ ];
{
  hello = mk "hello" { unfree = false; };
  spotify = mk "spotify" { unfree = true; };
  old = mk "old" { license = "free"; };
  thrower = mk "thrower" (throw "no meta for you");
  asserts = assert false; mk "asserts" { };
  removed = throw "removed is gone";
  notbool = mk "notbool" { unfree = [ (throw "not forced") ]; };
  jetbrains = { idea-ultimate = mk "idea" { unfree = true; }; idea-community = mk "ic" { unfree = false; }; };
  aborts = mk "aborts" (abort "aborted");
  loops = mk "loops" (let x = x + 1; in { unfree = x > 0; });
  misses = mk "misses" { unfree = config.allowUnfree; };
  outside = mk "outside" { unfree = builtins.readFile /etc/hostname != ""; };
  fetches = mk "fetches" { unfree = builtins.pathExists (builtins.fetchurl "https://example.invalid/x"); };
  copies = mk "copies" { unfree = builtins.pathExists "${./default.nix}"; };
  env = mk "env" { unfree = builtins.getEnv "PATH" != ""; };
  inside = mk "inside" { unfree = import ./unfree.nix; };
}
"#,
    );
    write(root, "unfree.nix", "true");
}

#[test]
fn verdicts_of_a_fixture_tree() {
    let Some(nix) = real_nix("verdicts_of_a_fixture_tree") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    fixture_nixpkgs(dir.path());
    let attrs = names(&[
        "hello",
        "spotify",
        "old",
        "thrower",
        "asserts",
        "removed",
        "notbool",
        "jetbrains.idea-ultimate",
        "jetbrains.idea-community",
        "jetbrains",
        "jetbrains.nope",
        "missing",
        "aborts",
        "loops",
        "misses",
        "outside",
        "fetches",
        "copies",
        "env",
        "inside",
    ]);
    let result =
        evaluate_unfree(&nix, dir.path(), &attrs, Duration::from_secs(60)).expect("evaluated");
    eprintln!("{}", show(&result));
    // Packages `nix` could not decide (missing, not a derivation, `meta` throws, no boolean)
    // have no verdict; these are the ones it could.
    let verdict = |attr: &str| result.verdicts.iter().find(|(a, _)| a == attr).map(|v| v.1);
    let decided: Vec<String> = result
        .verdicts
        .iter()
        .filter(|(a, _)| !["outside", "fetches", "copies"].contains(&a.as_str()))
        .map(|(attr, unfree)| format!("{attr} unfree={unfree}"))
        .collect();
    expect_test::expect![[r#"
        env unfree=false
        hello unfree=false
        inside unfree=true
        jetbrains.idea-community unfree=false
        jetbrains.idea-ultimate unfree=true
        spotify unfree=true"#]]
    .assert_eq(&decided.join("\n"));
    // `abort`, missing attributes and infinite recursion end an evaluation (`tryEval` does not
    // catch them): each is recorded as failed and the rest evaluated again.
    let error = |attr: &str| result.failed.iter().find(|(a, _)| a == attr).map(|f| &f.1);
    assert!(error("aborts").is_some_and(|e| e.contains("'aborted'")));
    assert!(error("loops").is_some_and(|e| e.contains("infinite recursion")));
    assert!(error("misses").is_some_and(|e| e.contains("'allowUnfree'")));
    // Restricted mode and the dummy store: reading outside the tree, fetching and copying to
    // the store fail (Nix 2.8 ends the evaluation), and never yield what they would have read.
    for attr in ["outside", "fetches", "copies"] {
        assert!(
            error(attr).is_some() || verdict(attr) == Some(false),
            "{attr}: {:?}",
            verdict(attr)
        );
    }
    let expected = ["aborts", "loops", "misses", "outside", "fetches", "copies"];
    assert!(
        result
            .failed
            .iter()
            .all(|(a, _)| expected.contains(&a.as_str())),
        "{:?}",
        result.failed
    );
}

/// The root may be reached through a symbolic link, and `nix` needs no store, state directory or
/// home: here they do not exist.
#[cfg(unix)]
#[test]
fn a_linked_root_and_no_store() {
    let Some(nix) = real_nix("a_linked_root_and_no_store") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let tree = dir.path().join("tree");
    fixture_nixpkgs(&tree);
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&tree, &link).expect("symlink");
    let wrapper = super::script(
        dir.path(),
        "nix",
        &format!(
            "NIX_STORE_DIR=/nonexistent/store NIX_STATE_DIR=/nonexistent/state \
             NIX_CONF_DIR=/nonexistent/etc HOME=/nonexistent XDG_CACHE_HOME=/nonexistent \
             exec '{}' \"$@\"",
            nix.display()
        ),
    );
    let result = evaluate_unfree(
        &wrapper,
        &link,
        &names(&["spotify", "hello", "inside"]),
        Duration::from_secs(60),
    )
    .expect("evaluated");
    expect_test::expect![[r#"
        hello unfree=false
        inside unfree=true
        spotify unfree=true"#]]
    .assert_eq(&show(&result));
}

/// The user's search path (`NIX_PATH`, `nix-path` in `nix.conf`) is not used: `<nixpkgs>` in a
/// package does not resolve, and the directory it names cannot be read.
#[cfg(unix)]
#[test]
fn user_search_paths_are_not_used() {
    let Some(nix) = real_nix("user_search_paths_are_not_used") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let tree = dir.path().join("tree");
    let elsewhere = dir.path().join("elsewhere");
    write(
        &tree,
        "default.nix",
        &format!(
            r#"{{ ... }}: {{
  angle = {{ type = "derivation"; meta.unfree = import <nixpkgs>; }};
  direct = {{ type = "derivation"; meta.unfree = import {}/default.nix; }};
  plain = {{ type = "derivation"; meta.unfree = false; }};
}}"#,
            elsewhere.display()
        ),
    );
    write(&elsewhere, "default.nix", "true");
    let wrapper = super::script(
        dir.path(),
        "nix",
        &format!(
            "NIX_PATH='nixpkgs={0}' NIX_CONFIG='nix-path = nixpkgs={0}' exec '{1}' \"$@\"",
            elsewhere.display(),
            nix.display()
        ),
    );
    let result = evaluate_unfree(
        &wrapper,
        &tree,
        &names(&["angle", "direct", "plain"]),
        Duration::from_secs(60),
    )
    .expect("evaluated");
    // Both end without a verdict (Nix 2.8: `<nixpkgs>` throws, caught by `tryEval`; the read
    // outside the tree ends the evaluation and is recorded as failed).
    assert_eq!(result.verdicts, vec![("plain".to_owned(), false)]);
    assert!(
        result.failed.iter().all(|(a, _)| a != "plain"),
        "{:?}",
        result.failed
    );
}

/// Thousands of packages: the list travels in a file, not in one (at most 128 KiB) argument.
#[test]
fn many_packages() {
    let Some(nix) = real_nix("many_packages") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "default.nix",
        r#"{ ... }: builtins.listToAttrs (builtins.genList (i: {
  name = "package-with-a-long-name-${toString i}";
  value = { type = "derivation"; meta.unfree = i / 2 * 2 == i; };
}) 20000)"#,
    );
    let attrs: Vec<String> = (0..20000)
        .map(|i| format!("package-with-a-long-name-{i}"))
        .collect();
    let result =
        evaluate_unfree(&nix, dir.path(), &attrs, Duration::from_secs(120)).expect("evaluated");
    assert_eq!(result.verdicts.len(), 20000);
    assert_eq!(
        result.verdicts.iter().filter(|(_, unfree)| *unfree).count(),
        10000
    );
    assert!(result.failed.is_empty());
}

/// A nixpkgs whose import fails (here: it needs a newer Nix, as nixpkgs does with `abort`) gives
/// one clear error, not a package failure.
#[test]
fn an_import_that_fails() {
    let Some(nix) = real_nix("an_import_that_fails") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "default.nix",
        r#"let requiredVersion = "99.0"; in
if ! builtins ? nixVersion || builtins.compareVersions requiredVersion builtins.nixVersion == 1 then
  abort ''

    This version of Nixpkgs requires Nix >= ${requiredVersion}, please upgrade:

    - If you are running NixOS, `nixos-rebuild' can be used to upgrade your system.
  ''
else { ... }: { }"#,
    );
    let err = evaluate_unfree(&nix, dir.path(), &names(&["a"]), Duration::from_secs(60))
        .expect_err("fails");
    assert!(err.starts_with("`nix eval` failed: "), "{err}");
    assert!(
        err.contains("'This version of Nixpkgs requires Nix >= 99.0, please upgrade:"),
        "{err}"
    );
}

/// A package whose evaluation never ends (it reads a named pipe nobody writes) meets the
/// timeout: an error comes back and no process is left behind, even one `nix` did not start
/// itself (here `nix` is a wrapper script and the real one its child).
#[cfg(target_os = "linux")]
#[test]
fn the_timeout_kills_every_process() {
    let Some(nix) = real_nix("the_timeout_kills_every_process") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let tree = dir.path().join("tree");
    write(
        &tree,
        "default.nix",
        r#"{ ... }: {
  quick = { type = "derivation"; meta.unfree = true; };
  stuck = { type = "derivation"; meta.unfree = builtins.readFile ./fifo == ""; };
}"#,
    );
    let made = std::process::Command::new("mkfifo")
        .arg(tree.join("fifo"))
        .status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("the_timeout_kills_every_process: skipped, mkfifo failed");
        return;
    }
    let pid_file = dir.path().join("pid");
    let wrapper = super::script(
        dir.path(),
        "nix",
        &format!(
            "'{}' \"$@\" &\necho $! > '{}'\nwait",
            nix.display(),
            pid_file.display()
        ),
    );
    let start = Instant::now();
    let err = evaluate_unfree(
        &wrapper,
        &tree,
        &names(&["quick", "stuck"]),
        Duration::from_secs(2),
    )
    .expect_err("times out");
    // A guard against a hang, not a performance figure: the timeout is 2 s.
    assert!(start.elapsed() < Duration::from_secs(60), "{err}");
    assert_eq!(
        err,
        "`nix eval` did not finish within 2 s and was stopped (it was evaluating `stuck`)"
    );
    let pid = std::fs::read_to_string(&pid_file).expect("the wrapper wrote a pid");
    let stat = PathBuf::from(format!("/proc/{}/stat", pid.trim()));
    // Killed processes vanish once reaped; an orphan may stay a zombie ('Z') until init reaps it.
    let gone = (0..200).any(|_| {
        let alive = std::fs::read_to_string(&stat).is_ok_and(|s| {
            s.rsplit(") ")
                .next()
                .is_some_and(|rest| !rest.starts_with('Z'))
        });
        if alive {
            std::thread::sleep(Duration::from_millis(50));
        }
        !alive
    });
    assert!(gone, "the real nix (pid {}) is still running", pid.trim());
}

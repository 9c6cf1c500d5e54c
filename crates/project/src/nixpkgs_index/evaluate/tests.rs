use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{Stderr, UnfreeVerdicts, evaluate_unfree, parse_partial_answers};

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().expect("has parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

fn names(attrs: &[&str]) -> Vec<String> {
    attrs.iter().map(|a| (*a).to_owned()).collect()
}

/// Verdicts and failures, one per line, for snapshots.
fn show(result: &UnfreeVerdicts) -> String {
    let mut lines: Vec<String> = result
        .verdicts
        .iter()
        .map(|(attr, unfree)| format!("{attr} unfree={unfree}"))
        .collect();
    lines.sort();
    lines.extend(
        result
            .failed
            .iter()
            .map(|(attr, error)| format!("{attr} failed: {error}")),
    );
    lines.join("\n")
}

#[cfg(unix)]
fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("write");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path
}

/// A directory with an empty `default.nix`, for the fake `nix` scripts (which never read it).
fn any_root() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "default.nix", "{ ... }: { }");
    dir
}

#[cfg(unix)]
#[test]
fn fake_nix_verdicts() {
    let bin = tempfile::tempdir().expect("tempdir");
    let nix = script(
        bin.path(),
        "nix",
        r#"echo '{"mystery":true,"other":false,"odd":null}'"#,
    );
    let root = any_root();
    let result = evaluate_unfree(
        &nix,
        root.path(),
        &names(&["mystery", "other", "odd"]),
        Duration::from_secs(20),
    )
    .expect("evaluated");
    expect_test::expect![[r#"
        mystery unfree=true
        other unfree=false"#]]
    .assert_eq(&show(&result));
    // Nothing to ask: `nix` is not run at all.
    let result = evaluate_unfree(
        Path::new("/nonexistent/nix"),
        root.path(),
        &[],
        Duration::ZERO,
    );
    assert_eq!(result, Ok(UnfreeVerdicts::default()));
}

#[cfg(unix)]
#[test]
fn fake_nix_failures_are_errors() {
    let bin = tempfile::tempdir().expect("tempdir");
    let root = any_root();
    let attrs = names(&["a"]);
    let run = |nix: &Path, timeout: Duration| evaluate_unfree(nix, root.path(), &attrs, timeout);

    let slow = script(bin.path(), "slow", "exec sleep 30");
    let err = run(&slow, Duration::from_millis(300)).expect_err("timeout");
    assert!(err.contains("did not finish within 0.3 s"), "{err}");

    let bad = script(bin.path(), "bad", "echo not json");
    let err = run(&bad, Duration::from_secs(20)).expect_err("no JSON");
    assert!(err.contains("printed no JSON"), "{err}");

    let failing = script(
        bin.path(),
        "failing",
        "echo 'warning: something' >&2; echo 'error: cannot open connection' >&2; exit 1",
    );
    let err = run(&failing, Duration::from_secs(20)).expect_err("exit 1");
    assert_eq!(err, "`nix eval` failed: cannot open connection");

    let silent = script(bin.path(), "silent", "exit 3");
    let err = run(&silent, Duration::from_secs(20)).expect_err("exit 3");
    assert!(err.contains("printed no error"), "{err}");

    let err = run(Path::new("/nonexistent/nix"), Duration::from_secs(1)).expect_err("no binary");
    assert_eq!(
        err,
        "could not run /nonexistent/nix: not an executable file"
    );

    let err = evaluate_unfree(
        &bad,
        Path::new("/nonexistent/nixpkgs"),
        &attrs,
        Duration::ZERO,
    )
    .expect_err("no root");
    assert!(
        err.starts_with("the nixpkgs path /nonexistent/nixpkgs: "),
        "{err}"
    );
    let empty = tempfile::tempdir().expect("tempdir");
    let err =
        evaluate_unfree(&bad, empty.path(), &attrs, Duration::ZERO).expect_err("no default.nix");
    assert!(err.ends_with("has no default.nix"), "{err}");
}

/// `nix` runs under coreutils' `timeout` (when there is one), which kills it even when
/// flake-lsp is gone.
#[cfg(target_os = "linux")]
#[test]
fn nix_runs_under_a_watchdog() {
    let path = std::env::var_os("PATH").unwrap_or_default();
    if crate::nixpkgs_index::find_in_path("timeout", &path).is_none() {
        eprintln!("nix_runs_under_a_watchdog: skipped, no `timeout` on PATH");
        return;
    }
    let bin = tempfile::tempdir().expect("tempdir");
    let nix = script(
        bin.path(),
        "nix",
        r#"case "$(tr '\0' ' ' < /proc/$PPID/cmdline)" in
  *"timeout -s KILL "*) echo '{"watched":true}' ;;
  *) echo '{"watched":false}' ;;
esac"#,
    );
    let root = any_root();
    let result = evaluate_unfree(
        &nix,
        root.path(),
        &names(&["watched"]),
        Duration::from_secs(20),
    )
    .expect("evaluated");
    assert_eq!(result.verdicts, vec![("watched".to_owned(), true)]);
}

/// A fake `nix` that fails on the package `bad` the way real `nix` does (traces, then an error
/// after printing part of the object) and answers when `bad` is no longer asked about.
#[cfg(unix)]
#[test]
fn a_failing_package_is_dropped_and_the_rest_evaluated_again() {
    let bin = tempfile::tempdir().expect("tempdir");
    let log = bin.path().join("runs");
    let nix = script(
        bin.path(),
        "nix",
        &format!(
            r#"for arg in "$@"; do case "$arg" in flake-lsp-attrs=*) list="${{arg#flake-lsp-attrs=}}";; esac; done
cat "$list" >> '{log}'; echo >> '{log}'
echo 'trace: flake-lsp-imported' >&2
if grep -q '"bad"' "$list"; then
  printf '{{"a":true,"b":null,"bad":'
  echo 'trace: flake-lsp-evaluating a' >&2
  echo 'trace: flake-lsp-evaluating b' >&2
  echo 'trace: flake-lsp-evaluating bad' >&2
  printf 'error: attribute %s missing\n\n       at /x/default.nix:3:4:\n' "'nope'" >&2
  exit 1
fi
echo '{{"c":false}}'"#,
            log = log.display()
        ),
    );
    let root = any_root();
    let result = evaluate_unfree(
        &nix,
        root.path(),
        &names(&["c", "bad", "a", "b", "a"]),
        Duration::from_secs(20),
    )
    .expect("evaluated");
    expect_test::expect![[r#"
        a unfree=true
        c unfree=false
        bad failed: attribute 'nope' missing (at /x/default.nix:3:4)"#]]
    .assert_eq(&show(&result));
    // Sorted and deduplicated; the second run asks only about what is still undecided.
    expect_test::expect![[r#"
        ["a","b","bad","c"]
        ["c"]
    "#]]
    .assert_eq(&std::fs::read_to_string(log).expect("runs"));
}

#[test]
fn partial_output_keeps_the_printed_verdicts() {
    let parse = |s: &str| parse_partial_answers(s.as_bytes());
    assert_eq!(
        parse(r#"{"a":true,"b":null,"c":false,"d":"#),
        vec![
            ("a".to_owned(), Some(true)),
            ("b".to_owned(), None),
            ("c".to_owned(), Some(false))
        ]
    );
    assert_eq!(parse(r#"{"a":"#), vec![]);
    assert_eq!(parse(""), vec![]);
    assert_eq!(
        parse(r#"{"a,b":true,"c":"#),
        vec![("a,b".to_owned(), Some(true))]
    );
}

#[test]
fn error_lines_of_old_and_new_nix() {
    let error = |text: &str| {
        let mut stderr = Stderr::default();
        for line in text.lines() {
            stderr.take_line(line);
        }
        stderr.error(exit_status_one())
    };
    // Nix 2.8: the message first, then the position.
    assert_eq!(
        error(
            "trace: flake-lsp-imported\ntrace: flake-lsp-evaluating x\n\
             error: infinite recursion encountered\n\n       at /n/default.nix:9:29:\n"
        ),
        "infinite recursion encountered (at /n/default.nix:9:29)"
    );
    // Newer Nix: the stack first, the message last; a message may span lines.
    assert_eq!(
        error(
            "error:\n       … while calling the 'abort' builtin\n         at /n/default.nix:1:2:\n\n\
             \x20      error: evaluation aborted with the following error message: 'This version of \
             Nixpkgs requires Nix >= 2.18.0, please upgrade:\n\n       - If you are running NixOS'\n"
        ),
        "evaluation aborted with the following error message: 'This version of Nixpkgs requires \
         Nix >= 2.18.0, please upgrade:"
    );
    // Many warnings (nixpkgs' aliases) before the error do not hide it.
    let warnings = "trace: evaluation warning: `foo` was renamed to `bar`\n".repeat(500);
    assert_eq!(
        error(&format!("{warnings}error: attribute 'x' missing\n")),
        "attribute 'x' missing"
    );
    // The message may begin with a blank line.
    assert_eq!(
        error(
            "error: evaluation aborted with the following error message: '\n\n       This \
             version of Nixpkgs requires Nix >= 2.18.0, please upgrade:\n\n       - If\n"
        ),
        "evaluation aborted with the following error message: 'This version of Nixpkgs \
         requires Nix >= 2.18.0, please upgrade:"
    );
}

fn exit_status_one() -> std::process::ExitStatus {
    #[cfg(unix)]
    {
        std::os::unix::process::ExitStatusExt::from_raw(1 << 8)
    }
    #[cfg(not(unix))]
    {
        std::os::windows::process::ExitStatusExt::from_raw(1)
    }
}

mod real_nix;

use std::path::Path;

use nixpkgs::Freedom;

use super::{IndexOrigin, load_or_scan_nixpkgs, scan_nixpkgs};

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().expect("has parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

/// A nixpkgs-shaped tree: licenses, by-name packages, top-level callPackage entries.
fn fixture_tree(root: &Path) {
    write(
        root,
        "lib/licenses/licenses.nix",
        r#"{ lib }: lib.mapAttrs mkLicense {
          mit = { spdxId = "MIT"; fullName = "MIT License"; };
          unfree = { fullName = "Unfree"; free = false; };
          unfreeRedistributable = { fullName = "Unfree redistributable"; free = false; redistributable = true; };
          unfreeRedistributableFirmware = { fullName = "Unfree redistributable firmware"; redistributable = true; };
        }"#,
    );
    write(
        root,
        "pkgs/by-name/sp/spotify/package.nix",
        r#"{ lib, callPackage }: let meta = { license = lib.licenses.unfree; }; in callPackage ./linux.nix { pname = "spotify"; inherit meta; }"#,
    );
    write(
        root,
        "pkgs/by-name/he/hello/package.nix",
        r#"{ lib, stdenv }: stdenv.mkDerivation { pname = "hello"; version = "2.12"; meta.license = lib.licenses.gpl3Plus; }"#,
    );
    write(
        root,
        "pkgs/by-name/li/linux-firmware/package.nix",
        r#"{ lib, stdenv }: stdenv.mkDerivation { pname = "linux-firmware"; meta = with lib; { license = licenses.unfreeRedistributableFirmware; }; }"#,
    );
    write(
        root,
        "pkgs/by-name/br/broken/package.nix",
        "{ lib }: { meta.license = ",
    );
    write(
        root,
        "pkgs/games/steam/default.nix",
        r#"{ lib, stdenv }: stdenv.mkDerivation { pname = "steam"; meta.license = lib.licenses.unfreeRedistributable; }"#,
    );
    write(
        root,
        "pkgs/top-level/all-packages.nix",
        r#"{ lib, config }: res: pkgs: super: with pkgs; {
          steam = callPackage ../games/steam { };
          steam-alias = steam;
          missing = callPackage ../does/not/exist.nix { };
        }"#,
    );
}

#[test]
fn scans_a_nixpkgs_shaped_tree() {
    let dir = tempfile::tempdir().expect("tempdir");
    fixture_tree(dir.path());
    let index = scan_nixpkgs(dir.path()).expect("scan");
    let shown: Vec<String> = index
        .packages()
        .iter()
        .map(|p| {
            format!(
                "{} {} {:?} {} {:?}",
                p.attr,
                p.freedom.as_str(),
                p.licenses,
                p.file,
                p.pname
            )
        })
        .collect();
    expect_test::expect![[r#"
        broken unknown [] pkgs/by-name/br/broken/package.nix None
        hello unknown ["gpl3Plus"] pkgs/by-name/he/hello/package.nix Some("hello")
        linux-firmware free ["unfreeRedistributableFirmware"] pkgs/by-name/li/linux-firmware/package.nix Some("linux-firmware")
        spotify unfree ["unfree"] pkgs/by-name/sp/spotify/package.nix Some("spotify")
        steam unfree ["unfreeRedistributable"] pkgs/games/steam/default.nix Some("steam")
        steam-alias unfree ["unfreeRedistributable"] pkgs/games/steam/default.nix Some("steam")"#]]
    .assert_eq(&shown.join("\n"));
}

#[test]
fn second_load_comes_from_the_cache() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = tempfile::tempdir().expect("tempdir");
    fixture_tree(dir.path());
    let (first, origin) =
        load_or_scan_nixpkgs(dir.path(), "sha256-abc=", Some(cache.path())).expect("scan");
    assert_eq!(origin, IndexOrigin::Scanned);
    let (second, origin) =
        load_or_scan_nixpkgs(dir.path(), "sha256-abc=", Some(cache.path())).expect("load");
    assert_eq!(origin, IndexOrigin::Cache);
    assert_eq!(first, second);
    // A corrupt cache is ignored, not trusted.
    for entry in std::fs::read_dir(cache.path()).expect("ls").flatten() {
        std::fs::write(entry.path(), "flake-lsp nixpkgs index v1\nP\tbad\n").expect("write");
    }
    let (_, origin) =
        load_or_scan_nixpkgs(dir.path(), "sha256-abc=", Some(cache.path())).expect("rescan");
    assert_eq!(origin, IndexOrigin::Scanned);
}

#[test]
fn not_a_nixpkgs_tree() {
    let dir = tempfile::tempdir().expect("tempdir");
    assert!(scan_nixpkgs(dir.path()).is_err());
}

#[test]
fn evaluated_verdicts_decide_unknown_packages() {
    let dir = tempfile::tempdir().expect("tempdir");
    fixture_tree(dir.path());
    let mut index = scan_nixpkgs(dir.path()).expect("scan");
    assert_eq!(
        index.get("broken").map(|p| p.freedom),
        Some(Freedom::Unknown)
    );
    index.apply_evaluated(&[("broken".to_owned(), true)]);
    assert_eq!(
        index.get("broken").map(|p| p.freedom),
        Some(Freedom::Unfree)
    );
}

/// A flake at `flake_root` whose lock pins `nixpkgs` to a fixture tree in `store_dir`; returns
/// the tree's path.
fn locked_fixture(flake_root: &Path, store_dir: &str) -> String {
    let nar_hash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    let source = flake::store_path(nar_hash, store_dir).expect("store path");
    fixture_tree(Path::new(&source));
    std::fs::write(
        flake_root.join("flake.lock"),
        format!(
            r#"{{"nodes":{{"nixpkgs":{{"locked":{{"lastModified":1,"narHash":"{nar_hash}","owner":"NixOS","repo":"nixpkgs","rev":"0000000000000000000000000000000000000000","type":"github"}},"original":{{"owner":"NixOS","repo":"nixpkgs","type":"github"}}}},"root":{{"inputs":{{"nixpkgs":"nixpkgs"}}}}}},"root":"root","version":7}}"#
        ),
    )
    .expect("write lock");
    source
}

#[test]
fn package_data_from_a_locked_nixpkgs() {
    let store = tempfile::tempdir().expect("tempdir");
    let flake_root = tempfile::tempdir().expect("tempdir");
    let cache = tempfile::tempdir().expect("tempdir");
    let store_dir = store.path().to_str().expect("utf-8");
    let source = locked_fixture(flake_root.path(), store_dir);
    let config = ide::AnalysisConfig {
        store_dir: store_dir.to_owned(),
        ..ide::AnalysisConfig::default()
    };
    let mut lines = Vec::new();
    let scanned = super::load_package_data(
        &[flake_root.path().to_path_buf()],
        &config,
        Some(cache.path()),
        &mut |l| lines.push(l),
    );
    // `unfree.evaluate` is off: nothing is left to evaluate.
    assert!(!scanned.needs_evaluation());
    let packages = scanned.packages;
    assert!(packages.by_source.contains_key("nixpkgs"), "{lines:?}");
    let lookup = packages
        .lookup(Some("nixpkgs"), &["spotify"])
        .expect("spotify");
    assert_eq!(lookup.info.source, nixpkgs::IndexSource::Scan);
    // Not in the scanned tree: the bundled list answers.
    let lookup = packages
        .lookup(Some("nixpkgs"), &["discord"])
        .expect("discord");
    assert_eq!(lookup.info.source, nixpkgs::IndexSource::Fallback);

    // No lock: the `nixpkgs.path` setting is the default index.
    let config = ide::AnalysisConfig {
        nixpkgs_path: Some(source.clone()),
        ..config
    };
    let scanned = super::load_package_data(&[], &config, None, &mut |_| {});
    assert!(scanned.packages.default.is_some());
}

/// With `unfree.evaluate`, the scan leaves the undecided packages to `nix`, whose verdicts come
/// in a second step and are cached apart from the scanned index: the next load has them at once
/// and does not run `nix` again. Failures are warnings; the scanned verdicts stand.
#[cfg(unix)]
#[test]
fn package_data_with_evaluated_verdicts() {
    use std::os::unix::fs::PermissionsExt;

    use super::package_data::evaluate_undecided_with;
    use super::{LogLevel, LogLine, load_package_data};
    let store = tempfile::tempdir().expect("tempdir");
    let flake_root = tempfile::tempdir().expect("tempdir");
    let cache = tempfile::tempdir().expect("tempdir");
    let bin = tempfile::tempdir().expect("tempdir");
    let store_dir = store.path().to_str().expect("utf-8");
    let source = locked_fixture(flake_root.path(), store_dir);
    std::fs::write(Path::new(&source).join("default.nix"), "{ ... }: { }").expect("write");
    let script = |name: &str, body: &str| {
        let path = bin.path().join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("write");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        path
    };
    let answering = script("answering", r#"echo '{"broken":true,"hello":false}'"#);
    let failing = script("failing", "echo 'error: no' >&2; exit 1");
    let config = ide::AnalysisConfig {
        store_dir: store_dir.to_owned(),
        unfree_evaluate: true,
        ..ide::AnalysisConfig::default()
    };
    let freedom = |packages: &nixpkgs::Packages, attr: &str| {
        let info = packages
            .lookup(Some("nixpkgs"), &[attr])
            .expect("known")
            .info;
        format!("{attr} {} {:?}", info.freedom.as_str(), info.source)
    };
    let mut lines: Vec<LogLine> = Vec::new();
    let roots = [flake_root.path().to_path_buf()];
    // Both steps, as the CLI runs them; the scanned data and the evaluated data.
    let load = |nix: &Path, cache: Option<&Path>, lines: &mut Vec<LogLine>| {
        let scanned = load_package_data(&roots, &config, cache, &mut |l| lines.push(l));
        let evaluated = evaluate_undecided_with(&scanned, nix, cache, &mut |l| lines.push(l));
        (scanned, evaluated)
    };

    let (first_scan, first) = load(&answering, Some(cache.path()), &mut lines);
    let (second_scan, second) = load(&failing, Some(cache.path()), &mut lines);
    let (_, uncached) = load(&failing, None, &mut lines);
    let first = first.expect("evaluated");
    let shown = [
        freedom(&first_scan.packages, "broken"),
        freedom(&first, "broken"),
        freedom(&first, "hello"),
        freedom(&second_scan.packages, "broken"),
    ];
    expect_test::expect![[r#"
        broken unknown Scan
        broken unfree Evaluator
        hello free Evaluator
        broken unfree Evaluator"#]]
    .assert_eq(&shown.join("\n"));
    // The second load had the verdicts from the cache: nothing to evaluate.
    assert!(!second_scan.needs_evaluation());
    assert!(second.is_none());
    // Without a cache, the failing `nix` decides nothing.
    assert!(uncached.is_none());
    // The evaluated index replaced the scanned one wherever the scanned one was used.
    assert!(std::sync::Arc::ptr_eq(
        first.default.as_ref().expect("default"),
        &first.by_source["nixpkgs"]
    ));
    let lines: Vec<String> = lines
        .iter()
        .map(|l| {
            let level = if l.level == LogLevel::Warn {
                "warn"
            } else {
                "info"
            };
            format!("{level}: {}", l.text)
        })
        .collect();
    let lines = lines.join("\n").replace(&source, "$SOURCE");
    let lines = mask_seconds(&lines);
    expect_test::expect![[r#"
        info: nixpkgs index of $SOURCE (6 packages, Scanned)
        info: unfree.evaluate: `nix eval` decided 2 of 2 undecided packages of $SOURCE in _ s
        info: nixpkgs index of $SOURCE (6 packages, Cache, with `nix eval` verdicts)
        info: nixpkgs index of $SOURCE (6 packages, Scanned)
        warn: unfree.evaluate: `nix eval` for $SOURCE failed, the static verdicts stand: `nix eval` failed: no"#]]
    .assert_eq(&lines);
}

/// A tree that another load evaluated meanwhile is taken from the cache, without running `nix`;
/// a tree that gives no index is a warning.
#[cfg(unix)]
#[test]
fn evaluation_reuses_verdicts_cached_meanwhile() {
    use super::package_data::evaluate_undecided_with;
    use super::{LogLevel, load_package_data};
    let store = tempfile::tempdir().expect("tempdir");
    let flake_root = tempfile::tempdir().expect("tempdir");
    let cache = tempfile::tempdir().expect("tempdir");
    let store_dir = store.path().to_str().expect("utf-8");
    let source = locked_fixture(flake_root.path(), store_dir);
    let config = ide::AnalysisConfig {
        store_dir: store_dir.to_owned(),
        unfree_evaluate: true,
        ..ide::AnalysisConfig::default()
    };
    let roots = [flake_root.path().to_path_buf()];
    let scanned = load_package_data(&roots, &config, Some(cache.path()), &mut |_| {});
    assert!(scanned.needs_evaluation());
    let mut evaluated = scan_nixpkgs(Path::new(&source)).expect("scan");
    evaluated.apply_evaluated(&[("broken".to_owned(), true)]);
    let key = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=-evaluated";
    super::store_cached_index(cache.path(), key, &evaluated).expect("store");
    let packages = evaluate_undecided_with(
        &scanned,
        Path::new("/nonexistent/nix"),
        Some(cache.path()),
        &mut |_| {},
    )
    .expect("from the cache");
    let info = packages
        .lookup(Some("nixpkgs"), &["broken"])
        .expect("known")
        .info;
    assert_eq!(info.freedom, Freedom::Unfree);

    let config = ide::AnalysisConfig {
        nixpkgs_path: Some("/nonexistent/nixpkgs".to_owned()),
        ..config
    };
    let mut lines = Vec::new();
    let scanned = load_package_data(&[], &config, None, &mut |l| lines.push(l));
    assert!(!scanned.needs_evaluation());
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0].level, LogLevel::Warn, "{lines:?}");
}

/// Replaces the figure in `in 0.1 s` with `_` (log lines carry durations).
fn mask_seconds(text: &str) -> String {
    text.lines()
        .map(|line| match (line.rfind(" in "), line.rfind(" s")) {
            (Some(a), Some(b)) if a + 4 <= b && line[a + 4..b].parse::<f32>().is_ok() => {
                format!("{} in _{}", &line[..a], &line[b..])
            }
            _ => line.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

//! File-system tests of discovery, reading, loading and watching, on temporary directories.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use ide::FileContent;
use project::{
    ChangedPaths, LoadConfig, Watcher, find_flake_root_upward, find_flake_roots, load_roots,
    read_file, reload,
};

fn write(root: &Path, rel: &str, text: &str) -> PathBuf {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, text).unwrap();
    path
}

/// Paths relative to `root`, one per line, for snapshots.
fn rel_list<'a>(root: &Path, paths: impl IntoIterator<Item = &'a base::VfsPath>) -> String {
    let mut out = String::new();
    for path in paths {
        let rel = path.as_path().strip_prefix(root).unwrap();
        out.push_str(&format!(
            "{}\n",
            if rel.as_os_str().is_empty() {
                ".".into()
            } else {
                rel.display().to_string()
            }
        ));
    }
    out
}

fn tempdir() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    // Temp dirs may sit behind a symbolic link (macOS /var); analysis paths are lexical.
    let root = dir.path().to_path_buf();
    (dir, root)
}

#[test]
fn discovery_skips_and_nests() {
    let (_guard, root) = tempdir();
    write(&root, "flake.nix", "{ }");
    write(&root, "templates/x/flake.nix", "{ }");
    write(&root, ".config/home-manager/flake.nix", "{ }");
    write(&root, ".git/modules/flake.nix", "{ }");
    write(&root, "node_modules/pkg/flake.nix", "{ }");
    write(&root, ".direnv/flake-inputs/abc/flake.nix", "{ }");
    write(&root, "result/flake.nix", "{ }");
    write(&root, "result-man/flake.nix", "{ }");
    write(&root, "results/flake.nix", "{ }");
    write(&root, "ignored-by-git/flake.nix", "{ }");
    write(&root, ".gitignore", "ignored-by-git/\n");
    let roots = find_flake_roots(std::slice::from_ref(&root));
    expect_test::expect![[r#"
        .
        .config/home-manager
        ignored-by-git
        results
        templates/x
    "#]]
    .assert_eq(&rel_list(&root, &roots));
}

#[test]
fn discovery_of_missing_dir_is_empty() {
    let (_guard, root) = tempdir();
    assert!(find_flake_roots(&[root.join("nope")]).is_empty());
}

#[test]
fn upward_search() {
    let (_guard, root) = tempdir();
    write(&root, "flake.nix", "{ }");
    let home = write(&root, "users/alice/home.nix", "{ }");
    write(&root, "templates/x/flake.nix", "{ }");
    let inner = write(&root, "templates/x/mod.nix", "{ }");
    assert_eq!(find_flake_root_upward(&home).unwrap().as_path(), root);
    assert_eq!(
        find_flake_root_upward(&inner).unwrap().as_path(),
        root.join("templates/x")
    );
    assert_eq!(
        find_flake_root_upward(&root.join("templates/x"))
            .unwrap()
            .as_path(),
        root.join("templates/x")
    );
    let (_guard2, other) = tempdir();
    let lone = write(&other, "lone.nix", "{ }");
    assert_eq!(find_flake_root_upward(&lone), None);
}

#[test]
fn read_text_bom_and_caps() {
    let (_guard, root) = tempdir();
    let cfg = LoadConfig::default();
    let text = write(&root, "a.nix", "{ x = 1; }");
    assert_eq!(
        read_file(&text, &cfg).unwrap(),
        FileContent::Text("{ x = 1; }".into())
    );
    let bom = write(&root, "bom.nix", "\u{feff}{ }");
    assert_eq!(
        read_file(&bom, &cfg).unwrap(),
        FileContent::Text("\u{feff}{ }".into())
    );

    let small = LoadConfig {
        max_file_size: 4,
        ..LoadConfig::default()
    };
    assert_eq!(
        read_file(&text, &small).unwrap(),
        FileContent::TooLarge { size: 10, limit: 4 }
    );
    let exact = LoadConfig {
        max_file_size: 10,
        ..LoadConfig::default()
    };
    assert!(matches!(
        read_file(&text, &exact).unwrap(),
        FileContent::Text(_)
    ));
}

#[test]
fn read_not_utf8_and_binary() {
    let (_guard, root) = tempdir();
    let cfg = LoadConfig::default();
    let latin1 = root.join("latin1.nix");
    fs::write(&latin1, b"{ name = \"caf\xe9\"; }").unwrap();
    assert_eq!(read_file(&latin1, &cfg).unwrap(), FileContent::NotUtf8);
    let binary = root.join("image.nix");
    let bytes: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
    fs::write(&binary, bytes).unwrap();
    assert_eq!(read_file(&binary, &cfg).unwrap(), FileContent::NotUtf8);
    // NUL bytes are valid UTF-8: the file is text, and the parser reports what it makes of it.
    let nul = root.join("nul.nix");
    fs::write(&nul, b"{ }\0").unwrap();
    assert!(matches!(
        read_file(&nul, &cfg).unwrap(),
        FileContent::Text(_)
    ));
}

#[test]
fn read_errors() {
    let (_guard, root) = tempdir();
    let cfg = LoadConfig::default();
    assert_eq!(
        read_file(&root.join("missing.nix"), &cfg)
            .unwrap_err()
            .kind(),
        std::io::ErrorKind::NotFound
    );
    assert!(read_file(&root, &cfg).is_err());
}

#[cfg(unix)]
#[test]
fn symlinks_and_fifos_do_not_hang() {
    use std::os::unix::fs::symlink;
    let (_guard, root) = tempdir();
    let cfg = LoadConfig::default();
    write(&root, "flake.nix", "{ }");
    write(&root, "real.nix", "{ }");
    symlink(root.join("real.nix"), root.join("link.nix")).unwrap();
    symlink(root.join("loop-b.nix"), root.join("loop-a.nix")).unwrap();
    symlink(root.join("loop-a.nix"), root.join("loop-b.nix")).unwrap();
    symlink(&root, root.join("self")).unwrap();
    fs::create_dir(root.join("sub")).unwrap();
    symlink(root.join("sub"), root.join("sub/again")).unwrap();
    symlink(root.join("nowhere"), root.join("dangling.nix")).unwrap();
    let fifo = root.join("pipe.nix");
    let status = std::process::Command::new("mkfifo").arg(&fifo).status();
    let have_fifo = status.is_ok_and(|s| s.success());

    assert!(read_file(&root.join("loop-a.nix"), &cfg).is_err());
    if have_fifo {
        assert!(read_file(&fifo, &cfg).is_err());
    }
    assert_eq!(find_flake_roots(std::slice::from_ref(&root)).len(), 1);
    let roots = find_flake_roots(std::slice::from_ref(&root));
    let (change, issues) = load_roots(&roots, &cfg);
    let loaded: Vec<_> = change.files.iter().map(|(p, _)| p.clone()).collect();
    expect_test::expect![[r#"
        flake.nix
        link.nix
        real.nix
    "#]]
    .assert_eq(&rel_list(&root, &loaded));
    assert!(issues.is_empty(), "{issues:?}");
    let existing = change.existing_paths.unwrap();
    assert!(existing.contains(&base::VfsPath::new(root.join("dangling.nix"))));
    assert!(existing.contains(&base::VfsPath::new(root.join("self"))));
}

#[test]
fn load_roots_collects_files_and_paths() {
    let (_guard, root) = tempdir();
    write(&root, "flake.nix", "{ }");
    write(&root, "flake.lock", "{ \"version\": 7 }");
    write(&root, "hosts/laptop/default.nix", "{ }");
    write(&root, "hosts/laptop/hardware.png", "not nix");
    write(&root, "templates/x/flake.nix", "{ }");
    write(&root, ".git/config", "");
    write(&root, "node_modules/x/y.nix", "{ }");
    fs::write(root.join("big.nix"), "x".repeat(100)).unwrap();
    let cfg = LoadConfig {
        max_file_size: 50,
        ..LoadConfig::default()
    };
    let roots = find_flake_roots(std::slice::from_ref(&root));
    let (change, issues) = load_roots(&roots, &cfg);
    assert!(issues.is_empty(), "{issues:?}");
    assert_eq!(change.roots.as_deref(), Some(&roots[..]));
    let mut files = String::new();
    for (path, content) in &change.files {
        let rel = path
            .as_path()
            .strip_prefix(&root)
            .unwrap()
            .display()
            .to_string();
        let what = match content {
            Some(FileContent::Text(t)) => format!("text, {} bytes", t.len()),
            Some(other) => format!("{other:?}"),
            None => "removed".to_owned(),
        };
        files.push_str(&format!("{rel}: {what}\n"));
    }
    expect_test::expect![[r#"
        big.nix: TooLarge { size: 100, limit: 50 }
        flake.lock: text, 16 bytes
        flake.nix: text, 3 bytes
        hosts/laptop/default.nix: text, 3 bytes
        templates/x/flake.nix: text, 3 bytes
    "#]]
    .assert_eq(&files);
    expect_test::expect![[r#"
        .
        .git
        big.nix
        flake.lock
        flake.nix
        hosts
        hosts/laptop
        hosts/laptop/default.nix
        hosts/laptop/hardware.png
        node_modules
        templates
        templates/x
        templates/x/flake.nix
    "#]]
    .assert_eq(&rel_list(&root, change.existing_paths.as_ref().unwrap()));
    assert_eq!(change.config.unwrap().store_dir, "/nix/store");
}

#[cfg(unix)]
#[test]
fn unreadable_files_are_issues() {
    use std::os::unix::fs::PermissionsExt;
    let (_guard, root) = tempdir();
    write(&root, "flake.nix", "{ }");
    let secret = write(&root, "secret.nix", "{ }");
    fs::set_permissions(&secret, fs::Permissions::from_mode(0o000)).unwrap();
    if fs::read(&secret).is_ok() {
        // Running as root: permissions do not apply, so there is nothing to test.
        return;
    }
    let (change, issues) = load_roots(
        &find_flake_roots(std::slice::from_ref(&root)),
        &LoadConfig::default(),
    );
    assert_eq!(change.files.len(), 1);
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0].path.as_path(), secret);
}

#[test]
fn reload_reads_and_removes() {
    let (_guard, root) = tempdir();
    let a = write(&root, "flake.nix", "{ }");
    let roots = find_flake_roots(std::slice::from_ref(&root));
    let b = write(&root, "new.nix", "{ b = 1; }");
    fs::remove_file(&a).unwrap();
    let changed = ChangedPaths {
        files: vec![base::VfsPath::new(&a), base::VfsPath::new(&b)],
        tree_changed: true,
    };
    let (change, issues) = reload(&roots, &changed, &LoadConfig::default());
    assert!(issues.is_empty());
    assert_eq!(change.files[0], (base::VfsPath::new(&a), None));
    assert_eq!(
        change.files[1],
        (
            base::VfsPath::new(&b),
            Some(FileContent::Text("{ b = 1; }".into()))
        )
    );
    expect_test::expect![[r#"
        .
        new.nix
    "#]]
    .assert_eq(&rel_list(&root, change.existing_paths.as_ref().unwrap()));
}

/// Waits for batches until one mentions `want`, failing after a generous bound.
fn wait_for(rx: &mpsc::Receiver<ChangedPaths>, want: &Path) -> Vec<ChangedPaths> {
    let mut seen = Vec::new();
    loop {
        let batch = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("no watcher event for the change");
        let done = batch.files.iter().any(|f| f.as_path() == want);
        seen.push(batch);
        if done {
            return seen;
        }
    }
}

#[test]
fn watcher_reports_nix_changes_and_new_directories() {
    let (_guard, root) = tempdir();
    write(&root, "flake.nix", "{ }");
    write(&root, ".git/HEAD", "ref: refs/heads/main\n");
    let roots = find_flake_roots(std::slice::from_ref(&root));
    let (tx, rx) = mpsc::channel();
    let watcher = Watcher::new(&roots, move |batch| {
        let _ = tx.send(batch);
    })
    .unwrap();

    let flake = write(&root, "flake.nix", "{ outputs = _: { }; }");
    wait_for(&rx, &flake);

    write(&root, ".git/objects/ab.nix", "{ }");
    write(&root, "README.md", "text");
    let nested = write(&root, "modules/deep/er/x.nix", "{ }");
    let batches = wait_for(&rx, &nested);
    assert!(batches.iter().any(|b| b.tree_changed));
    for batch in &batches {
        assert!(
            batch
                .files
                .iter()
                .all(|f| !f.as_path().starts_with(root.join(".git"))),
            "{batch:?}"
        );
    }

    // A file created later inside the new directory is seen too (its watch was added).
    let later = write(&root, "modules/deep/er/y.nix", "{ }");
    wait_for(&rx, &later);

    fs::remove_file(&later).unwrap();
    let removed = wait_for(&rx, &later);
    assert!(removed.iter().any(|b| b.tree_changed));
    drop(watcher);
}

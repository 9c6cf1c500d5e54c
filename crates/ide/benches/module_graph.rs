//! Module-graph latency on the shared 200-module flake workload: cold analysis of the whole workspace, and
//! "edit one leaf module, then diagnostics for that file" (p50/p99 over many edits), and "edit one
//! character in a 1.5 MB all-packages-shaped file that is not a module, then diagnostics for that
//! file" (the module analysis must not rescan it whole).
//! Run with `cargo bench -p ide --bench module_graph`.

use std::time::{Duration, Instant};

use ide::{AnalysisHost, Change, TextEdit, TextRange, TextSize, VfsPath};

/// The shared 200-module workload (`test_fixture::workload::module_flake`) under `/w`.
fn workload(n: usize) -> Vec<(String, String)> {
    test_fixture::workload::module_flake(n)
        .into_iter()
        .map(|(path, text)| (format!("/w/{path}"), text))
        .collect()
}

/// The module analysis's codes (other layers may report on the synthetic flake too).
fn is_module_code(code: &str) -> bool {
    matches!(
        code,
        "missing-module-argument"
            | "module-args-recursion"
            | "missing-import"
            | "unexpected-module-argument"
            | "imports-in-config"
    )
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx]
}

fn main() {
    let files = workload(200);
    let change = test_fixture::Fixture::from_files(files.clone()).to_change();

    // Cold: a fresh host each time (the summary cache is process-wide, so only the first run
    // is fully cold; both figures are printed).
    let mut cold = Vec::new();
    for _ in 0..10 {
        let mut host = AnalysisHost::new();
        host.apply_change(change.clone());
        let analysis = host.analysis();
        let start = Instant::now();
        let mut n = 0;
        for f in analysis.files() {
            n += analysis
                .diagnostics(f)
                .iter()
                .filter(|d| is_module_code(d.code.as_str()))
                .count();
        }
        cold.push(start.elapsed());
        assert_eq!(n, 0, "the workload is clean");
    }
    println!(
        "cold whole-workspace diagnostics: first {:?}, then median {:?}",
        cold[0],
        {
            let mut c = cold[1..].to_vec();
            c.sort();
            c[c.len() / 2]
        }
    );

    let mut host = AnalysisHost::new();
    host.apply_change(change.clone());
    // A leaf module (not a directory's default.nix) deep in the tree.
    let leaf_path = files
        .iter()
        .map(|(p, _)| p.as_str())
        .rfind(|p| p.starts_with("/w/modules/") && !p.ends_with("default.nix"))
        .expect("a leaf module")
        .to_owned();
    let leaf = VfsPath::new(&leaf_path);
    let leaf_id = host.analysis().file_id(&leaf).expect("leaf");
    let _ = host.analysis().diagnostics(leaf_id);
    let mut times = Vec::new();
    for i in 0..300u32 {
        let text = host.analysis().file_text(leaf_id);
        let at = TextSize::from(text.rfind('}').expect("anchor") as u32);
        let mut c = Change::new();
        let insert = if i % 2 == 0 { " " } else { "" };
        let range = if i % 2 == 0 {
            TextRange::empty(at)
        } else {
            TextRange::at(at - TextSize::from(1), TextSize::from(1))
        };
        c.edit_file(
            leaf.clone(),
            vec![TextEdit {
                range,
                new_text: insert.to_owned(),
            }],
        );
        let start = Instant::now();
        host.apply_change(c);
        let d = host.analysis().diagnostics(leaf_id);
        times.push(start.elapsed());
        assert!(!d.iter().any(|d| is_module_code(d.code.as_str())));
    }
    // Sanity: the workload's configurations were really found (a missing argument is seen).
    let mut c = Change::new();
    c.set_text(leaf.clone(), "{ missingArg, ... }: { x = missingArg; }\n");
    host.apply_change(c);
    assert!(
        host.analysis()
            .diagnostics(leaf_id)
            .iter()
            .any(|d| is_module_code(d.code.as_str())),
        "the graph reaches the leaf module"
    );
    times.sort();
    println!(
        "edit leaf module -> its diagnostics: p50 {:?}, p99 {:?}, max {:?}",
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        times[times.len() - 1]
    );
    big_file_edits(&change);
}

/// Edits one character in the middle of a 1.5 MB file next to the workload's modules.
fn big_file_edits(change: &Change) {
    let mut change = change.clone();
    let big = VfsPath::new("/w/pkgs/top-level/all-packages.nix");
    let text = test_fixture::workload::all_packages_like(1_500_000);
    if let Some(existing) = change.existing_paths.as_mut() {
        let mut d = big.parent();
        while let Some(dir) = d {
            d = dir.parent();
            existing.insert(dir);
        }
        existing.insert(big.clone());
    }
    change.set_text(big.clone(), text.as_str());
    let mut host = AnalysisHost::new();
    host.apply_change(change);
    let big_id = host.analysis().file_id(&big).expect("big file");
    let start = Instant::now();
    let _ = host.analysis().diagnostics(big_id);
    println!("big file: first diagnostics {:?}", start.elapsed());
    // Inside an attribute name about halfway through the file.
    let mid = text.len() / 2;
    let at = mid + text[mid..].find(" = ").expect("a binding") - 1;
    let at = TextSize::from(at as u32);
    let mut times = Vec::new();
    for i in 0..60u32 {
        let mut c = Change::new();
        let (range, insert) = if i % 2 == 0 {
            (TextRange::empty(at), "x")
        } else {
            (TextRange::at(at, TextSize::from(1)), "")
        };
        c.edit_file(
            big.clone(),
            vec![TextEdit {
                range,
                new_text: insert.to_owned(),
            }],
        );
        let start = Instant::now();
        host.apply_change(c);
        let _ = host.analysis().diagnostics(big_id);
        times.push(start.elapsed());
    }
    times.sort();
    println!(
        "edit 1.5 MB non-module file -> its diagnostics: p50 {:?}, p99 {:?}, max {:?}",
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        times[times.len() - 1]
    );
}

//! The unfree analysis on a 1.5 MB `all-packages.nix`-shaped file
//! (`test_fixture::workload::all_packages_like`): the syntactic pass alone (`package_uses` and
//! resolving every use's package set, which runs whenever the file can hold relevant uses), and
//! a single-character edit of that file inside the 200-module workload followed by its
//! diagnostics (everything the `ide` layer does per keystroke, unfree checks included).
//! Run with `cargo bench -p ide --bench unfree_big_file`.

use criterion::{Criterion, criterion_group, criterion_main};
use ide::{AnalysisHost, Change, TextEdit, TextRange, TextSize, VfsPath};

const BIG: &str = "/w/pkgs/top-level/all-packages.nix";

fn syntactic_pass(c: &mut Criterion) {
    let text = test_fixture::workload::all_packages_like(1_500_000);
    let root = syntax::parse(&text).syntax_node();
    c.bench_function("unfree: package_uses + resolve each use (1.5 MB)", |b| {
        b.iter(|| {
            let scopes = nixpkgs::Scopes::new();
            let uses = nixpkgs::package_uses_in(&root, &scopes);
            let resolved = uses
                .iter()
                .filter(|u| {
                    nixpkgs::resolve_package_set_in(&u.set, &scopes) != nixpkgs::Resolved::Unknown
                })
                .count();
            (uses.len(), resolved)
        })
    });
}

fn edit_then_diagnostics(c: &mut Criterion) {
    let mut files: Vec<(String, String)> = test_fixture::workload::module_flake(200)
        .into_iter()
        .map(|(path, text)| (format!("/w/{path}"), text))
        .collect();
    files.push((
        BIG.to_owned(),
        test_fixture::workload::all_packages_like(1_500_000),
    ));
    let change = test_fixture::Fixture::from_files(files).to_change();
    let mut host = AnalysisHost::new();
    host.apply_change(change);
    let big = VfsPath::new(BIG);
    let big_id = host.analysis().file_id(&big).expect("big file");
    let before = host.analysis().diagnostics(big_id);
    assert!(
        !before.iter().any(|d| d.code.as_str() == "unfree-package"),
        "no unfree-package in an all-packages-like file"
    );
    // Type a character into an attribute name in the middle of the file, then delete it.
    let text = host.analysis().file_text(big_id);
    let at = text[text.len() / 2..].find(" = ").expect("a binding") + text.len() / 2;
    let at = TextSize::from(at as u32);
    let mut typed = false;
    c.bench_function("edit 1.5 MB file -> its diagnostics (ide)", |b| {
        b.iter(|| {
            let mut c = Change::new();
            let (range, new_text) = if typed {
                (TextRange::at(at, TextSize::from(1)), "")
            } else {
                (TextRange::empty(at), "x")
            };
            typed = !typed;
            c.edit_file(
                big.clone(),
                vec![TextEdit {
                    range,
                    new_text: new_text.to_owned(),
                }],
            );
            host.apply_change(c);
            host.analysis().diagnostics(big_id).len()
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = syntactic_pass, edit_then_diagnostics
}
criterion_main!(benches);

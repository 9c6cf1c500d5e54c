//! Latency of completion and hover on a nixpkgs set an overlay nests in `pkgs`, on the shared
//! 200-module flake workload whose host module adds `unstable` by an overlay: completion right
//! after `pkgs.unstable.` (the file does not parse, so the module is read again with a
//! placeholder name), completion after `pkgs.unstable.s` (the file parses) and hover on
//! `pkgs.unstable.spotify`, each after an edit of the file (p50/p99 over many edits).
//! Run with `cargo bench -p ide --bench package_completion`.

use std::time::{Duration, Instant};

use ide::{AnalysisHost, Change, FilePosition, TextEdit, TextRange, TextSize, VfsPath};

/// The overlay the host module applies.
const OVERLAY: &str = "nixpkgs.overlays = [ (final: prev: { unstable = import inputs.nixpkgs-unstable { inherit (final) system config; }; }) ];\n  system.stateVersion";

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx]
}

fn main() {
    let files: Vec<(String, String)> = test_fixture::workload::module_flake(200)
        .into_iter()
        .map(|(path, text)| {
            let text = if path == "hosts/workstation/default.nix" {
                text.replace("{ config, pkgs, ... }:", "{ config, pkgs, inputs, ... }:")
                    .replace("system.stateVersion", OVERLAY)
            } else {
                text
            };
            (format!("/w/{path}"), text)
        })
        .collect();
    let change = test_fixture::Fixture::from_files(files.clone()).to_change();
    let leaf_path = files
        .iter()
        .map(|(p, _)| p.as_str())
        .rfind(|p| p.starts_with("/w/modules/") && !p.ends_with("default.nix"))
        .expect("a leaf module")
        .to_owned();
    let leaf = VfsPath::new(&leaf_path);

    for (what, text) in [
        (
            "completion after `pkgs.unstable.` (file does not parse)",
            "{ pkgs, ... }: { environment.systemPackages = [ pkgs.unstable.$0 ]; }\n",
        ),
        (
            "completion after `pkgs.unstable.s` (file parses)",
            "{ pkgs, ... }: { environment.systemPackages = [ pkgs.unstable.s$0 ]; }\n",
        ),
        (
            "hover on `pkgs.unstable.spotify`",
            "{ pkgs, ... }: { environment.systemPackages = [ pkgs.unstable.spot$0ify ]; }\n",
        ),
    ] {
        let offset = TextSize::from(text.find("$0").expect("$0") as u32);
        let text = text.replace("$0", "");
        let mut host = AnalysisHost::new();
        host.apply_change(change.clone());
        let mut c = Change::new();
        c.set_text(leaf.clone(), text.as_str());
        host.apply_change(c);
        let leaf_id = host.analysis().file_id(&leaf).expect("leaf");
        let pos = FilePosition {
            file_id: leaf_id,
            offset,
        };
        let mut found = 0;
        let mut times = Vec::new();
        for i in 0..100u32 {
            // An edit after the cursor (a space at the end of the file, then removed).
            let end = TextSize::from(host.analysis().file_text(leaf_id).len() as u32);
            let (range, new_text) = if i % 2 == 0 {
                (TextRange::empty(end), " ")
            } else {
                (
                    TextRange::at(end - TextSize::from(1), TextSize::from(1)),
                    "",
                )
            };
            let mut c = Change::new();
            c.edit_file(
                leaf.clone(),
                vec![TextEdit {
                    range,
                    new_text: new_text.to_owned(),
                }],
            );
            host.apply_change(c);
            let analysis = host.analysis();
            let start = Instant::now();
            if what.starts_with("hover") {
                found += usize::from(analysis.hover(pos).is_some());
            } else {
                found += analysis.completions(pos).len();
            }
            times.push(start.elapsed());
        }
        assert!(found > 0, "{what}: nothing found");
        times.sort();
        println!(
            "{what}: p50 {:?}, p99 {:?}",
            percentile(&times, 0.5),
            percentile(&times, 0.99)
        );
    }
}

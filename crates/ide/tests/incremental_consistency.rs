//! Everything the analysis keeps across snapshots (incremental reparses, the module analysis
//! reused while nothing it read changed, summaries and path references memoised per text or
//! green node) must give what a fresh analysis of the same texts gives. Random edit scripts over
//! a small flake workload compare the two after every edit.

use ide::{AnalysisHost, Change, TextEdit, TextRange, TextSize, VfsPath};
use test_fixture::Fixture;

/// Edits that touch what the module graph reads: names, arguments, imports, `_module.args`,
/// specialArgs, syntax errors and their repair.
const SNIPPETS: &[&str] = &[
    "x",
    " ",
    "\n",
    ";",
    "{",
    "}",
    "pkgs-unstable.hello",
    "foo, ",
    "imports = [ ./missing.nix ];",
    "_module.args.foo = 1;",
    "specialArgs = { foo = 1; };",
    "inputs.nope.x",
    "\"",
];

/// A small deterministic generator (the same script on every run).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n
    }
}

fn workload() -> Vec<(String, String)> {
    test_fixture::workload::module_flake(20)
        .into_iter()
        .map(|(path, text)| (format!("/w/{path}"), text))
        .collect()
}

/// Every file's diagnostics, rendered, in path order.
fn all_diagnostics(host: &AnalysisHost) -> Vec<(String, String)> {
    let analysis = host.analysis();
    let mut out: Vec<(String, String)> = analysis
        .files()
        .into_iter()
        .map(|file| {
            let diags: Vec<String> = analysis
                .diagnostics(file)
                .iter()
                .map(|d| format!("{:?} {} {}", d.location.range, d.code.as_str(), d.message))
                .collect();
            (analysis.file_path(file).to_string(), diags.join("\n"))
        })
        .collect();
    out.sort();
    out
}

/// Replaces `start..end` of one file, in `files` and in `host`; returns the edit that undoes it.
fn edit(
    host: &mut AnalysisHost,
    files: &mut [(String, String)],
    index: usize,
    start: usize,
    end: usize,
    insert: &str,
) -> (usize, usize, usize, String) {
    let (path, text) = &mut files[index];
    let removed = text[start..end].to_owned();
    text.replace_range(start..end, insert);
    let mut change = Change::new();
    change.edit_file(
        VfsPath::new(path.as_str()),
        vec![TextEdit {
            range: TextRange::new(
                TextSize::try_from(start).unwrap_or_default(),
                TextSize::try_from(end).unwrap_or_default(),
            ),
            new_text: insert.to_owned(),
        }],
    );
    host.apply_change(change);
    (index, start, start + insert.len(), removed)
}

fn check_script(seed: u64, steps: usize) {
    let mut files = workload();
    let mut host = AnalysisHost::new();
    host.apply_change(Fixture::from_files(files.clone()).to_change());
    let mut rng = Lcg(seed);
    let mut compared = 0;
    let mut undo: Vec<(usize, usize, usize, String)> = Vec::new();
    for step in 0..steps {
        if !undo.is_empty() && rng.below(3) != 0 {
            // Repair: undo the last edit (typing goes both ways).
            let (index, start, end, text) = undo.pop().unwrap_or_default();
            edit(&mut host, &mut files, index, start, end, &text);
        } else {
            // Edit one of the Nix files (the lock file stays as it is).
            let nix: Vec<usize> = (0..files.len())
                .filter(|&i| files[i].0.ends_with(".nix"))
                .collect();
            let index = nix[rng.below(nix.len())];
            let text = &files[index].1;
            let mut start = rng.below(text.len() + 1);
            while !text.is_char_boundary(start) {
                start -= 1;
            }
            let mut end = (start + rng.below(3)).min(text.len());
            if rng.below(2) == 0 {
                end = start;
            }
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            let insert = if rng.below(4) == 0 {
                ""
            } else {
                SNIPPETS[rng.below(SNIPPETS.len())]
            };
            undo.push(edit(&mut host, &mut files, index, start, end, insert));
        }
        let mut fresh = AnalysisHost::new();
        fresh.apply_change(Fixture::from_files(files.clone()).to_change());
        let expected = all_diagnostics(&fresh);
        // While a file has syntax errors the incremental analysis uses its last error-free
        // state on purpose (a fresh one has none): compare only when every file parses.
        if expected.iter().any(|(_, d)| d.contains("syntax-error")) {
            continue;
        }
        compared += 1;
        assert_eq!(all_diagnostics(&host), expected, "seed {seed}, step {step}");
    }
    assert!(
        compared * 6 >= steps,
        "seed {seed}: only {compared} of {steps} steps compared"
    );
}

#[test]
fn incremental_analysis_matches_a_fresh_one() {
    for seed in [1, 2, 3] {
        check_script(seed, 60);
    }
}

#[test]
#[ignore = "long: many random edit scripts (run in release with --ignored)"]
fn incremental_analysis_matches_a_fresh_one_on_many_seeds() {
    for seed in 0..100 {
        check_script(seed, 90);
    }
}

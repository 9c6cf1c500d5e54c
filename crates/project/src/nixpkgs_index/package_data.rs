//! The package data of the analysis (`ide::Change::packages`), in two steps: the indexes of the
//! static license scan ([`load_package_data`], seconds at most, cached), then, with the opt-in
//! `unfree.evaluate`, the verdicts of `nix eval` for what the scan could not decide
//! ([`evaluate_undecided`], up to [`EVALUATE_TIMEOUT`] per nixpkgs tree). Callers apply the first
//! at once and the second when it ends, so that a slow `nix` never holds back the scan.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use nixpkgs::{PackageIndex, Packages};

use super::{
    cache_key_for_path, evaluate_unfree, find_in_path, load_cached_index, load_or_scan_nixpkgs,
    locked_nixpkgs, store_cached_index,
};

/// How long `nix eval` may take per nixpkgs tree (setting `unfree.evaluate`).
const EVALUATE_TIMEOUT: Duration = Duration::from_secs(120);

/// How much a [`LogLine`] matters.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum LogLevel {
    /// What was loaded, from where, and what `nix eval` decided: for logs.
    Info,
    /// Something failed that the user may want to act on: a nixpkgs tree that gives no index,
    /// or `unfree.evaluate` failing (no `nix` on `PATH`, an error, the timeout).
    Warn,
}

/// One line about loading package data, for logs, `$/progress` or stderr.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct LogLine {
    /// How much it matters.
    pub level: LogLevel,
    /// The line, a sentence without a final period.
    pub text: String,
}

impl LogLine {
    fn info(text: String) -> LogLine {
        LogLine {
            level: LogLevel::Info,
            text,
        }
    }

    fn warn(text: String) -> LogLine {
        LogLine {
            level: LogLevel::Warn,
            text,
        }
    }
}

impl std::fmt::Display for LogLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// The package data of the static scan (with the cached `nix eval` verdicts of earlier runs),
/// and what [`evaluate_undecided`] may still decide.
#[derive(Clone, Debug, Default)]
pub struct ScannedPackages {
    /// The package data to apply now (`ide::Change::packages`).
    pub packages: Packages,
    /// Scanned indexes with undecided packages, when `unfree.evaluate` is on.
    undecided: Vec<Undecided>,
}

/// A scanned index that `nix eval` may complete.
#[derive(Clone, Debug)]
struct Undecided {
    /// The nixpkgs tree.
    root: PathBuf,
    /// The cache key of the index with `nix eval` verdicts.
    evaluated_key: String,
    /// The scanned index, as it is in [`ScannedPackages::packages`].
    index: Arc<PackageIndex>,
}

impl ScannedPackages {
    /// Whether [`evaluate_undecided`] has work: `unfree.evaluate` is on and a scanned index has
    /// packages the scan could not decide.
    pub fn needs_evaluation(&self) -> bool {
        !self.undecided.is_empty()
    }
}

/// Builds the package data of the static scan: one index per locked nixpkgs of the flakes at
/// `flake_roots` (by input name; the input called `nixpkgs`, else the first, is the default), the
/// `nixpkgs.path` setting as default when nothing is locked, and the bundled fallback. With
/// `unfree.evaluate`, an index that `nix eval` completed before is taken from the cache, and the
/// others are left to [`evaluate_undecided`]. Slow on first use (a scan per nixpkgs, then
/// cached): call it from a background task. `log` receives one line per index.
pub fn load_package_data(
    flake_roots: &[PathBuf],
    config: &ide::AnalysisConfig,
    cache_dir: Option<&Path>,
    log: &mut dyn FnMut(LogLine),
) -> ScannedPackages {
    let mut packages = Packages::bundled();
    let mut undecided = Vec::new();
    let mut load = |root: &Path, key: &str, log: &mut dyn FnMut(LogLine)| {
        // An index with the verdicts of an earlier evaluation of the same tree is cached apart
        // from the scanned one, so that turning the setting off forgets them.
        let evaluated_key = format!("{key}-evaluated");
        if config.unfree_evaluate
            && let Some(index) = cache_dir.and_then(|dir| load_cached_index(dir, &evaluated_key))
        {
            log(LogLine::info(format!(
                "nixpkgs index of {} ({} packages, Cache, with `nix eval` verdicts)",
                root.display(),
                index.len()
            )));
            return Some(Arc::new(index));
        }
        match load_or_scan_nixpkgs(root, key, cache_dir) {
            Ok((index, origin)) => {
                log(LogLine::info(format!(
                    "nixpkgs index of {} ({} packages, {origin:?})",
                    root.display(),
                    index.len()
                )));
                let index = Arc::new(index);
                if config.unfree_evaluate && index.undecided().next().is_some() {
                    undecided.push(Undecided {
                        root: root.to_path_buf(),
                        evaluated_key,
                        index: Arc::clone(&index),
                    });
                }
                Some(index)
            }
            Err(err) => {
                log(LogLine::warn(format!(
                    "no nixpkgs index for {}: {err}",
                    root.display()
                )));
                None
            }
        }
    };
    for flake_root in flake_roots {
        for locked in locked_nixpkgs(flake_root, &config.store_dir) {
            if packages.by_source.contains_key(&locked.input) {
                continue;
            }
            if let Some(index) = load(&locked.store_path, &locked.nar_hash, log) {
                if locked.input == "nixpkgs" || packages.default.is_none() {
                    packages.default = Some(Arc::clone(&index));
                }
                packages.by_source.insert(locked.input, index);
            }
        }
    }
    if let Some(path) = config
        .nixpkgs_path
        .as_deref()
        .filter(|_| packages.default.is_none())
    {
        let root = PathBuf::from(path);
        let key = cache_key_for_path(&root);
        packages.default = load(&root, &key, log);
    }
    ScannedPackages {
        packages,
        undecided,
    }
}

/// Asks the `nix` on `PATH` about the packages of `scanned` that the scan could not decide
/// (setting `unfree.evaluate`; at most [`EVALUATE_TIMEOUT`] per nixpkgs tree) and caches the
/// completed indexes. Returns `scanned`'s package data with the verdicts, or `None` when nothing
/// was decided. Failures (no `nix`, an error, the timeout) are [`LogLevel::Warn`] lines; the
/// static verdicts stand. Blocking and slow: call it from a background task, one at a time
/// (each run may use gigabytes on a real nixpkgs).
pub fn evaluate_undecided(
    scanned: &ScannedPackages,
    cache_dir: Option<&Path>,
    log: &mut dyn FnMut(LogLine),
) -> Option<Packages> {
    if !scanned.needs_evaluation() {
        return None;
    }
    let Some(nix) = std::env::var_os("PATH").and_then(|p| find_in_path("nix", &p)) else {
        log(LogLine::warn(
            "unfree.evaluate is on, but no `nix` was found on PATH: unfree verdicts come from \
             the static license scan only"
                .to_owned(),
        ));
        return None;
    };
    evaluate_undecided_with(scanned, &nix, cache_dir, log)
}

/// [`evaluate_undecided`] with this `nix`.
pub(super) fn evaluate_undecided_with(
    scanned: &ScannedPackages,
    nix: &Path,
    cache_dir: Option<&Path>,
    log: &mut dyn FnMut(LogLine),
) -> Option<Packages> {
    // Two inputs may lock the same tree: it is evaluated once.
    let mut by_key: HashMap<&str, Option<Arc<PackageIndex>>> = HashMap::new();
    let mut replaced: Vec<(&Arc<PackageIndex>, Arc<PackageIndex>)> = Vec::new();
    for undecided in &scanned.undecided {
        let evaluated = by_key
            .entry(&undecided.evaluated_key)
            .or_insert_with(|| evaluate_index(undecided, nix, cache_dir, log))
            .clone();
        if let Some(evaluated) = evaluated {
            replaced.push((&undecided.index, evaluated));
        }
    }
    if replaced.is_empty() {
        return None;
    }
    let swap = |index: &Arc<PackageIndex>| {
        replaced
            .iter()
            .find(|(old, _)| Arc::ptr_eq(old, index))
            .map_or_else(|| Arc::clone(index), |(_, new)| Arc::clone(new))
    };
    let mut packages = scanned.packages.clone();
    packages.default = packages.default.as_ref().map(swap);
    for index in packages.by_source.values_mut() {
        *index = swap(index);
    }
    Some(packages)
}

/// The index of `undecided` completed by `nix eval` (and cached), or from the cache when another
/// run completed it meanwhile; `None` when `nix` failed.
fn evaluate_index(
    undecided: &Undecided,
    nix: &Path,
    cache_dir: Option<&Path>,
    log: &mut dyn FnMut(LogLine),
) -> Option<Arc<PackageIndex>> {
    let root = &undecided.root;
    if let Some(index) = cache_dir.and_then(|dir| load_cached_index(dir, &undecided.evaluated_key))
    {
        log(LogLine::info(format!(
            "nixpkgs index of {} ({} packages, Cache, with `nix eval` verdicts)",
            root.display(),
            index.len()
        )));
        return Some(Arc::new(index));
    }
    let attrs: Vec<String> = undecided
        .index
        .undecided()
        .map(|p| p.attr.clone())
        .collect();
    let start = Instant::now();
    let result = match evaluate_unfree(nix, root, &attrs, EVALUATE_TIMEOUT) {
        Ok(result) => result,
        Err(err) => {
            log(LogLine::warn(format!(
                "unfree.evaluate: `nix eval` for {} failed, the static verdicts stand: {err}",
                root.display()
            )));
            return None;
        }
    };
    let mut index = PackageIndex::clone(&undecided.index);
    index.apply_evaluated(&result.verdicts);
    // Packages that fail uncatchably (`abort`, a missing attribute) are expected in a large
    // nixpkgs: they are logged, not warned about.
    let failed = match result.failed.first() {
        Some((attr, err)) => format!(
            "; {} failed to evaluate and keep their static verdict (first, `{attr}`: {err})",
            result.failed.len()
        ),
        None => String::new(),
    };
    log(LogLine::info(format!(
        "unfree.evaluate: `nix eval` decided {} of {} undecided packages of {} in {:.1} s{failed}",
        result.verdicts.len(),
        attrs.len(),
        root.display(),
        start.elapsed().as_secs_f32()
    )));
    if let Some(dir) = cache_dir
        && let Err(err) = store_cached_index(dir, &undecided.evaluated_key, &index)
    {
        log(LogLine::warn(format!(
            "unfree.evaluate: the verdicts could not be cached in {} ({err}); `nix eval` runs \
             again on the next load",
            dir.display()
        )));
    }
    Some(Arc::new(index))
}

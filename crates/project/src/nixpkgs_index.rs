//! Reading a nixpkgs source tree into a package/license index, the on-disk cache of that
//! index, and the opt-in `nix eval` backend for packages the static scan cannot decide.
//!
//! The scan itself is pure (`nixpkgs::scan_package_file`, `nixpkgs::top_level_entries`); this
//! module only finds and reads the files, in parallel, on threads with big stacks.

use std::io::Read;
use std::path::{Path, PathBuf};

use nixpkgs::{LicenseTable, PackageIndex, ScannedPackage, TopLevelTarget};

mod evaluate;
mod package_data;

pub use evaluate::{UnfreeVerdicts, evaluate_unfree};
pub use package_data::{LogLevel, LogLine, ScannedPackages, evaluate_undecided, load_package_data};

/// Package files bigger than this are not scanned (their verdict stays unknown).
const MAX_PACKAGE_FILE: u64 = 4 * 1024 * 1024;

/// Stack size of scanner threads: rowan builds and drops trees recursively.
const SCAN_STACK: usize = 64 * 1024 * 1024;

/// Where an index came from.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum IndexOrigin {
    /// Read from the cache file.
    Cache,
    /// Scanned now (and written to the cache when possible).
    Scanned,
}

/// The user cache directory of flake-lsp: `$XDG_CACHE_HOME/flake-lsp`, else
/// `$HOME/.cache/flake-lsp`.
pub fn cache_dir() -> Option<PathBuf> {
    let xdg = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    let base = xdg.filter(|p| p.is_absolute()).or_else(|| {
        std::env::var_os("HOME")
            .filter(|v| !v.is_empty())
            .map(|h| PathBuf::from(h).join(".cache"))
    })?;
    Some(base.join("flake-lsp"))
}

/// A cache key for a nixpkgs tree without a lock entry: its path and the modification time of
/// `pkgs/top-level/all-packages.nix`. A locked input should use its `narHash` instead.
pub fn cache_key_for_path(root: &Path) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    root.hash(&mut hasher);
    let mtime = std::fs::metadata(root.join("pkgs/top-level/all-packages.nix"))
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_secs());
    format!("path-{:016x}-{mtime}", hasher.finish())
}

fn cache_file(dir: &Path, key: &str) -> PathBuf {
    let safe: String = key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(120)
        .collect();
    dir.join(format!("nixpkgs-index-{safe}.txt"))
}

/// Loads the index of the nixpkgs tree at `root` from the cache (`key`: the lock entry's
/// `narHash`, or [`cache_key_for_path`]), or scans it and writes the cache. Meant to run on a
/// background thread; it never panics on bad input.
pub fn load_or_scan_nixpkgs(
    root: &Path,
    key: &str,
    cache_dir: Option<&Path>,
) -> Result<(PackageIndex, IndexOrigin), String> {
    if let Some(index) = cache_dir.and_then(|dir| load_cached_index(dir, key)) {
        return Ok((index, IndexOrigin::Cache));
    }
    let index = scan_nixpkgs(root)?;
    if let Some(dir) = cache_dir
        && let Err(err) = store_cached_index(dir, key, &index)
    {
        log::warn!(
            "could not write the nixpkgs index cache in {}: {err}",
            dir.display()
        );
    }
    Ok((index, IndexOrigin::Scanned))
}

/// Reads a cached index, if there is a valid one for `key`.
pub fn load_cached_index(dir: &Path, key: &str) -> Option<PackageIndex> {
    let text = std::fs::read_to_string(cache_file(dir, key)).ok()?;
    match PackageIndex::from_cache_str(&text) {
        Ok(index) => Some(index),
        Err(err) => {
            log::warn!("ignoring a broken nixpkgs index cache: {err}");
            None
        }
    }
}

/// Writes an index to the cache (atomically: a temporary file renamed into place).
pub fn store_cached_index(dir: &Path, key: &str, index: &PackageIndex) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let target = cache_file(dir, key);
    let tmp = target.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, index.to_cache_string())?;
    std::fs::rename(&tmp, &target)
}

/// Scans a nixpkgs source tree: `lib/licenses/licenses.nix` (or `lib/licenses.nix`),
/// `pkgs/by-name/*/*/package.nix` and the `callPackage` entries of
/// `pkgs/top-level/all-packages.nix`.
pub fn scan_nixpkgs(root: &Path) -> Result<PackageIndex, String> {
    let licenses_text = ["lib/licenses/licenses.nix", "lib/licenses.nix"]
        .iter()
        .find_map(|rel| std::fs::read_to_string(root.join(rel)).ok())
        .ok_or_else(|| {
            format!(
                "{} has no lib/licenses/licenses.nix or lib/licenses.nix",
                root.display()
            )
        })?;
    let licenses = LicenseTable::from_licenses_nix(&licenses_text);

    // (attr, file relative to root)
    let mut jobs: Vec<(String, String)> = by_name_packages(root);
    let mut aliases = Vec::new();
    let top_level = root.join("pkgs/top-level/all-packages.nix");
    if let Ok(text) = std::fs::read_to_string(&top_level) {
        let base = top_level.parent().unwrap_or(root).to_path_buf();
        for entry in nixpkgs::top_level_entries(&text) {
            match entry.target {
                TopLevelTarget::CallPackage(rel) => {
                    if let Some(file) = resolve_package_file(root, &base, &rel) {
                        jobs.push((entry.attr, file));
                    }
                }
                TopLevelTarget::Alias(target) => aliases.push((entry.attr, target)),
            }
        }
    }
    let scanned = scan_files(root, jobs);
    Ok(PackageIndex::build(
        root.display().to_string(),
        licenses,
        scanned,
        aliases,
    ))
}

/// `pkgs/by-name/xx/<name>/package.nix` → `(name, path)`.
fn by_name_packages(root: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let Ok(shards) = std::fs::read_dir(root.join("pkgs/by-name")) else {
        return out;
    };
    for shard in shards.flatten() {
        let Ok(entries) = std::fs::read_dir(shard.path()) else {
            continue;
        };
        let shard_name = shard.file_name().to_string_lossy().into_owned();
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let rel = format!("pkgs/by-name/{shard_name}/{name}/package.nix");
            if root.join(&rel).is_file() {
                out.push((name, rel));
            }
        }
    }
    out
}

/// A `callPackage` path relative to `base`: a file, or a directory's `default.nix`; as a path
/// relative to `root`.
fn resolve_package_file(root: &Path, base: &Path, rel: &str) -> Option<String> {
    let joined = base::VfsPath::new(base.join(rel));
    let mut path = joined.as_path().to_path_buf();
    if path.is_dir() {
        path = path.join("default.nix");
    }
    if !path.is_file() {
        return None;
    }
    let root = base::VfsPath::new(root);
    let rel = path.strip_prefix(root.as_path()).ok()?;
    Some(rel.to_string_lossy().into_owned())
}

/// Reads and scans package files on every core.
fn scan_files(root: &Path, jobs: Vec<(String, String)>) -> Vec<ScannedPackage> {
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 16);
    let chunk = jobs.len().div_ceil(threads).max(1);
    let mut results = Vec::with_capacity(jobs.len());
    std::thread::scope(|scope| {
        let handles: Vec<_> = jobs
            .chunks(chunk)
            .filter_map(|part| {
                std::thread::Builder::new()
                    .name("nixpkgs-scan".to_owned())
                    .stack_size(SCAN_STACK)
                    .spawn_scoped(scope, move || scan_part(root, part))
                    .ok()
            })
            .collect();
        for handle in handles {
            if let Ok(part) = handle.join() {
                results.extend(part);
            }
        }
    });
    results
}

fn scan_part(root: &Path, part: &[(String, String)]) -> Vec<ScannedPackage> {
    let mut out = Vec::with_capacity(part.len());
    let mut buf = String::new();
    for (attr, file) in part {
        buf.clear();
        let ok = std::fs::File::open(root.join(file))
            .and_then(|f| {
                let len = f.metadata()?.len();
                if len > MAX_PACKAGE_FILE {
                    return Err(std::io::Error::other("too large"));
                }
                f.take(MAX_PACKAGE_FILE).read_to_string(&mut buf)
            })
            .is_ok();
        let scanned = if ok {
            nixpkgs::scan_package_file(&buf)
        } else {
            Default::default()
        };
        out.push(ScannedPackage {
            attr: attr.clone(),
            file: file.clone(),
            licenses: scanned.licenses,
            pname: scanned.pname,
        });
    }
    out
}

/// Finds an executable called `name` in a `PATH`-style list of directories.
pub fn find_in_path(name: &str, path_var: &std::ffi::OsStr) -> Option<PathBuf> {
    std::env::split_paths(path_var)
        .map(|dir| dir.join(name))
        .find(|p| is_executable(p))
}

fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        path.is_file()
    }
}

/// A nixpkgs source pinned by a flake's lock file.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct LockedNixpkgs {
    /// The root input's name (`nixpkgs`, `nixpkgs-unstable`).
    pub input: String,
    /// The store path of its source.
    pub store_path: PathBuf,
    /// The lock entry's `narHash` (the cache key).
    pub nar_hash: String,
}

/// The root inputs of the flake at `flake_root` whose locked source is present in the store and
/// is a nixpkgs tree (it has `lib/licenses` and `pkgs/top-level`).
pub fn locked_nixpkgs(flake_root: &Path, store_dir: &str) -> Vec<LockedNixpkgs> {
    let Ok(text) = std::fs::read_to_string(flake_root.join("flake.lock")) else {
        return Vec::new();
    };
    let Ok(lock) = flake::Lock::parse(&text) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for input in lock.root_node().inputs.keys() {
        let Some(id) = lock.root_input(input) else {
            continue;
        };
        let Some(node) = lock.nodes.get(id) else {
            continue;
        };
        let (Some(store_path), Some(nar_hash)) = (node.store_path(store_dir), node.nar_hash())
        else {
            continue;
        };
        let store_path = PathBuf::from(store_path);
        if is_nixpkgs_tree(&store_path) {
            out.push(LockedNixpkgs {
                input: input.clone(),
                store_path,
                nar_hash: nar_hash.to_owned(),
            });
        }
    }
    out
}

fn is_nixpkgs_tree(root: &Path) -> bool {
    (root.join("lib/licenses/licenses.nix").is_file() || root.join("lib/licenses.nix").is_file())
        && root.join("pkgs/top-level").is_dir()
}

#[cfg(test)]
mod tests;

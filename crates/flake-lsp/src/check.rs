//! `flake-lsp check`: which files to load and report, the analysis run, and the exit code.

use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::process::ExitCode;

use ide::{AnalysisHost, Severity, VfsPath};
use project::LoadConfig;

use crate::report::Report;
use crate::{CheckArgs, Format};

/// Exit code: no error-severity diagnostic.
const OK: u8 = 0;
/// Exit code: at least one error-severity diagnostic.
const FOUND_ERRORS: u8 = 1;
/// Exit code: bad usage or an unreadable path.
const USAGE: u8 = 2;
/// Exit code: an internal error left the results incomplete.
const INTERNAL: u8 = 101;

/// One PATH argument: what to report on.
struct Target {
    path: VfsPath,
    is_file: bool,
}

impl Target {
    fn contains(&self, path: &VfsPath) -> bool {
        if self.is_file {
            path == &self.path
        } else {
            path.as_path().starts_with(self.path.as_path())
        }
    }
}

/// What to load for the targets.
#[derive(Default)]
struct Plan {
    roots: Vec<VfsPath>,
    loose: Vec<VfsPath>,
}

/// License data for the `unfree-package` diagnostic: the locked nixpkgs of each flake (scanned
/// once, then cached), `--nixpkgs`, or the bundled list of well-known unfree packages; with
/// `--unfree-evaluate`, completed by `nix eval`. Warnings go to stderr (stdout holds the report).
fn package_data(args: &CheckArgs, roots: &[VfsPath]) -> ide::Change {
    let config = ide::AnalysisConfig {
        nixpkgs_path: args.nixpkgs.as_ref().map(|p| p.display().to_string()),
        unfree_evaluate: args.unfree_evaluate,
        ..ide::AnalysisConfig::default()
    };
    let roots: Vec<std::path::PathBuf> = roots.iter().map(|r| r.as_path().to_path_buf()).collect();
    let cache = project::cache_dir();
    let mut log = |line: project::LogLine| {
        if line.level == project::LogLevel::Warn {
            eprintln!("flake-lsp: warning: {line}");
        }
    };
    let scanned = project::load_package_data(&roots, &config, cache.as_deref(), &mut log);
    let packages = project::evaluate_undecided(&scanned, cache.as_deref(), &mut log)
        .unwrap_or(scanned.packages);
    let mut change = ide::Change::new();
    change.packages = Some(std::sync::Arc::new(packages));
    change
}

/// Runs `check` and returns the process exit code.
pub(crate) fn run(args: &CheckArgs) -> ExitCode {
    let mut targets = Vec::new();
    let mut plan = Plan::default();
    for path in &args.paths {
        match target(path, &mut plan) {
            Ok(t) => targets.push(t),
            Err(message) => {
                eprintln!("flake-lsp: {message}");
                return ExitCode::from(USAGE);
            }
        }
    }
    plan.roots.sort();
    plan.roots.dedup();
    plan.loose.sort();
    plan.loose.dedup();
    let base = match targets.first() {
        Some(t) if t.is_file => t.path.parent().unwrap_or_else(|| t.path.clone()),
        Some(t) => t.path.clone(),
        None => project::absolute(Path::new(".")),
    };

    let cfg = LoadConfig {
        max_file_size: args.max_file_size,
        ..LoadConfig::default()
    };
    let (change, issues) = project::load(&plan.roots, &plan.loose, &cfg);
    for issue in &issues {
        eprintln!("flake-lsp: warning: cannot read {issue}");
    }
    let mut host = AnalysisHost::new();
    host.apply_change(change);
    host.apply_change(package_data(args, &plan.roots));
    let analysis = host.analysis();

    let mut files_checked = 0;
    let mut diagnostics = Vec::new();
    let mut incomplete = false;
    for file_id in analysis.files() {
        let path = analysis.file_path(file_id);
        if !targets.iter().any(|t| t.contains(&path)) {
            continue;
        }
        files_checked += 1;
        match catch_unwind(AssertUnwindSafe(|| analysis.diagnostics(file_id))) {
            Ok(found) => diagnostics.extend(found),
            Err(_) => {
                eprintln!(
                    "flake-lsp: internal error while checking {path}; its diagnostics are missing"
                );
                incomplete = true;
            }
        }
    }
    let report = Report::new(analysis, base, files_checked, diagnostics);

    let written = match args.format {
        Format::Human => crate::human::write(&report, args.color),
        Format::Json => write_stdout(&crate::json::render(&report)),
        Format::Sarif => write_stdout(&crate::sarif::render(&report)),
    };
    if let Err(err) = written
        && err.kind() != std::io::ErrorKind::BrokenPipe
    {
        eprintln!("flake-lsp: cannot write the output: {err}");
        return ExitCode::from(INTERNAL);
    }
    if incomplete {
        ExitCode::from(INTERNAL)
    } else if report.count(Severity::Error) > 0 {
        ExitCode::from(FOUND_ERRORS)
    } else {
        ExitCode::from(OK)
    }
}

fn write_stdout(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// Checks that `path` can be read, decides what to load for it, and returns what to report.
///
/// A directory loads every flake under it and the flake around it (so that a module directory
/// is checked in the context of its configuration), or its files alone when there is no flake.
/// A file loads the flake around it, or itself alone.
fn target(path: &Path, plan: &mut Plan) -> Result<Target, String> {
    let shown = path.display();
    let meta =
        std::fs::metadata(path).map_err(|e| format!("cannot read `{shown}`: {}", io_reason(&e)))?;
    let abs = project::absolute(path);
    if meta.is_dir() {
        std::fs::read_dir(path)
            .map_err(|e| format!("cannot read directory `{shown}`: {}", io_reason(&e)))?;
        let mut roots = project::find_flake_roots(&[abs.as_path().to_path_buf()]);
        if let Some(outer) = project::find_flake_root_upward(abs.as_path()) {
            roots.push(outer);
        }
        if roots.is_empty() {
            plan.loose.push(abs.clone());
        }
        plan.roots.extend(roots);
        Ok(Target {
            path: abs,
            is_file: false,
        })
    } else {
        std::fs::File::open(path)
            .map_err(|e| format!("cannot read `{shown}`: {}", io_reason(&e)))?;
        // The file itself is loaded even where a walk would skip it (e.g. under `result/`).
        plan.roots
            .extend(project::find_flake_root_upward(abs.as_path()));
        plan.loose.push(abs.clone());
        Ok(Target {
            path: abs,
            is_file: true,
        })
    }
}

/// An IO error as a short reason, without the OS error number.
fn io_reason(err: &std::io::Error) -> String {
    match err.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => err.to_string(),
    }
}

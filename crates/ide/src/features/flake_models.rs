//! The flakes of the snapshot: each `flake.nix` with the `flake.lock` beside it, their models
//! and their diagnostics, memoised per snapshot. Every flake is its own root (`./flake.nix` and
//! `./templates/x/flake.nix` are separate flakes).

use std::sync::{Arc, OnceLock};

use base::{Diagnostic, FileId, VfsPath};
use flake::{FlakeContext, FlakeModel, Lock, LockError, LockState};

use crate::change::FileContent;
use crate::db::Db;

/// One flake of the workspace.
#[derive(Debug)]
pub(crate) struct FlakeEntry {
    /// Its `flake.nix`.
    pub(crate) nix_file: FileId,
    /// Its `flake.lock`, when there is one.
    pub(crate) lock_file: Option<FileId>,
    /// The model of `flake.nix`.
    pub(crate) model: Arc<FlakeModel>,
    /// The lock: `None` without a `flake.lock`, `Some(Err)` when it cannot be used.
    pub(crate) lock: Option<Result<Lock, LockError>>,
    /// `flake.nix` has syntax errors (its semantic diagnostics are held back).
    pub(crate) nix_broken: bool,
    /// The flake lies inside another flake's directory (a template or an example), where a
    /// missing lock is normal.
    pub(crate) nested: bool,
    diagnostics: OnceLock<Vec<Diagnostic>>,
}

impl FlakeEntry {
    /// The lock, when it was read.
    pub(crate) fn lock(&self) -> Option<&Lock> {
        self.lock.as_ref().and_then(|l| l.as_ref().ok())
    }

    fn lock_state(&self) -> LockState<'_> {
        match &self.lock {
            None => LockState::Missing,
            Some(Ok(lock)) => LockState::Loaded(lock),
            Some(Err(err)) => LockState::Malformed(err),
        }
    }

    /// Every diagnostic of this flake (on `flake.nix` and `flake.lock`).
    pub(crate) fn diagnostics(&self, db: &Db) -> &[Diagnostic] {
        self.diagnostics.get_or_init(|| {
            let text = db.text(self.nix_file);
            let module_inputs = super::flake_module_inputs::module_inputs(db);
            let used_elsewhere = module_inputs
                .elsewhere
                .get(&self.nix_file)
                .cloned()
                .unwrap_or_default();
            let cx = FlakeContext {
                model: &self.model,
                nix_text: &text,
                nix_file: self.nix_file,
                lock_file: self.lock_file,
                lock: self.lock_state(),
                used_elsewhere: &used_elsewhere,
            };
            let mut diagnostics = flake::check_flake(&cx);
            if self.nested {
                diagnostics.retain(|d| d.code.as_str() != "no-lock-file");
            }
            if self.nix_broken {
                // A half-typed `flake.nix` would give false alarms; only the lock speaks.
                diagnostics.retain(|d| {
                    Some(d.location.file_id) == self.lock_file
                        && d.code.as_str() == "malformed-lock"
                });
            }
            diagnostics
        })
    }
}

/// Every flake of the snapshot.
#[derive(Debug, Default)]
pub(crate) struct FlakeModels {
    pub(crate) flakes: Vec<FlakeEntry>,
}

impl FlakeModels {
    /// The flake whose `flake.nix` or `flake.lock` is `file_id`.
    pub(crate) fn for_file(&self, file_id: FileId) -> Option<&FlakeEntry> {
        self.flakes
            .iter()
            .find(|f| f.nix_file == file_id || f.lock_file == Some(file_id))
    }
}

/// The snapshot's flakes (computed once per snapshot).
pub(crate) fn flake_models(db: &Db) -> Arc<FlakeModels> {
    db.memo(compute)
}

fn compute(db: &Db) -> FlakeModels {
    let mut flakes = Vec::new();
    for nix_file in db.files() {
        let path = db.path(nix_file);
        if path.file_name() != Some("flake.nix") {
            continue;
        }
        if !matches!(
            db.file(nix_file).map(|f| &f.content),
            Some(FileContent::Text(_))
        ) {
            continue;
        }
        let lock_file = path
            .parent()
            .map(|dir: VfsPath| dir.join("flake.lock"))
            .and_then(|p| db.file_id(&p));
        let parse = db.parse(nix_file);
        let lock = lock_file.map(|file| match db.file(file).map(|f| &f.content) {
            Some(FileContent::Text(text)) => Lock::parse(text),
            _ => Err(LockError {
                range: Default::default(),
                message: "`flake.lock` could not be read as text.".to_owned(),
            }),
        });
        flakes.push(FlakeEntry {
            nix_file,
            lock_file,
            model: Arc::new(FlakeModel::from_parse(&parse)),
            lock,
            nix_broken: !parse.errors().is_empty(),
            nested: false,
            diagnostics: OnceLock::new(),
        });
    }
    let dirs: Vec<VfsPath> = flakes
        .iter()
        .filter_map(|f| db.path(f.nix_file).parent())
        .collect();
    for flake in &mut flakes {
        let Some(dir) = db.path(flake.nix_file).parent() else {
            continue;
        };
        flake.nested = dirs
            .iter()
            .any(|other| other != &dir && dir.as_path().starts_with(other.as_path()));
    }
    // A function in a `flake.nix` below another flake is a module or a helper that happens to be
    // called `flake.nix` (flake-parts' `flake.nix` module files), not a flake of its own.
    flakes.retain(|flake| !(flake.nested && is_function_file(db, flake.nix_file)));
    FlakeModels { flakes }
}

fn is_function_file(db: &Db, file_id: FileId) -> bool {
    let root = db.parse(file_id).syntax_node();
    let mut top = root.first_child();
    while let Some(node) = top.clone() {
        match node.kind() {
            syntax::SyntaxKind::NODE_PAREN => top = node.first_child(),
            kind => return kind == syntax::SyntaxKind::NODE_LAMBDA,
        }
    }
    false
}

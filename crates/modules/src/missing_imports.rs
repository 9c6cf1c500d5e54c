//! `missing-import`: literal paths in `import`, `imports` and `modules` that do not exist.
//!
//! A file-local check (it reads the file's path references and the workspace's existence
//! facts, never the module graph), so an edit elsewhere never recomputes it.

use base::{Diagnostic, FileId, FileRange, Severity, VfsPath};

use crate::Files;
use crate::check::codes;

/// The `missing-import` diagnostics of `file`.
pub fn missing_imports(files: &dyn Files, file: FileId) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let path = files.path(file);
    if !files.has_existence_info() || path.as_path().extension().is_none_or(|e| e != "nix") {
        return out;
    }
    let Some(dir) = path.parent() else {
        return out;
    };
    for r in files.path_refs(file).iter() {
        let target = if r.text.starts_with('/') {
            VfsPath::new(&*r.text)
        } else {
            dir.join(&*r.text)
        };
        if !files.is_in_workspace(&target) || files.file_id(&target).is_some() {
            continue;
        }
        let message = if files.is_dir(&target) {
            let default = target.join("default.nix");
            if files.file_id(&default).is_some() || files.exists(&default) {
                continue;
            }
            format!(
                "`{}` is a directory without a `default.nix`, so it cannot be imported",
                r.text
            )
        } else if files.exists(&target) {
            continue;
        } else {
            format!("`{}` does not exist", r.text)
        };
        let range = FileRange {
            file_id: file,
            range: r.range,
        };
        out.push(Diagnostic::new(
            codes::MISSING_IMPORT,
            Severity::Error,
            range,
            message,
        ));
    }
    out
}

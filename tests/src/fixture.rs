//! Temporary directories holding small flakes for end-to-end tests.

use std::path::PathBuf;

/// A temporary directory with files; removed on drop.
pub struct TempDir {
    dir: tempfile::TempDir,
}

impl TempDir {
    /// Creates the files (`(relative path, text)`), with their parent directories.
    pub fn with_files(files: &[(&str, &str)]) -> TempDir {
        let dir = tempfile::Builder::new()
            .prefix("flake-lsp-e2e")
            .tempdir()
            .expect("temp dir");
        let root = dir
            .path()
            .canonicalize()
            .expect("temp dir has a canonical path");
        for (rel, text) in files {
            let path = root.join(rel);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).expect("create parent directory");
            }
            std::fs::write(&path, text).expect("write fixture file");
        }
        TempDir { dir }
    }

    /// The directory (canonical, so it matches the paths the server reports).
    pub fn root(&self) -> PathBuf {
        self.dir
            .path()
            .canonicalize()
            .unwrap_or_else(|_| self.dir.path().to_path_buf())
    }

    /// The absolute path of a file in it.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.root().join(rel)
    }

    /// The `file://` URI of a file in it.
    pub fn uri(&self, rel: &str) -> String {
        crate::file_uri(&self.path(rel))
    }

    /// Writes a file (creating parents).
    pub fn write(&self, rel: &str, text: &str) {
        let path = self.path(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create parent directory");
        }
        std::fs::write(path, text).expect("write file");
    }
}

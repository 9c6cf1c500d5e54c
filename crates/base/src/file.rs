//! File identities and locations.

use std::fmt;
use std::path::{Path, PathBuf};

use text_size::{TextRange, TextSize};

/// An opaque handle to one file known to the analysis; cheap to copy and compare.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct FileId(pub u32);

/// A normalised absolute path (no `.`/`..` components); the identity of a file on disk.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VfsPath(PathBuf);

impl VfsPath {
    /// Normalises `path` lexically (it does not touch the disk); relative paths stay relative.
    pub fn new(path: impl AsRef<Path>) -> VfsPath {
        let mut out = PathBuf::new();
        for comp in path.as_ref().components() {
            match comp {
                std::path::Component::CurDir => {}
                std::path::Component::ParentDir => {
                    if !out.pop() {
                        out.push("..");
                    }
                }
                other => out.push(other.as_os_str()),
            }
        }
        VfsPath(out)
    }

    /// The path as a `Path`.
    pub fn as_path(&self) -> &Path {
        &self.0
    }

    /// The parent directory, if any.
    pub fn parent(&self) -> Option<VfsPath> {
        self.0.parent().map(|p| VfsPath(p.to_path_buf()))
    }

    /// `self/rel`, normalised.
    pub fn join(&self, rel: impl AsRef<Path>) -> VfsPath {
        VfsPath::new(self.0.join(rel))
    }

    /// The final component as a string, if it is valid UTF-8.
    pub fn file_name(&self) -> Option<&str> {
        self.0.file_name().and_then(|n| n.to_str())
    }
}

impl fmt::Debug for VfsPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for VfsPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.display(), f)
    }
}

/// A range inside one file.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct FileRange {
    /// The file.
    pub file_id: FileId,
    /// UTF-8 byte range in that file's text.
    pub range: TextRange,
}

/// A cursor position inside one file.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct FilePosition {
    /// The file.
    pub file_id: FileId,
    /// UTF-8 byte offset in that file's text.
    pub offset: TextSize,
}

#[cfg(test)]
mod tests {
    use super::VfsPath;

    #[test]
    fn normalises_dots() {
        assert_eq!(VfsPath::new("/a/./b/../c.nix").to_string(), "/a/c.nix");
        assert_eq!(
            VfsPath::new("/a/b").join("../x/default.nix").to_string(),
            "/a/x/default.nix"
        );
    }
}

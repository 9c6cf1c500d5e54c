//! Reading one file: the size cap, special files, and the UTF-8 check.

use std::io::{self, Read};
use std::path::Path;
use std::sync::Arc;

use ide::FileContent;

use crate::LoadConfig;

/// Reads one file with the size cap and the UTF-8 check.
///
/// A file over `cfg.max_file_size` bytes is not read and gives [`FileContent::TooLarge`]; bytes
/// that are not UTF-8 give [`FileContent::NotUtf8`]. A byte-order mark is kept as text (the syntax
/// layer deals with it). Directories, sockets and named pipes are refused with an error instead
/// of being opened (reading a named pipe would block forever); a missing file, a dangling link or
/// a link loop is an error too.
pub fn read_file(path: &Path, cfg: &LoadConfig) -> io::Result<FileContent> {
    // Offsets in the analysis are 32-bit: no configuration can make a bigger file readable.
    let limit = cfg.max_file_size.min(u64::from(u32::MAX));
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        let what = if meta.is_dir() {
            "a directory"
        } else {
            "not a regular file"
        };
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} is {what}", path.display()),
        ));
    }
    if meta.len() > limit {
        return Ok(FileContent::TooLarge {
            size: meta.len(),
            limit,
        });
    }
    let file = std::fs::File::open(path)?;
    // The file may have grown since `metadata`: read at most one byte past the cap.
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        let size = std::fs::metadata(path)
            .map(|m| m.len())
            .unwrap_or(bytes.len() as u64);
        return Ok(FileContent::TooLarge { size, limit });
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(FileContent::Text(Arc::from(text))),
        Err(_) => Ok(FileContent::NotUtf8),
    }
}

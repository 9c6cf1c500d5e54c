//! Whether a text mentions any of a few names as whole identifiers, answered for a file's new
//! text from its previous answer when that was "no": only the edited region (plus a name's
//! length around it) is searched, so a keystroke in a large file costs two `memcmp`s and a
//! search of a few bytes instead of a search of the whole file.

use std::sync::{Arc, Mutex};

use base::FileId;

/// Files smaller than this are searched whole (the search is cheaper than the bookkeeping).
const REMEMBER_FROM: usize = 64 * 1024;
/// How many files' last answers are kept.
const CAPACITY: usize = 16;

/// A file's last text, the names searched and the answer "none of them occurs".
struct Absent {
    file_id: FileId,
    text: Arc<str>,
    needles: Vec<String>,
}

/// The last texts in which no needle occurred. Process-wide, but never a source of answers on
/// its own: a remembered text is only used to skip the bytes the new text shares with it,
/// whichever analysis it came from.
static ABSENT: Mutex<Vec<Absent>> = Mutex::new(Vec::new());

/// Whether a byte can continue a Nix identifier.
pub(crate) fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'\'' | b'-')
}

/// Whether some needle occurs in `text` as a whole identifier.
pub(crate) fn mentions_any(file_id: FileId, text: &Arc<str>, needles: &[&str]) -> bool {
    if text.len() < REMEMBER_FROM {
        return search(text.as_bytes(), 0..text.len(), needles);
    }
    let previous = {
        let absent = ABSENT.lock().unwrap_or_else(|e| e.into_inner());
        absent
            .iter()
            .find(|a| a.file_id == file_id && a.needles.iter().eq(needles.iter()))
            .map(|a| Arc::clone(&a.text))
    };
    let bytes = text.as_bytes();
    let window = match previous {
        Some(old) => changed_window(old.as_bytes(), bytes, needles),
        None => 0..bytes.len(),
    };
    let found = search(bytes, window, needles);
    let mut absent = ABSENT.lock().unwrap_or_else(|e| e.into_inner());
    absent.retain(|a| a.file_id != file_id || !a.needles.iter().eq(needles.iter()));
    if !found {
        if absent.len() >= CAPACITY {
            absent.remove(0);
        }
        absent.push(Absent {
            file_id,
            text: Arc::clone(text),
            needles: needles.iter().map(|n| (*n).to_owned()).collect(),
        });
    }
    found
}

/// The byte range of `new` that can hold an occurrence (with the byte on each side that
/// decides "whole identifier") absent from `old`: the bytes that differ, widened by the longest
/// needle and one byte.
fn changed_window(old: &[u8], new: &[u8], needles: &[&str]) -> std::ops::Range<usize> {
    let prefix = common_prefix(old, new);
    let max_suffix = old.len().min(new.len()) - prefix;
    let suffix = common_suffix(old, new, max_suffix);
    let reach = needles.iter().map(|n| n.len()).max().unwrap_or(0) + 1;
    // `import`'s verdict also reads the whitespace after it and two more bytes: step back over
    // whitespace before the change.
    let mut start = prefix.saturating_sub(1);
    while start > 0 && is_space(new[start - 1]) {
        start -= 1;
    }
    start.saturating_sub(reach + 2)..(new.len() - suffix + reach).min(new.len())
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// Whether the occurrence of `needle` at `at` counts: a whole identifier, and for `import`,
/// not followed by a path literal (`import ./x`: a path is never a nixpkgs instance's source,
/// and `all-packages.nix`-like files import hundreds of paths).
fn counts(bytes: &[u8], at: usize, needle: &str) -> bool {
    let end = at + needle.len();
    if at.checked_sub(1).is_some_and(|p| is_ident_byte(bytes[p]))
        || bytes.get(end).is_some_and(|&b| is_ident_byte(b))
    {
        return false;
    }
    if needle != "import" {
        return true;
    }
    let mut next = end;
    while next < bytes.len() && is_space(bytes[next]) {
        next += 1;
    }
    match bytes.get(next) {
        Some(b'/') => bytes.get(next + 1) == Some(&b'*'),
        Some(b'.' | b'~') => false,
        _ => true,
    }
}

fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    const CHUNK: usize = 4096;
    let n = a.len().min(b.len());
    let mut i = 0;
    while i + CHUNK <= n && a[i..i + CHUNK] == b[i..i + CHUNK] {
        i += CHUNK;
    }
    while i < n && a[i] == b[i] {
        i += 1;
    }
    i
}

fn common_suffix(a: &[u8], b: &[u8], max: usize) -> usize {
    const CHUNK: usize = 4096;
    let (la, lb) = (a.len(), b.len());
    let mut i = 0;
    while i + CHUNK <= max && a[la - i - CHUNK..la - i] == b[lb - i - CHUNK..lb - i] {
        i += CHUNK;
    }
    while i < max && a[la - i - 1] == b[lb - i - 1] {
        i += 1;
    }
    i
}

/// Whether a needle occurs as a whole identifier starting within `window` of `bytes`.
fn search(bytes: &[u8], window: std::ops::Range<usize>, needles: &[&str]) -> bool {
    let Some(slice) = bytes.get(window.clone()) else {
        return true;
    };
    needles.iter().any(|needle| {
        memchr::memmem::find_iter(slice, needle.as_bytes())
            .any(|at| counts(bytes, window.start + at, needle))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_are_searched_around_the_change() {
        let needles = ["import", "pkgs-unstable"];
        let file = FileId(9_999);
        let base = "x = callPackage ./x { };\n".repeat(4000);
        let check = |t: String| mentions_any(file, &Arc::from(t.as_str()), &needles);
        assert!(!check(base.clone()));
        // Typing a needle in the middle, one byte at a time: found once complete.
        let mid = base.len() / 2;
        let typed: Vec<bool> = (1..="pkgs-unstable".len())
            .map(|end| {
                check(format!(
                    "{} {}\n{}",
                    &base[..mid],
                    &"pkgs-unstable"[..end],
                    &base[mid..]
                ))
            })
            .collect();
        assert_eq!(typed.iter().filter(|f| **f).count(), 1);
        assert!(typed[typed.len() - 1]);
        // An identifier that merely contains a needle is not a mention; deleting the rest is.
        assert!(!check(base.clone()));
        assert!(!check(format!("{}imports\n{}", &base[..mid], &base[mid..])));
        assert!(check(format!("{}import\n{}", &base[..mid], &base[mid..])));
        // Edits at either end of the file.
        assert!(!check(base.clone()));
        assert!(check(format!("import\n{base}")));
        assert!(!check(base.clone()));
        assert!(check(format!("{base}legacy import")));
        // A long unchanged text with the needle outside the edit, after a "no" for another text.
        assert!(!check(base.clone()));
        assert!(check(format!("import {}", &base[7..])));
        // `import` of a path does not count; typing the path after it, or a comment, does.
        assert!(!check(base.clone()));
        let imported = |arg: &str| format!("{}y = import{arg};\n{}", &base[..mid], &base[mid..]);
        assert!(check(imported("")));
        assert!(!check(imported(" ./y.nix { }")));
        assert!(!check(imported(" ../y { }")));
        assert!(!check(imported("\n   ~/y")));
        assert!(!check(imported(" /abs/y")));
        assert!(check(imported(" /* c */ ./y")));
        assert!(check(imported(" nixpkgs { }")));
        assert!(check(imported(" <nixpkgs> { }")));
        assert!(!check(imported(" ./y { }")));
        // Editing only the bytes after the `import` flips the verdict both ways.
        assert!(check(imported(" /*")));
        assert!(!check(imported(" /y")));
        assert!(check(imported(" ")));
    }
}

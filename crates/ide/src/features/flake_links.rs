//! Document links on input URLs in `flake.nix`: forge pages for `github:`/`gitlab:`/`sourcehut:`,
//! the HTTP(S) URL of `git+https://…` and tarballs. Paths and registry names get none. In
//! flake.lock, locked revisions link to their commit pages.

use base::{FileId, TextRange, TextSize};
use flake::InputSpec;

use super::DocumentLink;
use super::flake_models::flake_models;
use crate::db::Db;

pub(crate) fn document_links(db: &Db, file_id: FileId) -> Vec<DocumentLink> {
    let models = flake_models(db);
    let Some(entry) = models.for_file(file_id) else {
        return Vec::new();
    };
    if Some(file_id) == entry.lock_file {
        return lock_links(&db.text(file_id), entry);
    }
    let text = db.text(file_id);
    let mut stack: Vec<&InputSpec> = entry.model.inputs.iter().map(|i| &i.spec).collect();
    let mut links = Vec::new();
    while let Some(spec) = stack.pop() {
        stack.extend(spec.inputs.iter().map(|n| &n.spec));
        let Some(url) = &spec.url else { continue };
        let Some(Ok(reference)) = spec.explicit_ref() else {
            continue;
        };
        let Some(target) = reference.web_url() else {
            continue;
        };
        links.push(DocumentLink {
            range: string_content(&text, url.range),
            target,
        });
    }
    links.sort_by_key(|l| l.range.start());
    links
}

/// In flake.lock: each locked `"rev"` links to its commit page on the forge.
fn lock_links(text: &str, entry: &super::flake_models::FlakeEntry) -> Vec<DocumentLink> {
    let Some(lock) = entry.lock() else {
        return Vec::new();
    };
    let mut links = Vec::new();
    for node in lock.nodes.values() {
        let (Some(locked), Some(rev)) = (&node.locked, node.rev()) else {
            continue;
        };
        let Some(target) = locked.commit_url(rev) else {
            continue;
        };
        let quoted = format!("\"{rev}\"");
        let mut from = 0;
        while let Some(found) = text[from..].find(&quoted) {
            let start = from + found + 1;
            let range = TextRange::at(TextSize::from(start as u32), TextSize::of(rev));
            if !links.iter().any(|l: &DocumentLink| l.range == range) {
                links.push(DocumentLink {
                    range,
                    target: target.clone(),
                });
            }
            from = start + rev.len();
        }
    }
    links.sort_by_key(|l| l.range.start());
    links
}

/// The range inside the quotes of a string literal.
fn string_content(text: &str, range: TextRange) -> TextRange {
    let literal = text
        .get(usize::from(range.start())..usize::from(range.end()))
        .unwrap_or("");
    let quote = if literal.starts_with("''") {
        2
    } else if literal.starts_with('"') {
        1
    } else {
        0
    };
    let quote = TextSize::from(quote);
    if range.len() < quote + quote {
        return range;
    }
    TextRange::new(range.start() + quote, range.end() - quote)
}

//! Document links on input URLs in `flake.nix`: forge pages for `github:`/`gitlab:`/`sourcehut:`,
//! the HTTP(S) URL of `git+https://…` and tarballs. Paths and registry names get none.

use base::{FileId, TextRange, TextSize};
use flake::InputSpec;

use super::DocumentLink;
use super::flake_models::flake_models;
use crate::db::Db;

pub(crate) fn document_links(db: &Db, file_id: FileId) -> Vec<DocumentLink> {
    let models = flake_models(db);
    let Some(entry) = models.for_file(file_id).filter(|e| e.nix_file == file_id) else {
        return Vec::new();
    };
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

//! Completion of input names in `flake.nix`: after `inputs.` / `self.inputs.` (or an alias of
//! the input set), in the `outputs` pattern, and inside `follows = "…"`.

use base::{FilePosition, TextRange, TextSize};
use flake::{FlakeModel, InputRef};
use syntax::SyntaxKind;

use super::flake_models::flake_models;
use super::{CompletionItem, CompletionKind};
use crate::db::Db;

pub(crate) fn completions(db: &Db, pos: FilePosition) -> Vec<CompletionItem> {
    let models = flake_models(db);
    let Some(entry) = models
        .for_file(pos.file_id)
        .filter(|e| e.nix_file == pos.file_id)
    else {
        return Vec::new();
    };
    let model = &entry.model;
    let text = db.text(pos.file_id);
    let offset = pos.offset;
    // Inside `follows = "…"`: other inputs.
    for (owner, follows) in model.all_follows() {
        let r = follows.range;
        if r.start() < offset && offset < r.end() {
            let content =
                TextRange::new(r.start() + TextSize::from(1), r.end() - TextSize::from(1));
            // `"hm/…"`: the inputs of `hm`, from flake.lock.
            let typed = text
                .get(usize::from(content.start())..usize::from(offset))
                .unwrap_or("");
            if let Some((prefix, _)) = typed.rsplit_once('/') {
                let Some(lock) = entry.lock() else {
                    return Vec::new();
                };
                let path: Vec<String> = prefix.split('/').map(str::to_owned).collect();
                let Some(node) = lock.resolve(&path).ok().and_then(|id| lock.nodes.get(id)) else {
                    return Vec::new();
                };
                let start = content.start() + TextSize::of(prefix) + TextSize::from(1);
                let replace = TextRange::new(start, content.end());
                return node
                    .inputs
                    .iter()
                    .map(|(name, edge)| {
                        let detail = match edge {
                            flake::LockEdge::Follows(p) => Some(format!("follows {}", p.join("/"))),
                            flake::LockEdge::Node(id) => lock
                                .nodes
                                .get(id)
                                .and_then(|n| n.original.as_ref())
                                .map(|o| o.to_string()),
                        };
                        item(name.clone(), detail, replace)
                    })
                    .collect();
            }
            let exclude = if owner.len() == 1 {
                Some(owner[0])
            } else {
                None
            };
            return items(model, content, |name| Some(name) != exclude);
        }
    }
    let prefix = ident_prefix(&text, offset);
    // In the `outputs` pattern: inputs not yet named, and `self`.
    if let Some(param) = model.outputs.as_ref().and_then(|o| o.param.as_ref())
        && let Some(pattern) = param.pattern_range
        && pattern.start() < offset
        && offset < pattern.end()
    {
        let named = |name: &str| {
            param
                .formals
                .iter()
                .any(|f| f.name == name && !f.range.contains_inclusive(offset))
        };
        let mut out = items(model, prefix, |name| !named(name));
        if !named("self") {
            out.insert(
                0,
                item("self".to_owned(), Some("this flake".to_owned()), prefix),
            );
        }
        return out;
    }
    // After `<the input set>.`.
    let start = usize::from(prefix.start());
    if start == 0 || text.as_bytes().get(start - 1) != Some(&b'.') {
        return Vec::new();
    }
    let Some(meaning) = resolve_chain_before(db, entry.nix_file, model, &text, start - 1) else {
        return Vec::new();
    };
    match meaning {
        InputRef::AllInputs => items(model, prefix, |name| name != "self"),
        _ => Vec::new(),
    }
}

/// What the dotted chain ending just before the `.` at `dot` denotes (`inputs`, `self.inputs`,
/// an alias), using the flake's `outputs` bindings.
fn resolve_chain_before(
    db: &Db,
    file_id: base::FileId,
    model: &FlakeModel,
    text: &str,
    dot: usize,
) -> Option<InputRef> {
    let mut segments: Vec<String> = Vec::new();
    let mut end = dot;
    let base_start = loop {
        let range = ident_prefix(text, TextSize::from(end as u32));
        let start = usize::from(range.start());
        if start == end {
            return None;
        }
        segments.push(text[start..end].to_owned());
        if start > 0 && text.as_bytes()[start - 1] == b'.' {
            end = start - 1;
        } else {
            break start;
        }
    };
    segments.reverse();
    let root = db.parse(file_id).syntax_node();
    let token = root
        .token_at_offset(TextSize::from(base_start as u32))
        .right_biased()?;
    let ident = token
        .parent_ancestors()
        .find(|n| n.kind() == SyntaxKind::NODE_IDENT)?;
    let base = model.resolve_input(&ident)?;
    Some(base.select(&segments[1..]))
}

/// The identifier characters just before `offset`, as a range ending at `offset`.
fn ident_prefix(text: &str, offset: TextSize) -> TextRange {
    let end = usize::from(offset).min(text.len());
    if !text.is_char_boundary(end) {
        return TextRange::empty(offset);
    }
    let start = text[..end]
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '\''))
        .last()
        .map_or(end, |(i, _)| i);
    TextRange::new(TextSize::from(start as u32), TextSize::from(end as u32))
}

fn item(label: String, detail: Option<String>, replace_range: TextRange) -> CompletionItem {
    CompletionItem {
        label,
        kind: CompletionKind::Input,
        detail,
        replace_range,
    }
}

fn items(
    model: &FlakeModel,
    replace_range: TextRange,
    keep: impl Fn(&str) -> bool,
) -> Vec<CompletionItem> {
    model
        .inputs
        .iter()
        .filter(|i| keep(&i.name))
        .map(|i| {
            let detail = match (&i.spec.follows, i.flake_ref()) {
                (Some(follows), _) => Some(format!("follows {}", follows.display())),
                (None, Some(Ok(reference))) => Some(reference.to_string()),
                _ => None,
            };
            item(i.name.clone(), detail, replace_range)
        })
        .collect()
}

//! Hover on flake inputs (declarations, uses, `follows`) and `flake.lock` nodes: the URL or
//! `follows`, the locked revision and date, and the store path (and whether it exists here).

use base::FilePosition;
use flake::{InputRef, Lock, LockNode};
use syntax::SyntaxKind;

use super::HoverResult;
use super::flake_models::{FlakeEntry, flake_models};
use super::flake_module_inputs::module_inputs;
use super::flake_target::{FlakeTarget, target_at};
use crate::db::Db;

pub(crate) fn hover(db: &Db, pos: FilePosition) -> Option<HoverResult> {
    let models = flake_models(db);
    let Some(entry) = models.for_file(pos.file_id) else {
        // `inputs.<name>` in a module that receives a flake's inputs.
        let inputs = module_inputs(db);
        let (flake, use_) = inputs.use_at(pos.file_id, pos.offset)?;
        let entry = models.for_file(flake)?;
        return Some(HoverResult {
            range: use_.range,
            markdown: input_markdown(db, entry, std::slice::from_ref(&use_.name)),
        });
    };
    let Some((range, target, _)) = target_at(entry, pos.file_id, pos.offset) else {
        return input_set_hover(db, entry, pos);
    };
    let markdown = match target {
        FlakeTarget::Input(path) => input_markdown(db, entry, &path),
        FlakeTarget::LockNode(id) => {
            let lock = entry.lock()?;
            let node = lock.nodes.get(&id)?;
            let mut out = format!("**lock node `{id}`**");
            if let Some(original) = &node.original {
                out.push_str(&format!("\n\n`{original}`"));
            }
            out.push_str(&lock_lines(db, node));
            // Which inputs point here directly.
            let mut users = Vec::new();
            for (parent_id, parent) in &lock.nodes {
                for (name, edge) in &parent.inputs {
                    if edge == &flake::LockEdge::Node(id.clone()) {
                        users.push(if *parent_id == lock.root {
                            format!("`{name}` of this flake")
                        } else {
                            format!("`{name}` of `{parent_id}`")
                        });
                    }
                }
            }
            if !users.is_empty() {
                out.push_str(&format!("\n\ninput {}", users.join(", ")));
            }
            out
        }
    };
    Some(HoverResult { range, markdown })
}

/// Hover on the name bound to the whole input set (`inputs` of `{ … }@inputs`): the inputs.
fn input_set_hover(db: &Db, entry: &FlakeEntry, pos: FilePosition) -> Option<HoverResult> {
    if pos.file_id != entry.nix_file {
        return None;
    }
    let root = db.parse(pos.file_id).syntax_node();
    let token = root
        .token_at_offset(pos.offset)
        .find(|t| t.kind() == SyntaxKind::TOKEN_IDENT)?;
    let ident = token
        .parent()
        .filter(|n| n.kind() == SyntaxKind::NODE_IDENT)?;
    let is_binding = entry
        .model
        .outputs
        .as_ref()
        .and_then(|o| o.param.as_ref())
        .and_then(|p| p.binding.as_ref())
        .is_some_and(|b| b.range == ident.text_range());
    if !is_binding && entry.model.resolve_input(&ident) != Some(InputRef::AllInputs) {
        return None;
    }
    let mut markdown = String::from("**the inputs of this flake**\n");
    for input in &entry.model.inputs {
        let what = match (&input.spec.follows, input.flake_ref()) {
            (Some(follows), _) => format!("follows `{}`", follows.display()),
            (None, Some(Ok(reference))) => format!("`{reference}`"),
            _ => String::new(),
        };
        markdown.push_str(&format!("\n- `{}` {what}", input.name));
    }
    markdown.push_str("\n- `self` this flake");
    Some(HoverResult {
        range: ident.text_range(),
        markdown,
    })
}

fn input_markdown(db: &Db, entry: &FlakeEntry, path: &[String]) -> String {
    let model = &entry.model;
    let title = path
        .iter()
        .map(|p| format!("`{p}`"))
        .collect::<Vec<_>>()
        .join(" → ");
    let mut out = format!("**input {title}**");
    // What flake.nix says.
    let spec = model.input(&path[0]).map(|input| {
        let mut spec = &input.spec;
        for name in &path[1..] {
            match spec.nested(name) {
                Some(nested) => spec = &nested.spec,
                None => return None,
            }
        }
        Some((input, spec))
    });
    match spec.flatten() {
        Some((input, spec)) => {
            if let Some(follows) = &spec.follows {
                if follows.path.is_empty() {
                    out.push_str("\n\nfollows `\"\"` (this flake itself)");
                } else {
                    out.push_str(&format!("\n\nfollows `{}`", follows.display()));
                }
            } else if path.len() == 1 && input.implicit {
                out.push_str(&format!(
                    "\n\nnot declared in `inputs`: taken from the flake registry as `flake:{}`",
                    input.name
                ));
            } else {
                match spec.explicit_ref() {
                    Some(Ok(reference)) => out.push_str(&format!("\n\n`{reference}`")),
                    Some(Err(err)) => out.push_str(&format!("\n\ninvalid URL: {}", err.0)),
                    None if path.len() == 1 => {
                        out.push_str(&format!("\n\n`flake:{}` (flake registry)", input.name))
                    }
                    None => {}
                }
            }
            if !spec.is_flake() {
                out.push_str("\n\n`flake = false`: a plain source tree, not a flake");
            }
        }
        None if path.len() == 1 => out.push_str("\n\nnot an input of this flake"),
        None => {}
    }
    // What flake.lock says.
    match &entry.lock {
        None => out.push_str("\n\nnot locked yet (no flake.lock)"),
        Some(Err(_)) => out.push_str("\n\nflake.lock cannot be read"),
        Some(Ok(lock)) => match locked_node(lock, path) {
            Some((id, _)) if id == lock.root => out.push_str("\n\nresolves to this flake itself"),
            Some((_, node)) => out.push_str(&lock_lines(db, node)),
            None => out.push_str("\n\nnot in flake.lock"),
        },
    }
    out
}

fn locked_node<'a>(lock: &'a Lock, path: &[String]) -> Option<(&'a str, &'a LockNode)> {
    let id = lock.resolve(path).ok()?;
    Some((id, lock.nodes.get(id)?))
}

fn lock_lines(db: &Db, node: &LockNode) -> String {
    let mut out = String::new();
    let rev = node.rev().map(|r| r.get(..7).unwrap_or(r).to_owned());
    let date = node.last_modified().map(flake::utc_date);
    match (rev, date) {
        (Some(rev), Some(date)) => out.push_str(&format!("\n\nlocked at `{rev}` ({date})")),
        (Some(rev), None) => out.push_str(&format!("\n\nlocked at `{rev}`")),
        (None, Some(date)) => out.push_str(&format!("\n\nlocked ({date})")),
        (None, None) => {}
    }
    if let Some(path) = node.store_path(&db.config.store_dir) {
        let presence = match db.store_path_presence.get(&path) {
            Some(true) => " (present on this machine)",
            Some(false) => " (not on this machine yet)",
            None => "",
        };
        out.push_str(&format!("\n\nstore path `{path}`{presence}"));
    }
    out
}

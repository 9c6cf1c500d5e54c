//! Prints the module graph of the flakes under a directory: every context with its kind, its
//! specialArgs and `_module.args` names, whether it is open, and its modules; then the module
//! diagnostics. A debugging aid: `cargo run -p modules --example graph -- DIR`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use base::VfsPath;
use modules::{Files, MemFiles};

fn walk(dir: &Path, files: &mut BTreeMap<VfsPath, String>, existing: &mut BTreeSet<VfsPath>) {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') || name == "result" {
                continue;
            }
            existing.insert(VfsPath::new(p.to_string_lossy().as_ref()));
            if p.is_dir() {
                stack.push(p);
            } else if name.ends_with(".nix")
                && let Ok(t) = std::fs::read_to_string(&p)
            {
                files.insert(VfsPath::new(p.to_string_lossy().as_ref()), t);
            }
        }
    }
}

fn main() {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: graph DIR");
        return;
    };
    let dir = std::fs::canonicalize(&dir).unwrap_or_else(|_| dir.into());
    let mut files = BTreeMap::new();
    let mut existing = BTreeSet::new();
    walk(&dir, &mut files, &mut existing);
    let root = VfsPath::new(dir.to_string_lossy().as_ref());
    let disk = MemFiles::new(files, existing).with_root(root);
    let analysis = modules::analyze(&disk);
    for (i, c) in analysis.graph.contexts.iter().enumerate() {
        println!(
            "#{i} {:?} {} open={} (special_args.open={} module_args.open={} modules_open={})",
            c.kind,
            c.full_name,
            c.is_open(),
            c.special_args.open,
            c.module_args.open,
            c.modules_open
        );
        println!(
            "    specialArgs: {:?}",
            c.special_args.names.keys().collect::<Vec<_>>()
        );
        println!(
            "    _module.args: {:?}",
            c.module_args.names.keys().collect::<Vec<_>>()
        );
        let mut mods: Vec<String> = c
            .modules
            .iter()
            .map(|m| format!("{}@{:?}", disk.display_path(m.file), m.range))
            .collect();
        mods.dedup();
        println!("    modules ({}): {}", mods.len(), mods.join(" "));
        let o = &c.overlays;
        if o.open || o.foreign || !o.attrs.is_empty() {
            println!(
                "    overlays: open={} foreign={} attrs: {:?}",
                o.open,
                o.foreign,
                o.attrs.keys().collect::<Vec<_>>()
            );
        }
    }
    for i in &analysis.graph.import_overlays {
        let o = &i.overlays;
        println!(
            "import with overlays at {}@{:?}: open={} foreign={} attrs: {:?}",
            disk.display_path(i.import.file_id),
            i.import.range,
            o.open,
            o.foreign,
            o.attrs.keys().collect::<Vec<_>>()
        );
    }
    for f in disk.files() {
        for d in analysis.diagnostics(f) {
            println!("{}: [{:?}] {}", disk.display_path(f), d.code, d.message);
        }
    }
}

//! Prints the module graph of the flakes under a directory: every context with its kind, its
//! specialArgs and `_module.args` names, whether it is open, and its modules; then the module
//! diagnostics. A debugging aid: `cargo run -p modules --example graph -- DIR`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::sync::{Arc, Mutex};

use base::{FileId, VfsPath};
use modules::{FileSummary, Files, SummaryCache};
use syntax::Parse;

struct Disk {
    root: VfsPath,
    paths: Vec<VfsPath>,
    texts: Vec<Arc<str>>,
    existing: BTreeSet<VfsPath>,
    cache: SummaryCache,
    parses: Mutex<HashMap<u32, Parse>>,
    ids: HashMap<VfsPath, FileId>,
}

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

impl Files for Disk {
    fn files(&self) -> Vec<FileId> {
        (0..self.paths.len() as u32).map(FileId).collect()
    }
    fn file_id(&self, path: &VfsPath) -> Option<FileId> {
        self.ids.get(path).copied()
    }
    fn path(&self, file: FileId) -> VfsPath {
        self.paths[file.0 as usize].clone()
    }
    fn text(&self, file: FileId) -> Arc<str> {
        Arc::clone(&self.texts[file.0 as usize])
    }
    fn parse(&self, file: FileId) -> Parse {
        let mut parses = self.parses.lock().unwrap_or_else(|e| e.into_inner());
        parses
            .entry(file.0)
            .or_insert_with(|| syntax::parse(&self.texts[file.0 as usize]))
            .clone()
    }
    fn summary(&self, file: FileId) -> Arc<FileSummary> {
        self.cache.get(&self.texts[file.0 as usize], || {
            self.parse(file).syntax_node()
        })
    }
    fn has_existence_info(&self) -> bool {
        true
    }
    fn exists(&self, path: &VfsPath) -> bool {
        self.existing.contains(path)
    }
    fn is_dir(&self, path: &VfsPath) -> bool {
        self.existing
            .range((std::ops::Bound::Excluded(path), std::ops::Bound::Unbounded))
            .next()
            .is_some_and(|p| p.as_path().starts_with(path.as_path()))
    }
    fn is_in_workspace(&self, path: &VfsPath) -> bool {
        path.as_path().starts_with(self.root.as_path())
    }
    fn display_path(&self, file: FileId) -> String {
        let p = &self.paths[file.0 as usize];
        p.as_path()
            .strip_prefix(self.root.as_path())
            .map_or_else(|_| p.to_string(), |r| r.display().to_string())
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
    let disk = Disk {
        root: VfsPath::new(dir.to_string_lossy().as_ref()),
        ids: files
            .keys()
            .enumerate()
            .map(|(i, p)| (p.clone(), FileId(i as u32)))
            .collect(),
        paths: files.keys().cloned().collect(),
        texts: files.values().map(|t| Arc::from(t.as_str())).collect(),
        existing,
        cache: SummaryCache::new(),
        parses: Mutex::new(HashMap::new()),
    };
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
    }
    for f in disk.files() {
        for d in analysis.diagnostics(f) {
            println!("{}: [{:?}] {}", disk.display_path(f), d.code, d.message);
        }
    }
}

//! Multi-file fixtures for flake-lsp tests.
//!
//! A fixture is one string holding several files, each introduced by a `#- /path` line (a Nix
//! comment, so fixtures stay valid Nix). Text before the first header becomes `/default.nix`.
//! `$0` marks the cursor; `$1`…`$9` mark further positions. Example:
//!
//! ```text
//! #- /flake.nix
//! { outputs = { nixpkgs, ... }: { }; }
//! #- /home.nix
//! { pkgs, $0inputs, ... }: { }
//! ```

pub mod workload;

use std::collections::BTreeSet;

use base::{FileId, FilePosition, TextSize, VfsPath};
use ide::{Analysis, AnalysisHost, Change};

/// One file of a fixture.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FixtureFile {
    /// Absolute path, e.g. `/flake.nix`.
    pub path: String,
    /// Text with markers removed.
    pub text: String,
}

/// A position marked by `$N` in a fixture.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Marker {
    /// The digit after `$`.
    pub index: u8,
    /// The file it is in.
    pub path: String,
    /// Its offset in the marker-free text.
    pub offset: TextSize,
}

/// A parsed fixture.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fixture {
    /// The files, in order of appearance.
    pub files: Vec<FixtureFile>,
    /// Every `$N` marker.
    pub markers: Vec<Marker>,
}

impl Fixture {
    /// Parses fixture text. The common leading indentation of the whole fixture is removed, so
    /// fixtures can be indented inside raw strings.
    pub fn parse(fixture: &str) -> Fixture {
        let text = dedent(fixture);
        let mut res = Fixture::default();
        let mut path = "/default.nix".to_owned();
        let mut body = String::new();
        let mut seen_header = false;
        for line in text.split_inclusive('\n') {
            if let Some(rest) = line.trim_end().strip_prefix("#- ") {
                if seen_header || !body.trim().is_empty() {
                    res.push_file(path, std::mem::take(&mut body));
                }
                body.clear();
                path = rest.trim().to_owned();
                seen_header = true;
                continue;
            }
            body.push_str(line);
        }
        if seen_header || !body.trim().is_empty() {
            res.push_file(path, body);
        }
        res
    }

    fn push_file(&mut self, path: String, raw: String) {
        let mut text = String::with_capacity(raw.len());
        let mut chars = raw.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '$'
                && let Some(d) = chars.peek().and_then(|d| d.to_digit(10))
            {
                chars.next();
                let offset = TextSize::of(text.as_str());
                self.markers.push(Marker {
                    index: d as u8,
                    path: path.clone(),
                    offset,
                });
                continue;
            }
            text.push(c);
        }
        self.files.push(FixtureFile { path, text });
    }

    /// The `$N` marker, if present.
    pub fn marker(&self, index: u8) -> Option<&Marker> {
        self.markers.iter().find(|m| m.index == index)
    }

    /// A fixture of whole files (absolute paths, no markers), e.g. a generated workload.
    pub fn from_files(files: impl IntoIterator<Item = (String, String)>) -> Fixture {
        Fixture {
            files: files
                .into_iter()
                .map(|(path, text)| FixtureFile { path, text })
                .collect(),
            markers: Vec::new(),
        }
    }

    /// A change that loads every file, the flake roots (dirs holding `flake.nix`) and the set of
    /// existing paths (every file and its ancestor directories).
    pub fn to_change(&self) -> Change {
        let mut change = Change::new();
        let mut existing = BTreeSet::new();
        let mut roots = Vec::new();
        for file in &self.files {
            let path = VfsPath::new(&file.path);
            let mut dir = path.parent();
            while let Some(d) = dir {
                dir = d.parent();
                existing.insert(d);
            }
            if path.file_name() == Some("flake.nix") {
                roots.extend(path.parent());
            }
            existing.insert(path.clone());
            change.set_text(path, file.text.as_str());
        }
        change.roots = Some(roots);
        change.existing_paths = Some(existing);
        change
    }

    /// An analysis host holding the fixture.
    pub fn to_host(&self) -> AnalysisHost {
        let mut host = AnalysisHost::new();
        host.apply_change(self.to_change());
        host
    }
}

/// Builds an analysis from a fixture; returns the `$0` position if there is one.
pub fn analysis_from_fixture(fixture: &str) -> (Analysis, Option<FilePosition>) {
    let fixture = Fixture::parse(fixture);
    let analysis = fixture.to_host().analysis();
    let cursor = fixture.marker(0).and_then(|m| {
        let file_id = analysis.file_id(&VfsPath::new(&m.path))?;
        Some(FilePosition {
            file_id,
            offset: m.offset,
        })
    });
    (analysis, cursor)
}

/// Renders every diagnostic of every file as stable text for snapshot tests:
/// `/home.nix:3:5-3:19 error[code] message`, then indented related locations and fix labels.
/// Lines and columns are 1-based; columns count characters.
pub fn render_diagnostics(analysis: &Analysis) -> String {
    render_diagnostics_where(analysis, |_| true)
}

/// Like [`render_diagnostics`], for the diagnostics whose code is one of `codes`.
pub fn render_diagnostics_of(analysis: &Analysis, codes: &[&str]) -> String {
    render_diagnostics_where(analysis, |d| codes.contains(&d.code.as_str()))
}

fn render_diagnostics_where(
    analysis: &Analysis,
    keep: impl Fn(&base::Diagnostic) -> bool,
) -> String {
    let mut out = String::new();
    for file_id in analysis.files() {
        for d in analysis
            .diagnostics(file_id)
            .into_iter()
            .filter(|d| keep(d))
        {
            out.push_str(&format!(
                "{} {}[{}] {}\n",
                render_range(analysis, d.location.file_id, d.location.range),
                d.severity.as_str(),
                d.code.as_str(),
                d.message
            ));
            for r in &d.related {
                out.push_str(&format!(
                    "    related {}: {}\n",
                    render_range(analysis, r.location.file_id, r.location.range),
                    r.message
                ));
            }
            for fix in &d.fixes {
                out.push_str(&format!("    fix: {}\n", fix.label));
            }
        }
    }
    out
}

/// `path:line:col-line:col` (1-based, columns in characters) for a range in a file.
pub fn render_range(analysis: &Analysis, file_id: FileId, range: base::TextRange) -> String {
    let text = analysis.file_text(file_id);
    let (l1, c1) = line_col(&text, range.start());
    let (l2, c2) = line_col(&text, range.end());
    format!("{}:{l1}:{c1}-{l2}:{c2}", analysis.file_path(file_id))
}

fn line_col(text: &str, offset: TextSize) -> (usize, usize) {
    let offset = usize::from(offset).min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// Applies a file's edits from a `SourceChange` to `text` (edits must not overlap).
pub fn apply_edits(text: &str, edits: &[base::TextEdit]) -> String {
    let mut edits = edits.to_vec();
    edits.sort_by_key(|e| std::cmp::Reverse(e.range.start()));
    let mut out = text.to_owned();
    for e in edits {
        out.replace_range(
            usize::from(e.range.start())..usize::from(e.range.end()),
            &e.new_text,
        );
    }
    out
}

fn dedent(text: &str) -> String {
    let text = text.strip_prefix('\n').unwrap_or(text);
    let indent = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    text.split_inclusive('\n')
        .map(|l| {
            if l.len() >= indent && l[..indent].trim().is_empty() {
                &l[indent..]
            } else {
                l.trim_start()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_files_and_markers() {
        let f = Fixture::parse(
            r#"
            #- /flake.nix
            { outputs = _: { }; }
            #- /home.nix
            { pkgs, $0inputs, ... }: { }
            "#,
        );
        assert_eq!(f.files.len(), 2);
        assert_eq!(f.files[1].path, "/home.nix");
        assert_eq!(f.files[1].text, "{ pkgs, inputs, ... }: { }\n");
        let m = f.marker(0).unwrap();
        assert_eq!((m.path.as_str(), u32::from(m.offset)), ("/home.nix", 8));
    }

    #[test]
    fn headerless_text_is_default_nix() {
        let f = Fixture::parse("{ a = 1; }\n");
        assert_eq!(f.files[0].path, "/default.nix");
    }

    #[test]
    fn change_has_roots_and_parents() {
        let f = Fixture::parse("#- /a/flake.nix\n{}\n#- /a/m/x.nix\n{}\n");
        let change = f.to_change();
        assert_eq!(change.roots.unwrap(), vec![VfsPath::new("/a")]);
        let existing = change.existing_paths.unwrap();
        assert!(existing.contains(&VfsPath::new("/a/m")));
        assert!(existing.contains(&VfsPath::new("/a/m/x.nix")));
    }
}

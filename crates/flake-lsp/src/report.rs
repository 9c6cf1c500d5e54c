//! The findings of one `check` run, resolved to relative paths and 1-based character positions;
//! every output format renders this.

use std::path::{Component, Path};

use ide::{Analysis, Diagnostic, FileId, FileRange, PositionEncoding, Severity, TextSize, VfsPath};

/// A 1-based line and a 1-based column counted in characters (Unicode scalar values).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub(crate) struct Pos {
    /// 1-based line.
    pub(crate) line: u32,
    /// 1-based column, in characters.
    pub(crate) column: u32,
}

/// A range resolved for output.
#[derive(Clone, PartialEq, Eq, Debug)]
pub(crate) struct Place {
    /// The file, relative to the report's base directory, with `/` separators.
    pub(crate) file: String,
    /// Where the range starts.
    pub(crate) start: Pos,
    /// Where the range ends (exclusive: the position just past its last character).
    pub(crate) end: Pos,
    /// The range as the analysis gave it.
    pub(crate) range: FileRange,
}

/// A related location, resolved.
#[derive(Clone, PartialEq, Eq, Debug)]
pub(crate) struct RelatedPlace {
    /// Where.
    pub(crate) place: Place,
    /// What is there.
    pub(crate) message: String,
}

/// One diagnostic, resolved.
#[derive(Clone, PartialEq, Eq, Debug)]
pub(crate) struct Finding {
    /// Where.
    pub(crate) place: Place,
    /// The diagnostic as the analysis gave it.
    pub(crate) diagnostic: Diagnostic,
    /// Its related locations, resolved, in the analysis' order.
    pub(crate) related: Vec<RelatedPlace>,
}

/// Everything a run found.
pub(crate) struct Report {
    /// The snapshot the findings come from (for source excerpts).
    pub(crate) analysis: Analysis,
    /// The directory paths are relative to.
    pub(crate) base: VfsPath,
    /// How many files were checked.
    pub(crate) files_checked: usize,
    /// The findings, sorted by file, then position, then code.
    pub(crate) findings: Vec<Finding>,
}

impl Report {
    /// Resolves `diagnostics` against `analysis`.
    pub(crate) fn new(
        analysis: Analysis,
        base: VfsPath,
        files_checked: usize,
        diagnostics: Vec<Diagnostic>,
    ) -> Report {
        let mut findings: Vec<Finding> = diagnostics
            .into_iter()
            .map(|diagnostic| {
                let place = resolve(&analysis, &base, diagnostic.location);
                let related = diagnostic
                    .related
                    .iter()
                    .map(|r| RelatedPlace {
                        place: resolve(&analysis, &base, r.location),
                        message: r.message.clone(),
                    })
                    .collect();
                Finding {
                    place,
                    diagnostic,
                    related,
                }
            })
            .collect();
        findings.sort_by(|a, b| {
            (
                &a.place.file,
                a.place.start,
                a.place.end,
                a.diagnostic.code,
                &a.diagnostic.message,
            )
                .cmp(&(
                    &b.place.file,
                    b.place.start,
                    b.place.end,
                    b.diagnostic.code,
                    &b.diagnostic.message,
                ))
        });
        Report {
            analysis,
            base,
            files_checked,
            findings,
        }
    }

    /// How many findings have `severity`.
    pub(crate) fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.diagnostic.severity == severity)
            .count()
    }
}

/// A range of the analysis as output positions.
fn resolve(analysis: &Analysis, base: &VfsPath, range: FileRange) -> Place {
    let file = relative(base.as_path(), analysis.file_path(range.file_id).as_path());
    let text = analysis.file_text(range.file_id);
    let start = position(analysis, range.file_id, &text, range.range.start());
    let end = position(analysis, range.file_id, &text, range.range.end());
    Place {
        file,
        start,
        end,
        range,
    }
}

/// The 1-based line and character column of a byte offset (clamped into the text).
fn position(analysis: &Analysis, file_id: FileId, text: &str, offset: TextSize) -> Pos {
    let mut offset = usize::from(offset).min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let lc = analysis
        .line_index(file_id)
        .line_col(TextSize::new(offset as u32), PositionEncoding::Utf8);
    let line_start = offset.saturating_sub(lc.col as usize);
    let column = text
        .get(line_start..offset)
        .map_or(lc.col as usize, |s| s.chars().count());
    Pos {
        line: lc.line + 1,
        column: column as u32 + 1,
    }
}

/// `path` relative to the directory `base`, lexically, with `/` separators (`..` where needed).
pub(crate) fn relative(base: &Path, path: &Path) -> String {
    let base: Vec<Component<'_>> = base.components().collect();
    let path: Vec<Component<'_>> = path.components().collect();
    let common = base.iter().zip(&path).take_while(|(a, b)| a == b).count();
    if common == 0 {
        return path
            .iter()
            .collect::<std::path::PathBuf>()
            .display()
            .to_string();
    }
    let mut parts: Vec<String> = Vec::new();
    parts.extend(std::iter::repeat_n("..".to_owned(), base.len() - common));
    parts.extend(
        path[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    if parts.is_empty() {
        ".".to_owned()
    } else {
        parts.join("/")
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use ide::{
        AnalysisHost, Change, Diagnostic, FileRange, Severity, TextRange, TextSize, VfsPath,
    };

    use super::{Pos, Report, relative};

    #[test]
    fn columns_count_characters() {
        let path = VfsPath::new("/w/hosts/a.nix");
        let text = "{ é = \"✓𝄞\"; x = 1; }\nsecond";
        let mut change = Change::new();
        change.set_text(path.clone(), text);
        let mut host = AnalysisHost::new();
        host.apply_change(change);
        let analysis = host.analysis();
        let file_id = analysis.file_id(&path).unwrap();
        let x = TextSize::new(text.find('x').unwrap() as u32);
        let range = TextRange::new(x, TextSize::of(text));
        let far = TextRange::empty(TextSize::new(1000));
        let diagnostics = vec![
            Diagnostic::new("test", Severity::Error, FileRange { file_id, range }, "m"),
            Diagnostic::new(
                "test",
                Severity::Error,
                FileRange {
                    file_id,
                    range: far,
                },
                "m",
            ),
        ];
        let report = Report::new(analysis, VfsPath::new("/w"), 1, diagnostics);
        let place = &report.findings[0].place;
        assert_eq!(place.file, "hosts/a.nix");
        assert_eq!(
            place.start,
            Pos {
                line: 1,
                column: 13
            }
        );
        assert_eq!(place.end, Pos { line: 2, column: 7 });
        // Offsets past the end are clamped to it.
        assert_eq!(report.findings[1].place.start, Pos { line: 2, column: 7 });
    }

    #[test]
    fn relative_paths() {
        assert_eq!(
            relative(Path::new("/a/b"), Path::new("/a/b/c/d.nix")),
            "c/d.nix"
        );
        assert_eq!(
            relative(Path::new("/a/b"), Path::new("/a/x.nix")),
            "../x.nix"
        );
        assert_eq!(relative(Path::new("/a/b"), Path::new("/a/b")), ".");
        assert_eq!(
            relative(Path::new("/a/b"), Path::new("/z/y.nix")),
            "../../z/y.nix"
        );
    }
}

//! `--format human`: rustc-like diagnostics rendered by codespan-reporting, and a summary line.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::sync::Arc;

use codespan_reporting::diagnostic::{Diagnostic as Rendered, Label, Severity as RenderedSeverity};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::termcolor::{ColorChoice, StandardStream};
use codespan_reporting::term::{self, Config};
use ide::{FileId, Severity};

use crate::ColorMode;
use crate::report::{Finding, Place, Report};

/// Writes the report to stdout.
pub(crate) fn write(report: &Report, color: ColorMode) -> std::io::Result<()> {
    let choice = match color {
        ColorMode::Always => ColorChoice::Always,
        ColorMode::Never => ColorChoice::Never,
        // termcolor's `Auto` honours NO_COLOR and TERM=dumb; it does not check for a terminal.
        ColorMode::Auto if std::io::stdout().is_terminal() => ColorChoice::Auto,
        ColorMode::Auto => ColorChoice::Never,
    };
    let stream = StandardStream::stdout(choice);
    let mut out = stream.lock();
    let config = Config {
        chars: term::Chars::ascii(),
        ..Config::default()
    };
    let mut files = Files::default();
    for finding in &report.findings {
        let rendered = to_rendered(report, &mut files, finding);
        if term::emit_to_write_style(&mut out, &config, &files.db, &rendered).is_err() {
            // The excerpt could not be rendered (a range outside the text): say it plainly.
            writeln!(out, "{}", plain(finding))?;
        }
    }
    writeln!(out, "{}", summary(report))?;
    out.flush()
}

/// Files handed to codespan, added as findings mention them.
#[derive(Default)]
struct Files {
    db: SimpleFiles<String, Arc<str>>,
    ids: HashMap<FileId, usize>,
}

impl Files {
    fn id(&mut self, report: &Report, place: &Place) -> usize {
        let file_id = place.range.file_id;
        *self.ids.entry(file_id).or_insert_with(|| {
            self.db
                .add(place.file.clone(), report.analysis.file_text(file_id))
        })
    }
}

fn to_rendered(report: &Report, files: &mut Files, finding: &Finding) -> Rendered<usize> {
    let d = &finding.diagnostic;
    let severity = match d.severity {
        Severity::Error => RenderedSeverity::Error,
        Severity::Warning => RenderedSeverity::Warning,
        Severity::Info => RenderedSeverity::Note,
        Severity::Hint => RenderedSeverity::Help,
    };
    let mut labels = vec![Label::primary(
        files.id(report, &finding.place),
        byte_range(&finding.place),
    )];
    for related in &finding.related {
        labels.push(
            Label::secondary(files.id(report, &related.place), byte_range(&related.place))
                .with_message(related.message.clone()),
        );
    }
    let notes = d
        .fixes
        .iter()
        .map(|fix| format!("fix: {}", fix.label))
        .collect();
    Rendered::new(severity)
        .with_code(d.code.as_str())
        .with_message(d.message.clone())
        .with_labels(labels)
        .with_notes(notes)
}

fn byte_range(place: &Place) -> std::ops::Range<usize> {
    usize::from(place.range.range.start())..usize::from(place.range.range.end())
}

/// The fallback rendering: the header and the location only.
fn plain(finding: &Finding) -> String {
    let d = &finding.diagnostic;
    format!(
        "{}[{}]: {}\n  --> {}:{}:{}\n",
        d.severity.as_str(),
        d.code.as_str(),
        d.message,
        finding.place.file,
        finding.place.start.line,
        finding.place.start.column
    )
}

/// `N errors, M warnings in K files checked` (with notes when there are any).
fn summary(report: &Report) -> String {
    let errors = report.count(Severity::Error);
    let warnings = report.count(Severity::Warning);
    let notes = report.count(Severity::Info) + report.count(Severity::Hint);
    let mut line = format!(
        "{}, {}",
        plural(errors, "error"),
        plural(warnings, "warning")
    );
    if notes > 0 {
        line.push_str(&format!(", {}", plural(notes, "note")));
    }
    line.push_str(&format!(
        " in {} checked",
        plural(report.files_checked, "file")
    ));
    line
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

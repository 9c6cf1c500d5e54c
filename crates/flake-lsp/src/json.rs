//! `--format json`: the stable machine-readable contract, version 1 (documented in docs/cli.md).

use serde::Serialize;

use crate::report::{Place, Report};

/// The version of this contract; bumped only for incompatible changes.
const VERSION: u32 = 1;

#[derive(Serialize)]
struct Output<'a> {
    version: u32,
    files_checked: usize,
    diagnostics: Vec<JsonDiagnostic<'a>>,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    file: &'a str,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    severity: &'static str,
    code: &'static str,
    message: &'a str,
    related: Vec<JsonRelated<'a>>,
}

#[derive(Serialize)]
struct JsonRelated<'a> {
    file: &'a str,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    message: &'a str,
}

/// The report as one JSON document (pretty-printed, with a final newline).
pub(crate) fn render(report: &Report) -> String {
    let output = Output {
        version: VERSION,
        files_checked: report.files_checked,
        diagnostics: report
            .findings
            .iter()
            .map(|f| {
                let (file, line, column, end_line, end_column) = coordinates(&f.place);
                JsonDiagnostic {
                    file,
                    line,
                    column,
                    end_line,
                    end_column,
                    severity: f.diagnostic.severity.as_str(),
                    code: f.diagnostic.code.as_str(),
                    message: &f.diagnostic.message,
                    related: f
                        .related
                        .iter()
                        .map(|r| {
                            let (file, line, column, end_line, end_column) = coordinates(&r.place);
                            JsonRelated {
                                file,
                                line,
                                column,
                                end_line,
                                end_column,
                                message: &r.message,
                            }
                        })
                        .collect(),
                }
            })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&output).unwrap_or_else(|e| {
        // Serialising plain strings and numbers cannot fail; keep the contract's shape anyway.
        format!("{{\"version\":{VERSION},\"error\":{:?}}}", e.to_string())
    });
    text.push('\n');
    text
}

fn coordinates(place: &Place) -> (&str, u32, u32, u32, u32) {
    (
        &place.file,
        place.start.line,
        place.start.column,
        place.end.line,
        place.end.column,
    )
}

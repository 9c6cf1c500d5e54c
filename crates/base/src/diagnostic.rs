//! Diagnostics as plain data, in editor vocabulary.

use crate::{FileRange, Fix};

/// How bad a diagnostic is.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum Severity {
    /// The configuration will not evaluate or build.
    Error,
    /// Probably a mistake, but evaluation goes on.
    Warning,
    /// Worth knowing.
    Info,
    /// A quiet suggestion (e.g. an unused, unprovided argument).
    Hint,
}

impl Severity {
    /// The lowercase name used by the CLI's JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
            Severity::Hint => "hint",
        }
    }
}

/// A stable kebab-case diagnostic code, documented in `docs/diagnostics/<code>.md`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct DiagnosticCode(pub &'static str);

impl DiagnosticCode {
    /// The code as written in docs and output.
    pub fn as_str(self) -> &'static str {
        self.0
    }
}

/// A secondary location that explains a diagnostic (e.g. where an argument is passed).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Related {
    /// Where.
    pub location: FileRange,
    /// What is there, as a sentence.
    pub message: String,
}

/// One finding of the analysis.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Diagnostic {
    /// The offending range.
    pub location: FileRange,
    /// How bad it is.
    pub severity: Severity,
    /// Stable code.
    pub code: DiagnosticCode,
    /// A human sentence.
    pub message: String,
    /// Secondary locations.
    pub related: Vec<Related>,
    /// Quick fixes offered for it.
    pub fixes: Vec<Fix>,
    /// The range is unused/dead code (editors grey it out).
    pub unnecessary: bool,
}

impl Diagnostic {
    /// A diagnostic with no related locations and no fixes.
    pub fn new(
        code: &'static str,
        severity: Severity,
        location: FileRange,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            location,
            severity,
            code: DiagnosticCode(code),
            message: message.into(),
            related: Vec::new(),
            fixes: Vec::new(),
            unnecessary: false,
        }
    }

    /// Adds a related location.
    pub fn with_related(mut self, location: FileRange, message: impl Into<String>) -> Diagnostic {
        self.related.push(Related {
            location,
            message: message.into(),
        });
        self
    }

    /// Adds a quick fix.
    pub fn with_fix(mut self, fix: Fix) -> Diagnostic {
        self.fixes.push(fix);
        self
    }
}

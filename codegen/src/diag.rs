//! Diagnostics: every problem found in a spec, located by file, line, column
//! and JSON pointer, so that one run reports all of them.

use std::fmt;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Generation goes on; the user should know.
    Warning,
    /// Generation cannot produce a crate.
    Error,
}

/// One problem in a spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// The spec's file name as given to the generator.
    pub file: String,
    /// 1-based line, 0 when unknown.
    pub line: usize,
    /// 1-based column, 0 when unknown.
    pub column: usize,
    /// JSON pointer of the offending node, `""` for the whole document.
    pub pointer: String,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        write!(
            f,
            "{}:{}:{}: {kind}: {}",
            self.file, self.line, self.column, self.message
        )?;
        let pointer = if self.pointer.is_empty() { "/" } else { &self.pointer };
        write!(f, " (at {pointer})")
    }
}

/// Everything that stopped a generation, in document order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter().filter(|d| d.severity == Severity::Error)
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.0 {
            writeln!(f, "{d}")?;
        }
        let errors = self.errors().count();
        let warnings = self.0.len() - errors;
        write!(f, "{errors} error(s), {warnings} warning(s)")
    }
}

impl std::error::Error for Diagnostics {}

/// Collects problems by JSON pointer; positions are filled in at the end, so
/// the YAML is only scanned for positions when something went wrong.
#[derive(Debug, Default)]
pub(crate) struct Sink {
    pub(crate) items: Vec<(Severity, String, String)>,
    /// Components made from content written elsewhere (`spec::refs`), each
    /// with the pointer of that content: diagnostics point at the latter.
    pub(crate) aliases: Vec<(String, String)>,
    /// Where the parts of an upgraded (3.1 or 2.0) document were written
    /// (`spec::upgrade`): applied after `aliases`.
    pub(crate) origins: crate::spec::upgrade::Origins,
}

impl Sink {
    pub(crate) fn error(&mut self, pointer: &str, message: impl Into<String>) {
        self.items.push((Severity::Error, pointer.to_owned(), message.into()));
    }

    pub(crate) fn warning(&mut self, pointer: &str, message: impl Into<String>) {
        self.items.push((Severity::Warning, pointer.to_owned(), message.into()));
    }

    pub(crate) fn has_errors(&self) -> bool {
        self.items.iter().any(|(s, _, _)| *s == Severity::Error)
    }
}

/// Appends `segment` to a JSON pointer, escaping `~` and `/`.
pub(crate) fn push_pointer(base: &str, segment: &str) -> String {
    let mut out = String::with_capacity(base.len() + segment.len() + 1);
    out.push_str(base);
    out.push('/');
    for c in segment.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
    out
}

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
    /// Components made from content written elsewhere (`spec::refs`):
    /// diagnostics point at where the content was.
    pub(crate) aliases: Origins,
    /// Where the parts of an upgraded (3.1 or 2.0) document were written
    /// (`spec::upgrade`): applied after `aliases`.
    pub(crate) origins: Origins,
    /// Pointers of the operations left out under `--skip-unsupported`,
    /// whichever stage found why.
    pub(crate) skipped: std::collections::BTreeSet<String>,
}

impl Sink {
    pub(crate) fn error(&mut self, pointer: &str, message: impl Into<String>) {
        self.items.push((Severity::Error, pointer.to_owned(), message.into()));
    }

    pub(crate) fn warning(&mut self, pointer: &str, message: impl Into<String>) {
        self.items.push((Severity::Warning, pointer.to_owned(), message.into()));
    }

    /// A construct the generator cannot express (`what` says which and
    /// that it is not supported), at `pointer`, in the operation at
    /// `operation` if it is in one. The one decision of what that does,
    /// whether validation or lowering finds it: an error that names
    /// `--skip-unsupported`, or under it a warning, and the operation is
    /// left out.
    pub(crate) fn unsupported(&mut self, skip: bool, operation: Option<&str>, pointer: &str, what: &str) {
        match (operation, skip) {
            (Some(op), true) => {
                self.warning(
                    pointer,
                    format!("{what}; the operation at {op} is skipped (--skip-unsupported)"),
                );
                self.skipped.insert(op.to_owned());
            }
            (Some(_), false) => self.error(
                pointer,
                format!("{what} (pass --skip-unsupported to leave the operation out)"),
            ),
            (None, _) => self.error(pointer, what),
        }
    }

    pub(crate) fn has_errors(&self) -> bool {
        self.items.iter().any(|(s, _, _)| *s == Severity::Error)
    }
}

/// Pointer prefixes of a rewritten document, each with the prefix of the
/// user's file that its content was written at; the longest prefix that
/// matches wins. Both rewrites of a document keep one: the upgrade of 3.1
/// and 2.0 (`spec::upgrade`) and the hoisting of reference targets
/// (`spec::refs`).
#[derive(Debug, Default, Clone)]
pub(crate) struct Origins(Vec<(String, String)>);

impl Origins {
    pub(crate) fn add(&mut self, upgraded: String, written: String) {
        if upgraded != written {
            self.0.push((upgraded, written));
        }
    }

    /// The pointer the user wrote for `pointer` of the rewritten document.
    pub(crate) fn original(&self, pointer: &str) -> String {
        match longest_prefix(self.0.iter().map(|(u, w)| (u.as_str(), w)), pointer) {
            Some((rest, written)) => format!("{written}{rest}"),
            None => pointer.to_owned(),
        }
    }
}

/// Of `entries` (a pointer prefix, and what it maps to), the one whose
/// prefix is the longest that `pointer` lies under (equal to it, or
/// followed by `/`), with the rest of `pointer`. The one rule by which
/// every rewritten piece of a document is traced back: `Origins`, and
/// where `spec::files` placed what another file holds.
pub(crate) fn longest_prefix<'p, 'e, T>(
    entries: impl Iterator<Item = (&'e str, T)>,
    pointer: &'p str,
) -> Option<(&'p str, T)> {
    let mut best: Option<(usize, T)> = None;
    for (prefix, value) in entries {
        let Some(rest) = pointer.strip_prefix(prefix) else {
            continue;
        };
        if (rest.is_empty() || rest.starts_with('/')) && best.as_ref().is_none_or(|(n, _)| *n < prefix.len()) {
            best = Some((prefix.len(), value));
        }
    }
    best.map(|(n, value)| (&pointer[n..], value))
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

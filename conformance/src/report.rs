//! The result of a run, and its renderings: a human report (colour on a
//! terminal), JSON and JUnit XML. Rendering is separate from running, so a
//! report renders the same way whatever produced it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use crate::contract::{Id, REQUIREMENTS, Strength};
use crate::exchange::Exchange;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", content = "reason", rename_all = "lowercase")]
pub enum Status {
    Pass,
    Fail,
    /// Not run; the reason says why and which flag would run it.
    Skip(String),
}

/// One check's verdict on one requirement.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub id: Id,
    pub check: String,
    #[serde(flatten)]
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub found: Option<String>,
    /// Index into the report's exchanges.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exchange: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
}

/// What a requirement came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Passed,
    Failed,
    /// A SHOULD that failed, outside `--strict`.
    Warned,
    Skipped,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Passed => "passed",
            Verdict::Failed => "failed",
            Verdict::Warned => "warned",
            Verdict::Skipped => "skipped",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct RequirementResult {
    pub id: Id,
    pub strength: Strength,
    pub summary: &'static str,
    pub verdict: Verdict,
    pub checks: Vec<Outcome>,
}

#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Counts {
    pub passed: usize,
    pub failed: usize,
    pub warned: usize,
    pub skipped: usize,
}

/// Why a run ended before all its checks ran.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "by", content = "reason", rename_all = "lowercase")]
pub enum Interrupted {
    /// `--deadline` passed.
    Deadline(String),
    /// Ctrl-C or SIGTERM.
    Stopped(String),
}

impl Interrupted {
    pub fn reason(&self) -> &str {
        match self {
            Interrupted::Deadline(r) | Interrupted::Stopped(r) => r,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub base_url: String,
    /// Set when the run stopped early; such a run is never conformant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interrupted: Option<Interrupted>,
    pub writes: bool,
    pub deletes: bool,
    pub strict: bool,
    pub conformant: bool,
    pub duration_ms: u64,
    pub counts: Counts,
    pub requirements: Vec<RequirementResult>,
    /// The exchanges that failures point at (token masked).
    pub exchanges: Vec<Exchange>,
    /// Tokens the run's sign-in fetched (0 with a given token): one, plus
    /// one per renewal.
    #[serde(skip_serializing_if = "is_zero")]
    pub sign_ins: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl Report {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        base_url: String,
        writes: bool,
        deletes: bool,
        strict: bool,
        only: &BTreeSet<Id>,
        outcomes: Vec<Outcome>,
        all_exchanges: Vec<Exchange>,
        elapsed: Duration,
    ) -> Report {
        // Keep only the exchanges failures refer to, renumbered.
        let mut kept: BTreeMap<usize, usize> = BTreeMap::new();
        let mut exchanges = Vec::new();
        let mut outcomes = outcomes;
        for o in &mut outcomes {
            if let Some(i) = o.exchange {
                if o.status != Status::Fail {
                    o.exchange = None;
                    continue;
                }
                let new = *kept.entry(i).or_insert_with(|| {
                    exchanges.push(all_exchanges.get(i).cloned());
                    exchanges.len() - 1
                });
                o.exchange = Some(new);
            }
        }
        let exchanges: Vec<Exchange> = exchanges.into_iter().flatten().collect();
        let mut counts = Counts::default();
        let mut requirements = Vec::new();
        for r in REQUIREMENTS {
            if !only.is_empty() && !only.contains(&r.id) {
                continue;
            }
            let checks: Vec<Outcome> = outcomes.iter().filter(|o| o.id == r.id).cloned().collect();
            let verdict = if checks.iter().any(|c| c.status == Status::Fail) {
                if r.strength == Strength::Should && !strict {
                    Verdict::Warned
                } else {
                    Verdict::Failed
                }
            } else if checks.iter().any(|c| c.status == Status::Pass) {
                Verdict::Passed
            } else {
                Verdict::Skipped
            };
            match verdict {
                Verdict::Passed => counts.passed += 1,
                Verdict::Failed => counts.failed += 1,
                Verdict::Warned => counts.warned += 1,
                Verdict::Skipped => counts.skipped += 1,
            }
            let checks = if checks.is_empty() {
                vec![Outcome {
                    id: r.id,
                    check: "all checks".to_owned(),
                    status: Status::Skip("skipped: no check of this id ran".to_owned()),
                    expected: None,
                    found: None,
                    exchange: None,
                    diff: None,
                }]
            } else {
                checks
            };
            requirements.push(RequirementResult {
                id: r.id,
                strength: r.strength,
                summary: r.summary,
                verdict,
                checks,
            });
        }
        Report {
            base_url,
            interrupted: None,
            writes,
            deletes,
            strict,
            conformant: counts.failed == 0,
            duration_ms: elapsed.as_millis() as u64,
            counts,
            requirements,
            exchanges,
            sign_ins: 0,
        }
    }

    /// The requirement ids that failed (warnings excluded).
    pub fn failed_ids(&self) -> Vec<Id> {
        self.requirements
            .iter()
            .filter(|r| r.verdict == Verdict::Failed)
            .map(|r| r.id)
            .collect()
    }

    pub fn verdict(&self, id: &str) -> Option<Verdict> {
        self.requirements.iter().find(|r| r.id == id).map(|r| r.verdict)
    }
}

/// A line diff of two JSON values, pretty-printed.
pub fn json_diff(expected: &Value, found: &Value) -> String {
    let a = serde_json::to_string_pretty(expected).unwrap_or_default();
    let b = serde_json::to_string_pretty(found).unwrap_or_default();
    let diff = similar::TextDiff::from_lines(&a, &b);
    let mut out = String::new();
    for change in diff.iter_all_changes() {
        let sign = match change.tag() {
            similar::ChangeTag::Delete => '-',
            similar::ChangeTag::Insert => '+',
            similar::ChangeTag::Equal => ' ',
        };
        let _ = write!(out, "{sign} {change}");
        if change.missing_newline() {
            out.push('\n');
        }
    }
    out
}

struct Paint(bool);

impl Paint {
    fn c(&self, code: &str, text: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
}

/// The report for a terminal: a table by id, then each failure in full.
pub fn render_human(r: &Report, colour: bool) -> String {
    let p = Paint(colour);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "bc-conformance against {} (writes: {}, deletes: {}{})\n",
        r.base_url,
        if r.writes { "yes" } else { "no" },
        if r.deletes { "yes" } else { "no" },
        if r.strict { ", strict" } else { "" }
    );
    if let Some(i) = &r.interrupted {
        let _ = writeln!(out, "{} {}\n", p.c("31;1", "INTERRUPTED:"), i.reason());
    }
    let _ = writeln!(out, "{:<10} {:<8} {:<8} CHECKS", "ID", "STRENGTH", "RESULT");
    for req in &r.requirements {
        let (code, word) = match req.verdict {
            Verdict::Passed => ("32", "pass"),
            Verdict::Failed => ("31;1", "FAIL"),
            Verdict::Warned => ("33", "warn"),
            Verdict::Skipped => ("2", "skip"),
        };
        let passed = req.checks.iter().filter(|c| c.status == Status::Pass).count();
        let ran = req
            .checks
            .iter()
            .filter(|c| !matches!(c.status, Status::Skip(_)))
            .count();
        let note = if req.verdict == Verdict::Skipped {
            req.checks
                .iter()
                .find_map(|c| {
                    if let Status::Skip(why) = &c.status {
                        Some(why.clone())
                    } else {
                        None
                    }
                })
                .unwrap_or_default()
        } else {
            format!("{passed}/{ran} passed")
        };
        let _ = writeln!(
            out,
            "{:<10} {:<8} {} {}",
            req.id,
            req.strength.as_str(),
            p.c(code, &format!("{word:<8}")),
            note
        );
    }
    let problems: Vec<(&RequirementResult, &Outcome)> = r
        .requirements
        .iter()
        .flat_map(|req| {
            req.checks
                .iter()
                .filter(|c| c.status == Status::Fail)
                .map(move |c| (req, c))
        })
        .collect();
    if !problems.is_empty() {
        let _ = writeln!(out, "\n{}", p.c("1", "Failures"));
    }
    for (req, c) in problems {
        let label = if req.verdict == Verdict::Warned {
            p.c("33", "warning")
        } else {
            p.c("31;1", "failure")
        };
        let _ = writeln!(out, "\n{label} {} ({}): {}", req.id, req.strength.as_str(), c.check);
        if let Some(e) = &c.expected {
            let _ = writeln!(out, "  expected: {e}");
        }
        if let Some(f) = &c.found {
            let _ = writeln!(out, "  found:    {f}");
        }
        if let Some(d) = &c.diff {
            let _ = writeln!(out, "  diff (- expected, + found):");
            for line in d.lines() {
                let coloured = match line.chars().next() {
                    Some('-') => p.c("31", line),
                    Some('+') => p.c("32", line),
                    _ => line.to_owned(),
                };
                let _ = writeln!(out, "    {coloured}");
            }
        }
        if let Some(e) = c.exchange.and_then(|i| r.exchanges.get(i)) {
            let _ = writeln!(out, "  request:  {} {}", e.method, e.url);
            for (k, v) in &e.request_headers {
                let _ = writeln!(out, "            {k}: {v}");
            }
            if let Some(b) = &e.request_body {
                let _ = writeln!(out, "            {b}");
            }
            match (&e.status, &e.error) {
                (Some(s), _) => {
                    let _ = writeln!(out, "  response: {s}");
                    for (k, v) in e.response_headers.iter().filter(|(k, _)| {
                        matches!(k.as_str(), "content-type" | "etag" | "location" | "www-authenticate")
                    }) {
                        let _ = writeln!(out, "            {k}: {v}");
                    }
                    if let Some(b) = &e.response_body {
                        let _ = writeln!(out, "            {}", b.chars().take(1000).collect::<String>());
                    }
                }
                (None, Some(err)) => {
                    let _ = writeln!(out, "  response: none ({err})");
                }
                (None, None) => {}
            }
            let _ = writeln!(out, "  reproduce: {}", e.curl);
        }
    }
    let verdict = if r.conformant {
        p.c("32;1", "CONFORMANT")
    } else {
        p.c("31;1", "NOT CONFORMANT")
    };
    let _ = writeln!(
        out,
        "\n{} passed, {} failed, {} warned, {} skipped in {:.2} s: {verdict}",
        r.counts.passed,
        r.counts.failed,
        r.counts.warned,
        r.counts.skipped,
        r.duration_ms as f64 / 1000.0
    );
    out
}

pub fn render_json(r: &Report) -> String {
    serde_json::to_string_pretty(r).unwrap_or_else(|e| format!("{{\"error\": \"cannot render the report: {e}\"}}"))
}

fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => out.push_str(&format!("&#x{:X};", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// JUnit XML: a test case per check, named by its id. SHOULD failures are
/// failures only under `--strict`.
pub fn render_junit(r: &Report) -> String {
    let cases: Vec<(&RequirementResult, &Outcome)> = r
        .requirements
        .iter()
        .flat_map(|req| req.checks.iter().map(move |c| (req, c)))
        .collect();
    let failures = cases
        .iter()
        .filter(|(req, c)| c.status == Status::Fail && req.verdict == Verdict::Failed)
        .count();
    let skipped = cases
        .iter()
        .filter(|(_, c)| matches!(c.status, Status::Skip(_)))
        .count();
    let extra = usize::from(r.interrupted.is_some());
    let failures = failures + extra;
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"bc-conformance\" tests=\"{}\" failures=\"{failures}\" skipped=\"{skipped}\" time=\"{:.3}\">",
        cases.len() + extra,
        r.duration_ms as f64 / 1000.0
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" skipped=\"{skipped}\">",
        xml(&r.base_url),
        cases.len() + extra
    );
    if let Some(i) = &r.interrupted {
        let _ = writeln!(
            out,
            "    <testcase classname=\"run\" name=\"the run completes\">\n      <failure message=\"interrupted\">{}</failure>\n    </testcase>",
            xml(i.reason())
        );
    }
    for (req, c) in cases {
        let _ = write!(
            out,
            "    <testcase classname=\"{}\" name=\"{}\"",
            xml(req.id.as_str()),
            xml(&format!("{} ({})", c.check, req.strength.as_str()))
        );
        match &c.status {
            Status::Pass => out.push_str("/>\n"),
            Status::Skip(why) => {
                let _ = writeln!(out, ">\n      <skipped message=\"{}\"/>\n    </testcase>", xml(why));
            }
            Status::Fail => {
                let mut text = format!(
                    "expected: {}\nfound: {}",
                    c.expected.as_deref().unwrap_or(""),
                    c.found.as_deref().unwrap_or("")
                );
                if let Some(d) = &c.diff {
                    text.push_str(&format!("\ndiff:\n{d}"));
                }
                if let Some(e) = c.exchange.and_then(|i| r.exchanges.get(i)) {
                    text.push_str(&format!("\nreproduce: {}", e.curl));
                }
                let tag = if req.verdict == Verdict::Warned {
                    "system-out"
                } else {
                    "failure"
                };
                if tag == "failure" {
                    let _ = writeln!(
                        out,
                        ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>",
                        xml(c.expected.as_deref().unwrap_or("")),
                        xml(&text)
                    );
                } else {
                    let _ = writeln!(
                        out,
                        ">\n      <system-out>warning: {}</system-out>\n    </testcase>",
                        xml(&text)
                    );
                }
            }
        }
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

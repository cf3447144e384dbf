//! The suite: discovers the company and its contacts, runs one or more
//! checks per contract id (reads by default, writes and deletes only when
//! allowed), replays the documented exchanges, and returns a [`Report`].

pub mod contract;
pub mod http;
mod reads;
mod writes;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::Value;
use tokio::sync::watch;
use uuid::Uuid;

use crate::report::{Outcome, Report, Status};
use http::{Http, HttpError, Reply, Req};

/// What to run and how.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub base_url: String,
    pub token: String,
    /// The company to test; the first of `GET /companies` when `None`.
    pub company: Option<Uuid>,
    pub allow_writes: bool,
    pub allow_delete: bool,
    pub strict: bool,
    /// Only these ids are checked and reported; all when empty.
    pub only: BTreeSet<String>,
    pub timeout: Duration,
    pub max_body_bytes: usize,
    /// The whole run ends by then; changed values are still put back.
    pub deadline: Duration,
    /// Becomes `true` when the run must stop (Ctrl-C, SIGTERM): the checks
    /// stop, changed values are put back, and the report says so.
    pub stop: Option<watch::Receiver<bool>>,
}

impl RunOptions {
    pub fn new(base_url: &str, token: &str) -> RunOptions {
        RunOptions {
            base_url: base_url.to_owned(),
            token: token.to_owned(),
            company: None,
            allow_writes: false,
            allow_delete: false,
            strict: false,
            only: BTreeSet::new(),
            timeout: Duration::from_secs(10),
            max_body_bytes: 64 * 1024 * 1024,
            deadline: Duration::from_secs(120),
            stop: None,
        }
    }
}

/// The run could not be done at all (exit code 2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{0}")]
pub struct Aborted(pub String);

/// How many listed contacts are kept whole.
pub(crate) const SAMPLE: usize = 1_000;

/// A listed contact, as far as checks of the whole list need it.
#[derive(Debug, Clone)]
pub(crate) struct Listed {
    /// As listed (case kept).
    pub(crate) id: String,
    pub(crate) last_name: Option<String>,
}

/// The documented contact of the seed pages, as the spec's examples carry it.
pub(crate) const DOCUMENTED_ID: &str = "e3a5c0b1-0123-4d6e-9f10-2a3b4c5d6e7f";

/// Shared state of the checks.
pub(crate) struct Ctx {
    pub(crate) http: Http,
    pub(crate) opts: RunOptions,
    pub(crate) spec: Option<bc_spec::Spec>,
    pub(crate) company: Uuid,
    /// Every contact listed (all pages), once each, by id and lastName.
    pub(crate) listed: Vec<Listed>,
    /// The first [`SAMPLE`] of them, whole: what checks of single contacts
    /// look at. Only these are kept, so memory does not grow with the list.
    pub(crate) contacts: Vec<Value>,
    pub(crate) outcomes: Vec<Outcome>,
    /// A contact the write checks are changing, and the values to put back
    /// if the run stops before they do.
    pub(crate) pending_restore: Option<(String, Value)>,
}

impl Ctx {
    pub(crate) fn wants(&self, id: &str) -> bool {
        self.opts.only.is_empty() || self.opts.only.contains(id)
    }

    fn push(&mut self, id: &'static str, check: &str, status: Status) {
        if self.wants(id) {
            self.outcomes.push(Outcome {
                id,
                check: check.to_owned(),
                status,
                expected: None,
                found: None,
                exchange: None,
                diff: None,
            });
        }
    }

    pub(crate) fn pass(&mut self, id: &'static str, check: &str) {
        self.push(id, check, Status::Pass);
    }

    pub(crate) fn skip(&mut self, id: &'static str, check: &str, reason: &str) {
        self.push(id, check, Status::Skip(reason.to_owned()));
    }

    pub(crate) fn fail(&mut self, id: &'static str, check: &str, expected: &str, found: &str, exchange: Option<usize>) {
        if self.wants(id) {
            self.outcomes.push(Outcome {
                id,
                check: check.to_owned(),
                status: Status::Fail,
                expected: Some(expected.to_owned()),
                found: Some(self.http.mask(found)),
                exchange,
                diff: None,
            });
        }
    }

    /// A failure showing how two JSON values differ.
    pub(crate) fn fail_diff(
        &mut self,
        id: &'static str,
        check: &str,
        expected: &Value,
        found: &Value,
        exchange: Option<usize>,
    ) {
        if self.wants(id) {
            let diff = crate::report::json_diff(expected, found);
            self.outcomes.push(Outcome {
                id,
                check: check.to_owned(),
                status: Status::Fail,
                expected: Some("the values on the left".to_owned()),
                found: Some("the values on the right".to_owned()),
                exchange,
                diff: Some(self.http.mask(&diff)),
            });
        }
    }

    /// Pass when `ok`, else fail with `expected` and what the reply was.
    pub(crate) fn expect(&mut self, id: &'static str, check: &str, ok: bool, expected: &str, reply: &Reply) {
        if ok {
            self.pass(id, check);
        } else {
            let found = describe_reply(reply);
            self.fail(id, check, expected, &found, Some(reply.exchange));
        }
    }

    /// A request that got no response fails the check.
    pub(crate) fn transport_failure(&mut self, id: &'static str, check: &str, expected: &str, e: &HttpError) {
        self.fail(
            id,
            check,
            expected,
            &format!("no usable response: {e}"),
            Some(e.exchange),
        );
    }

    pub(crate) async fn send(&self, req: Req) -> Result<Reply, HttpError> {
        self.http.send(req).await
    }

    pub(crate) fn company_path(&self) -> String {
        format!("/companies({})", self.company)
    }

    pub(crate) fn contacts_path(&self) -> String {
        format!("/companies({})/customerContacts", self.company)
    }

    pub(crate) fn contact_path(&self, id: &str) -> String {
        format!("/companies({})/customerContacts({id})", self.company)
    }

    /// The schema errors of a response body, per the spec, for `template`
    /// (a path of the spec) and `method`.
    pub(crate) fn schema_errors(&self, template: &str, method: &str, reply: &Reply) -> Vec<String> {
        let Some(body) = reply.json() else {
            return vec!["the body is not JSON".to_owned()];
        };
        self.schema_errors_of(template, method, reply.status, &body)
    }

    /// The schema errors of `body`, a response of `status`.
    pub(crate) fn schema_errors_of(&self, template: &str, method: &str, status: u16, body: &Value) -> Vec<String> {
        let Some(spec) = &self.spec else {
            return Vec::new();
        };
        match spec.response_validator(template, method, status) {
            Ok(Some(v)) => v.errors(body),
            Ok(None) => Vec::new(),
            Err(e) => vec![format!("the spec has no schema for it: {e}")],
        }
    }

    /// The contact's current representation, or why it cannot be read.
    pub(crate) async fn read_contact(&self, id: &str) -> Result<(Value, Reply), String> {
        match self.send(Req::get(self.contact_path(id))).await {
            Ok(r) if r.status == 200 => match r.json() {
                Some(v) => Ok((v, r)),
                None => Err("the GET body is not JSON".to_owned()),
            },
            Ok(r) => Err(format!("GET of the contact answered {}", r.status)),
            Err(e) => Err(e.message),
        }
    }
}

/// Status, error code and a piece of the body, for a failure message.
pub(crate) fn describe_reply(r: &Reply) -> String {
    let mut s = format!("{}", r.status);
    if let Some(code) = r.error_code() {
        s.push_str(&format!(" with error code {}", r.masker.apply(&code)));
    }
    // Masked whole, then cut: a cut must not leave part of the token.
    let body = r.masker.excerpt(&r.body, 300);
    if !body.trim().is_empty() {
        s.push_str(&format!(": {}", body.trim()));
    }
    s
}

/// The etag of an entity body.
pub(crate) fn etag_of(v: &Value) -> Option<String> {
    v.get("@odata.etag").and_then(Value::as_str).map(str::to_owned)
}

/// The id of an entity body.
pub(crate) fn id_of(v: &Value) -> Option<String> {
    v.get("id").and_then(Value::as_str).map(str::to_owned)
}

/// Why a run stopped before its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Interruption {
    Deadline,
    Stopped,
}

/// Runs the suite. `Err` when the run itself could not be done.
///
/// The run ends by `opts.deadline`, or as soon as `opts.stop` turns
/// `true`; either way the values the write checks changed are put back
/// (with retries) before it returns, and the report says what happened.
pub async fn run(opts: RunOptions) -> Result<Report, Aborted> {
    let started = Instant::now();
    let http = Http::new(&opts.base_url, &opts.token, opts.timeout, opts.max_body_bytes).map_err(Aborted)?;
    if opts.token.trim().is_empty() {
        return Err(Aborted("no token: pass --token or set BC_TOKEN".to_owned()));
    }
    let spec = bc_spec::Spec::embedded().ok();
    let deadline = opts.deadline;
    let stop = opts.stop.clone();
    let mut ctx = Ctx {
        http,
        opts,
        spec,
        company: Uuid::nil(),
        listed: Vec::new(),
        contacts: Vec::new(),
        outcomes: Vec::new(),
        pending_restore: None,
    };
    let interrupted = {
        let work = checks(&mut ctx);
        tokio::pin!(work);
        tokio::select! {
            done = &mut work => {
                done?;
                None
            }
            () = tokio::time::sleep(deadline) => Some(Interruption::Deadline),
            () = stopped(stop) => Some(Interruption::Stopped),
        }
    };
    let Some(why) = interrupted else {
        return Ok(finish(ctx, started));
    };
    let put_back = match ctx.pending_restore.take() {
        None => "no value had been changed".to_owned(),
        Some((id, values)) => match writes::put_back(&ctx, &id, &values).await {
            Ok(()) => format!("every value changed on contact {id} was put back"),
            Err(e) => format!(
                "the values changed on contact {id} could NOT be put back ({e}); they were {}",
                ctx.http.mask(&values.to_string())
            ),
        },
    };
    let reason = match why {
        Interruption::Deadline => format!(
            "the run did not finish within its deadline of {:.0} s (--deadline); {put_back}",
            deadline.as_secs_f64()
        ),
        Interruption::Stopped => format!("the run was stopped (Ctrl-C or SIGTERM); {put_back}"),
    };
    skip_all(&mut ctx, &format!("not run: {reason}"));
    let mut report = finish(ctx, started);
    report.interrupted = Some(match why {
        Interruption::Deadline => crate::report::Interrupted::Deadline(reason),
        Interruption::Stopped => crate::report::Interrupted::Stopped(reason),
    });
    report.conformant = false;
    Ok(report)
}

/// Completes when `stop` turns `true` (never, without one).
async fn stopped(stop: Option<watch::Receiver<bool>>) {
    match stop {
        Some(mut rx) => {
            if rx.wait_for(|s| *s).await.is_err() {
                // The sender is gone: nobody can ask for a stop any more.
                std::future::pending::<()>().await;
            }
        }
        None => std::future::pending::<()>().await,
    }
}

/// Discovery, then every check.
async fn checks(ctx: &mut Ctx) -> Result<(), Aborted> {
    // Discovery: the company. Whether the run can be done is decided here.
    let companies = match ctx.send(Req::get("/companies")).await {
        Ok(r) => r,
        Err(e) if e.transport => {
            return Err(Aborted(format!(
                "the server at {} is unreachable: {e}",
                ctx.http.base_url()
            )));
        }
        Err(e) => {
            return Err(Aborted(format!("GET /companies gave no usable response: {e}")));
        }
    };
    if companies.status == 401 || companies.status == 403 {
        return Err(Aborted(format!(
            "the server refused the token: GET /companies answered {} (check --token or BC_TOKEN)",
            companies.status
        )));
    }
    reads::companies(ctx, &companies).await;
    let company = match ctx.opts.company {
        Some(c) => Some(c),
        None => companies.json().and_then(|v| {
            v.pointer("/value/0/id")
                .and_then(Value::as_str)
                .and_then(|s| Uuid::parse_str(s).ok())
        }),
    };
    match company {
        Some(c) => ctx.company = c,
        None => {
            let reason = "no company was found (GET /companies listed none with a GUID id; pass --company)";
            skip_all(ctx, reason);
            return Ok(());
        }
    }

    reads::run(ctx).await;
    if ctx.opts.allow_writes {
        writes::run(ctx).await;
    } else {
        for id in writes::WRITE_IDS {
            ctx.skip(
                id,
                "write checks",
                "skipped: it writes; run with --allow-writes (every changed value is put back)",
            );
        }
    }
    if ctx.opts.allow_delete {
        writes::run_deletes(ctx).await;
    } else {
        for id in writes::DELETE_IDS {
            ctx.skip(
                id,
                "delete checks",
                "skipped: it deletes contacts; run with --allow-delete",
            );
        }
    }
    reads::aggregate(ctx);
    Ok(())
}

fn skip_all(ctx: &mut Ctx, reason: &str) {
    let done: BTreeSet<&str> = ctx.outcomes.iter().map(|o| o.id).collect();
    for r in contract::REQUIREMENTS {
        if !done.contains(r.id) {
            ctx.skip(r.id, "all checks", reason);
        }
    }
}

fn finish(ctx: Ctx, started: Instant) -> Report {
    let exchanges = ctx.http.exchanges();
    Report::new(
        ctx.http.base_url().to_owned(),
        ctx.opts.allow_writes,
        ctx.opts.allow_delete,
        ctx.opts.strict,
        &ctx.opts.only,
        ctx.outcomes,
        exchanges,
        started.elapsed(),
    )
}

//! The suite: discovers the company and its contacts, runs the registered
//! checks (`checks`: each names the contract ids it verifies and what it
//! needs) that the run asks for, and returns a [`Report`].
//!
//! - `checks`: the registry, in the order the checks run;
//! - `reads`, `writes`, `deletes`: the checks;
//! - `listing`: a collection followed through its pages, bounded;
//! - `contact`: the contact as the spec describes it;
//! - `http`: every request (timeouts, size limits, the token masked).

mod checks;
mod contact;
mod deletes;
pub mod http;
mod listing;
mod reads;
mod writes;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::Value;
use tokio::sync::watch;
use uuid::Uuid;

use crate::contract::Id;
use crate::report::{Outcome, Report, Status};
use http::{Http, HttpError, Reply, Req, Signer};

pub use checks::{Check, Needs, registry};

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
    /// Only the checks that name one of these ids run, and only these ids
    /// are reported; every check when empty.
    pub only: BTreeSet<Id>,
    pub timeout: Duration,
    pub max_body_bytes: usize,
    /// The whole run ends by then; changed values are still put back.
    pub deadline: Duration,
    /// Becomes `true` when the run must stop (Ctrl-C, SIGTERM): the checks
    /// stop, changed values are put back, and the report says so.
    pub stop: Option<watch::Receiver<bool>>,
    /// Sign in with an app registration instead of using `token`.
    pub sign_in: Option<SignIn>,
    /// At most this many requests per second.
    pub max_rate: Option<f64>,
    /// At most this many requests at once.
    pub concurrency: Option<usize>,
}

/// A client-credentials sign-in: the token endpoint, the app's id and secret.
#[derive(Clone)]
pub struct SignIn {
    pub token_url: String,
    pub client_id: String,
    pub client_secret: String,
    pub scope: String,
}

impl std::fmt::Debug for SignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignIn")
            .field("token_url", &self.token_url)
            .field("client_id", &self.client_id)
            .field("client_secret", &"***")
            .finish()
    }
}

/// Business Central's one scope.
pub const BC_SCOPE: &str = "https://api.businesscentral.dynamics.com/.default";

/// How long putting values back may take once a run is stopped, whatever
/// the server does: the process ends a few seconds after its deadline.
const RESTORE_BOUND: Duration = Duration::from_secs(3);

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
            sign_in: None,
            max_rate: None,
            concurrency: None,
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

/// A check that could not go on: its failure is recorded, the rest of it
/// would say nothing more. Checks return `Result<(), Stop>` and use `?`.
#[derive(Debug)]
pub(crate) struct Stop;

/// What a check returns.
pub(crate) type Checked = Result<(), Stop>;

/// Shared state of the checks.
pub(crate) struct Ctx {
    pub(crate) http: Http,
    pub(crate) opts: RunOptions,
    pub(crate) spec: bc_spec::Spec,
    /// The contact as the spec describes it.
    pub(crate) contact: contact::Contact,
    pub(crate) company: Uuid,
    /// Every contact listed (all pages), once each, by id and lastName.
    pub(crate) listed: Vec<Listed>,
    /// The first [`SAMPLE`] of them, whole: what checks of single contacts
    /// look at. Only these are kept, so memory does not grow with the list.
    pub(crate) contacts: Vec<Value>,
    pub(crate) outcomes: Vec<Outcome>,
    /// The contact the write checks change, once they have begun.
    pub(crate) write_target: Option<String>,
    /// The values to put back on it if the run stops before the write
    /// checks have put them back themselves.
    pub(crate) pending_restore: Option<(String, Value)>,
    /// Contacts the delete checks may delete, in the order they take them.
    pub(crate) victims: Vec<String>,
}

impl Ctx {
    pub(crate) fn wants(&self, id: Id) -> bool {
        self.opts.only.is_empty() || self.opts.only.contains(&id)
    }

    fn push(&mut self, outcome: Outcome) {
        if self.wants(outcome.id) {
            self.outcomes.push(outcome);
        }
    }

    fn outcome(id: Id, check: &str, status: Status) -> Outcome {
        Outcome {
            id,
            check: check.to_owned(),
            status,
            expected: None,
            found: None,
            exchange: None,
            diff: None,
        }
    }

    pub(crate) fn pass(&mut self, id: Id, check: &str) {
        self.push(Ctx::outcome(id, check, Status::Pass));
    }

    pub(crate) fn skip(&mut self, id: Id, check: &str, reason: &str) {
        self.push(Ctx::outcome(id, check, Status::Skip(reason.to_owned())));
    }

    pub(crate) fn fail(&mut self, id: Id, check: &str, expected: &str, found: &str, exchange: Option<usize>) {
        let found = self.http.mask(found);
        self.push(Outcome {
            expected: Some(expected.to_owned()),
            found: Some(found),
            exchange,
            ..Ctx::outcome(id, check, Status::Fail)
        });
    }

    /// A failure showing how two JSON values differ.
    pub(crate) fn fail_diff(&mut self, id: Id, check: &str, expected: &Value, found: &Value, exchange: Option<usize>) {
        let diff = self.http.mask(&crate::report::json_diff(expected, found));
        self.push(Outcome {
            expected: Some("the values on the left".to_owned()),
            found: Some("the values on the right".to_owned()),
            exchange,
            diff: Some(diff),
            ..Ctx::outcome(id, check, Status::Fail)
        });
    }

    /// Pass when `ok`, else fail with `expected` and what the reply was.
    pub(crate) fn expect(&mut self, id: Id, check: &str, ok: bool, expected: &str, reply: &Reply) {
        if ok {
            self.pass(id, check);
        } else {
            let found = describe_reply(reply);
            self.fail(id, check, expected, &found, Some(reply.exchange));
        }
    }

    /// Sends `req` for a check of `id`: the reply, or, when none came, the
    /// check's failure (`expected`, and why there was no reply) and
    /// [`Stop`].
    pub(crate) async fn send_for(&mut self, id: Id, check: &str, expected: &str, req: Req) -> Result<Reply, Stop> {
        match self.http.send(req).await {
            Ok(r) => Ok(r),
            Err(e) => {
                self.transport_failure(id, check, expected, &e);
                Err(Stop)
            }
        }
    }

    /// The one way a check sends a request and expects something of the
    /// reply: `ok` decides pass or fail, `expected` says what was wanted
    /// (said once, for both the failure and a reply that never came).
    pub(crate) async fn expect_reply(
        &mut self,
        id: Id,
        check: &str,
        expected: &str,
        req: Req,
        ok: impl FnOnce(&Reply) -> bool,
    ) -> Result<Reply, Stop> {
        let r = self.send_for(id, check, expected, req).await?;
        let passed = ok(&r);
        self.expect(id, check, passed, expected, &r);
        Ok(r)
    }

    /// A request that got no response fails the check.
    fn transport_failure(&mut self, id: Id, check: &str, expected: &str, e: &HttpError) {
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
        match self.spec.response_validator(template, method, status) {
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
    let signer = match &opts.sign_in {
        Some(s) => {
            let provider = openapi_client_runtime::ClientCredentials::new(&s.token_url, &s.client_id, &s.client_secret)
                .scopes([s.scope.clone()])
                .timeout(opts.timeout);
            Signer::SignIn(Arc::new(provider))
        }
        None if opts.token.trim().is_empty() => {
            return Err(Aborted(
                "no credentials: pass --client-id with BC_CLIENT_SECRET, or --token (or BC_TOKEN)".to_owned(),
            ));
        }
        None => Signer::Token(opts.token.clone()),
    };
    let mut http = Http::new(&opts.base_url, signer, opts.timeout, opts.max_body_bytes).map_err(Aborted)?;
    http.limit(opts.max_rate, opts.concurrency);
    if let Some(s) = &opts.sign_in {
        http.masker().add_client(&s.client_id, &s.client_secret);
        // A refused sign-in is said at once, as the endpoint said it.
        http.token()
            .await
            .map_err(|e| Aborted(format!("the sign-in was refused: {e}")))?;
    }
    let bug = |e: bc_spec::SpecError| Aborted(format!("the embedded spec cannot be used (a bug of the suite): {e}"));
    let spec = bc_spec::Spec::embedded().map_err(bug)?;
    let contact = contact::Contact::from_spec(&spec).map_err(bug)?;
    let deadline = opts.deadline;
    let stop = opts.stop.clone();
    let mut ctx = Ctx {
        http,
        opts,
        spec,
        contact,
        company: Uuid::nil(),
        listed: Vec::new(),
        contacts: Vec::new(),
        outcomes: Vec::new(),
        write_target: None,
        pending_restore: None,
        victims: Vec::new(),
    };
    let interrupted = {
        let work = run_checks(&mut ctx);
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
        Some((id, values)) => match tokio::time::timeout(RESTORE_BOUND, writes::put_back(&ctx, &id, &values)).await {
            Ok(Ok(())) => format!("every value changed on contact {id} was put back"),
            Ok(Err(e)) => format!(
                "the values changed on contact {id} could NOT be put back ({e}); they were {}",
                ctx.http.mask(&values.to_string())
            ),
            Err(_) => format!(
                "putting back the values changed on contact {id} was attempted but did not finish within {} s; they were {}",
                RESTORE_BOUND.as_secs(),
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

/// Discovery, then the registered checks the run asks for, in order.
async fn run_checks(ctx: &mut Ctx) -> Result<(), Aborted> {
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
    reads::companies(ctx, &companies);
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
    let selected: Vec<&Check> = registry()
        .iter()
        .filter(|c| ctx.opts.only.is_empty() || c.ids.iter().any(|i| ctx.opts.only.contains(i)))
        .collect();
    // The listing is where every check that needs a contact finds one: it
    // runs whenever such a check does, its outcomes reported if asked for.
    let needs_contacts = selected
        .iter()
        .any(|c| c.needs.contacts > 0 || c.needs.writes || c.needs.deletes);
    let mut writing = false;
    for check in registry() {
        if !(selected.iter().any(|c| std::ptr::eq(*c, check)) || (check.listing && needs_contacts)) {
            continue;
        }
        if let Some(why) = check.cannot_run(ctx) {
            for id in check.ids {
                ctx.skip(*id, check.name, &why);
            }
            continue;
        }
        if check.needs.writes && !writing {
            writing = true;
            if let Err(why) = writes::begin(ctx).await {
                // Without the contact to write to no write check can run.
                for c in selected.iter().filter(|c| c.needs.writes) {
                    for id in c.ids {
                        ctx.skip(*id, c.name, &why);
                    }
                }
                continue;
            }
        }
        if check.needs.writes && ctx.write_target.is_none() {
            continue;
        }
        if !check.needs.writes && writing && ctx.write_target.is_some() {
            writes::end(ctx).await;
        }
        if check.needs.deletes && ctx.victims.is_empty() {
            deletes::begin(ctx);
        }
        // A check that stopped has recorded why.
        let _ = (check.run)(ctx).await;
    }
    if ctx.write_target.is_some() {
        writes::end(ctx).await;
    }
    Ok(())
}

fn skip_all(ctx: &mut Ctx, reason: &str) {
    let done: BTreeSet<Id> = ctx.outcomes.iter().map(|o| o.id).collect();
    for id in Id::ALL {
        if !done.contains(id) {
            ctx.skip(*id, "all checks", reason);
        }
    }
}

fn finish(ctx: Ctx, started: Instant) -> Report {
    let exchanges = ctx.http.exchanges();
    let sign_ins = ctx.http.sign_ins();
    let mut report = Report::new(
        ctx.http.base_url().to_owned(),
        ctx.opts.allow_writes,
        ctx.opts.allow_delete,
        ctx.opts.strict,
        &ctx.opts.only,
        ctx.outcomes,
        exchanges,
        started.elapsed(),
    );
    report.sign_ins = sign_ins;
    report
}

//! The checks that only read: discovery, representation, the collection and
//! its query options, single GETs, keys, the PDF, and the aggregate error
//! checks over every exchange of the run.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use uuid::Uuid;

use super::http::{Auth, Reply, Req};
use super::{Ctx, DOCUMENTED_ID, Listed, SAMPLE, describe_reply, etag_of, id_of};

const CONTACT_PROPS: [&str; 8] = [
    "id",
    "email",
    "firstName",
    "lastName",
    "professionalTitle",
    "customerId",
    "customerName",
    "primaryPhoneNumber",
];
const LIST: &str = "/companies({companyId})/customerContacts";
const ENTITY: &str = "/companies({companyId})/customerContacts({customerContactId})";
const PDF: &str = "/companies({companyId})/customerContacts({customerContactId})/pdfDocument";

fn is_guid(v: &Value) -> bool {
    v.as_str().is_some_and(|s| s.len() == 36 && Uuid::parse_str(s).is_ok())
}

fn is_json_type(r: &Reply) -> bool {
    r.header("content-type").is_some_and(|c| {
        c.split(';')
            .next()
            .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
    })
}

/// What is wrong with one contact representation; `full` when every property must be there.
pub(crate) fn contact_problems(v: &Value, full: bool) -> Vec<String> {
    let Value::Object(m) = v else {
        return vec![format!("expected a JSON object, found {v}")];
    };
    let mut p = Vec::new();
    for (k, val) in m {
        if k.starts_with("@odata.") || k.contains("@odata.") {
            continue;
        }
        if k == "pdfDocument" {
            continue;
        }
        if !CONTACT_PROPS.contains(&k.as_str()) {
            p.push(format!("unexpected property `{k}`"));
        } else if matches!(k.as_str(), "id" | "customerId") {
            if !is_guid(val) {
                p.push(format!("`{k}` is not a GUID string: {val}"));
            }
        } else if !val.is_string() {
            p.push(format!("`{k}` is not a string: {val}"));
        }
    }
    if full {
        for prop in CONTACT_PROPS {
            if !m.contains_key(prop) {
                p.push(format!("missing property `{prop}`"));
            }
        }
    }
    p
}

/// REP-2 and REP-3 of one JSON response.
fn envelope(ctx: &mut Ctx, check: &str, r: &Reply) {
    ctx.expect(
        "REP-2",
        &format!("{check}: Content-Type is application/json"),
        is_json_type(r),
        "Content-Type: application/json",
        r,
    );
    // Read without building the rest of the body: it may be a large page.
    #[derive(serde::Deserialize)]
    struct Context {
        #[serde(rename = "@odata.context", default)]
        context: Option<Value>,
    }
    let has_context =
        serde_json::from_slice::<Context>(&r.body).is_ok_and(|c| c.context.as_ref().is_some_and(Value::is_string));
    ctx.expect(
        "REP-3",
        &format!("{check}: carries @odata.context"),
        has_context,
        "a top-level @odata.context string",
        r,
    );
}

pub(crate) async fn companies(ctx: &mut Ctx, r: &Reply) {
    let check = "GET /companies lists companies with id, name and displayName";
    let mut problems = Vec::new();
    if r.status != 200 {
        problems.push(format!("status {}", r.status));
    }
    match r.json().as_ref().and_then(|v| v.get("value")).and_then(Value::as_array) {
        Some(list) => {
            if list.is_empty() {
                problems.push("the list is empty".to_owned());
            }
            for (i, c) in list.iter().enumerate() {
                if !c.get("id").is_some_and(is_guid) {
                    problems.push(format!("company {i} has no GUID `id`"));
                }
                for k in ["name", "displayName"] {
                    if !c.get(k).is_some_and(Value::is_string) {
                        problems.push(format!("company {i} has no string `{k}`"));
                    }
                }
                if etag_of(c).is_none() {
                    problems.push(format!("company {i} has no @odata.etag"));
                }
            }
        }
        None => problems.push("the body is not {\"value\": [...]}".to_owned()),
    }
    if r.status == 200 {
        problems.extend(
            ctx.schema_errors("/companies", "get", r)
                .into_iter()
                .map(|e| format!("schema: {e}")),
        );
    }
    if problems.is_empty() {
        ctx.pass("COMP-1", check);
    } else {
        ctx.fail(
            "COMP-1",
            check,
            "200 and {\"value\":[{\"id\":<GUID>,\"name\":…,\"displayName\":…}]}",
            &problems.join("; "),
            Some(r.exchange),
        );
    }
    if r.status == 200 {
        envelope(ctx, "GET /companies", r);
        let all_etags = r
            .json()
            .and_then(|v| {
                v.get("value")
                    .and_then(Value::as_array)
                    .map(|l| l.iter().all(|c| etag_of(c).is_some()))
            })
            .unwrap_or(false);
        ctx.expect(
            "REP-2",
            "every company carries @odata.etag",
            all_etags,
            "@odata.etag on every entity",
            r,
        );
    }
}

/// The most pages one listing follows, whatever `max_pages` asks.
pub(crate) const MAX_PAGES: usize = 2_000;

/// Pages up to this size are checked against the schema whole; of a larger
/// page, its first [`SCHEMA_SAMPLE`] entities are.
const SCHEMA_WHOLE: usize = 4 * 1024 * 1024;
const SCHEMA_SAMPLE: usize = 500;

/// A page read without building its entities all at once: `value` stays
/// raw text until each entity is parsed in turn.
#[derive(serde::Deserialize)]
struct RawPage<'a> {
    #[serde(borrow, default)]
    value: Option<&'a serde_json::value::RawValue>,
    #[serde(rename = "@odata.nextLink", default)]
    next_link: Option<Value>,
    #[serde(rename = "@odata.context", default)]
    context: Option<Value>,
}

/// What a listing found. Its entities went to the caller's sink one by one.
pub(crate) struct Pages {
    /// Each page's reply; only the first keeps its body.
    pub(crate) replies: Vec<Reply>,
    /// Per page: how many entities it held, and whether it had a nextLink.
    pub(crate) pages: Vec<(usize, bool)>,
    pub(crate) problems: Vec<(String, Option<usize>)>,
    /// The schema errors of the pages, when `schema` named a path.
    pub(crate) schema: Vec<String>,
    pub(crate) items: usize,
}

impl Pages {
    /// The last page's reply, or the first problem and where it was.
    fn outcome(self) -> Result<Reply, (String, Option<usize>)> {
        match (self.problems.into_iter().next(), self.replies.into_iter().last()) {
            (None, Some(last)) => Ok(last),
            (Some(problem), _) => Err(problem),
            (None, None) => Err(("no page was read".to_owned(), None)),
        }
    }
}

/// Follows the list from `first` through every nextLink, handing each
/// entity to `sink`. It stops at `max_pages` pages (and [`MAX_PAGES`]), at a
/// nextLink seen before, and once the pages add up to more than `--max-body`
/// bytes. A page is parsed entity by entity and its body dropped once read,
/// so memory stays near one page whatever the server sends.
pub(crate) async fn collect_pages(
    ctx: &Ctx,
    first: Req,
    max_pages: usize,
    schema: Option<&str>,
    mut sink: impl FnMut(Value),
) -> Pages {
    let max_pages = max_pages.min(MAX_PAGES);
    let budget = ctx.opts.max_body_bytes;
    let mut total_bytes = 0usize;
    let mut out = Pages {
        replies: Vec::new(),
        pages: Vec::new(),
        problems: Vec::new(),
        schema: Vec::new(),
        items: 0,
    };
    let mut next = Some(first);
    let mut seen_links = BTreeSet::new();
    while let Some(req) = next.take() {
        if out.replies.len() >= max_pages {
            out.problems
                .push((format!("more than {max_pages} pages; stopped following"), None));
            break;
        }
        if total_bytes > budget {
            out.problems.push((
                format!("the pages add up to more than {budget} bytes (--max-body); stopped following"),
                out.replies.last().map(|r: &Reply| r.exchange),
            ));
            break;
        }
        let headers = req.headers.clone();
        let mut r = match ctx.send(req).await {
            Ok(r) => r,
            Err(e) => {
                out.problems
                    .push((format!("a page gave no usable response: {e}"), Some(e.exchange)));
                break;
            }
        };
        if r.status != 200 {
            out.problems
                .push((format!("a page answered {}", describe_reply(&r)), Some(r.exchange)));
            out.replies.push(r);
            break;
        }
        total_bytes = total_bytes.saturating_add(r.body.len());
        let Ok(page) = serde_json::from_slice::<RawPage<'_>>(&r.body) else {
            let what = if serde_json::from_slice::<serde::de::IgnoredAny>(&r.body).is_ok() {
                "a page is not a JSON object"
            } else {
                "a page is not JSON"
            };
            out.problems.push((what.to_owned(), Some(r.exchange)));
            out.replies.push(r);
            break;
        };
        let raw_items = page
            .value
            .and_then(|raw| serde_json::from_str::<Vec<&serde_json::value::RawValue>>(raw.get()).ok());
        match &raw_items {
            Some(items) => {
                out.pages.push((items.len(), page.next_link.is_some()));
                out.items += items.len();
                if let Some(template) = schema {
                    out.schema
                        .extend(page_schema_errors(ctx, template, &r, items, page.context.as_ref()));
                }
                for raw in items {
                    if let Ok(v) = serde_json::from_str::<Value>(raw.get()) {
                        sink(v);
                    }
                }
            }
            None => {
                out.pages.push((0, page.next_link.is_some()));
                out.problems
                    .push(("a page has no `value` array".to_owned(), Some(r.exchange)));
            }
        }
        if let Some(link) = &page.next_link {
            match link.as_str() {
                Some(l) if !ctx.http.same_origin(l) && (l.starts_with("http://") || l.starts_with("https://")) => {
                    out.problems.push((format!("a nextLink points to another origin ({l}); it was not followed, and the token is never sent there"), Some(r.exchange)));
                }
                Some(l) if !seen_links.insert(l.to_owned()) => {
                    out.problems
                        .push((format!("the nextLink {l} was already followed once"), Some(r.exchange)));
                }
                Some(l) => {
                    let target = if l.starts_with("http://") || l.starts_with("https://") {
                        l.to_owned()
                    } else {
                        format!("{}{}", ctx.http.base_url(), l.trim_start_matches('.'))
                    };
                    let mut req = Req::get(target);
                    req.headers = headers;
                    next = Some(req);
                }
                None => out
                    .problems
                    .push(("@odata.nextLink is not a string".to_owned(), Some(r.exchange))),
            }
        }
        drop(raw_items);
        if !out.replies.is_empty() {
            r.body = bytes::Bytes::new();
        }
        out.replies.push(r);
    }
    out
}

/// A page's schema errors: the whole page when it is small, else a page of
/// its first entities (with its `@odata.context`).
fn page_schema_errors(
    ctx: &Ctx,
    template: &str,
    r: &Reply,
    items: &[&serde_json::value::RawValue],
    context: Option<&Value>,
) -> Vec<String> {
    if r.body.len() <= SCHEMA_WHOLE {
        return ctx.schema_errors(template, "get", r);
    }
    let mut sample = serde_json::Map::new();
    if let Some(c) = context {
        sample.insert("@odata.context".to_owned(), c.clone());
    }
    let values: Vec<Value> = items
        .iter()
        .take(SCHEMA_SAMPLE)
        .filter_map(|raw| serde_json::from_str(raw.get()).ok())
        .collect();
    sample.insert("value".to_owned(), Value::Array(values));
    ctx.schema_errors_of(template, "get", r.status, &Value::Object(sample))
}

pub(crate) async fn run(ctx: &mut Ctx) {
    list(ctx).await;
    unknown_company(ctx).await;
    auth(ctx).await;
    single(ctx).await;
    keys(ctx).await;
    paging(ctx).await;
    options(ctx).await;
    pdf(ctx).await;
    malformed(ctx).await;
}

async fn list(ctx: &mut Ctx) {
    let check = "the list, following every nextLink, has each contact once";
    let mut ids: BTreeMap<String, usize> = BTreeMap::new();
    let mut no_id = false;
    let mut rep = Vec::new();
    let mut rep_count = 0usize;
    let mut etags = Vec::new();
    let mut etags_missing = 0usize;
    let mut listed = Vec::new();
    let mut sample = Vec::new();
    let pages = collect_pages(ctx, Req::get(ctx.contacts_path()), MAX_PAGES, Some(LIST), |it| {
        let id = id_of(&it);
        // Representation of every listed contact (a few examples kept).
        let problems = contact_problems(&it, true);
        rep_count += problems.len();
        if rep.len() < 8 {
            rep.extend(
                problems
                    .into_iter()
                    .map(|p| format!("{}: {p}", id.clone().unwrap_or_default())),
            );
        }
        if etag_of(&it).is_none() {
            etags_missing += 1;
            if etags.len() < 5 {
                etags.push(id.clone().unwrap_or_default());
            }
        }
        match id {
            Some(id) => {
                let n = ids.entry(id.to_ascii_lowercase()).or_insert(0);
                *n += 1;
                // Later checks work on each contact once; duplicates are COL-1's finding.
                if *n == 1 {
                    listed.push(Listed {
                        id,
                        last_name: it.get("lastName").and_then(Value::as_str).map(str::to_owned),
                    });
                    if sample.len() < SAMPLE {
                        sample.push(it);
                    }
                }
            }
            None => {
                no_id = true;
                if sample.len() < SAMPLE {
                    sample.push(it);
                }
            }
        }
    })
    .await;
    let replies = pages.replies;
    let mut problems = pages.problems;
    if no_id {
        problems.push((
            "an entity has no string `id`".to_owned(),
            replies.last().map(|r| r.exchange),
        ));
    }
    let dupes: Vec<&String> = ids.iter().filter(|(_, n)| **n > 1).map(|(id, _)| id).collect();
    if !dupes.is_empty() {
        problems.push((
            format!(
                "contacts listed more than once: {}",
                dupes.iter().take(5).map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
            ),
            replies.last().map(|r| r.exchange),
        ));
    }
    match problems.first() {
        None => ctx.pass("COL-1", check),
        Some((_, exchange)) => {
            let all: Vec<&str> = problems.iter().map(|(p, _)| p.as_str()).collect();
            ctx.fail(
                "COL-1",
                check,
                "{\"value\":[…]} pages whose nextLinks lead to each contact exactly once",
                &all.join("; "),
                *exchange,
            );
        }
    }
    rep_count += pages.schema.len();
    if rep.len() < 8 {
        rep.extend(pages.schema.into_iter().take(8).map(|e| format!("schema: {e}")));
    }
    let ex = replies.first().map(|r| r.exchange);
    if pages.items == 0 {
        ctx.skip(
            "REP-1",
            "listed contacts have the documented properties",
            "skipped: the list has no contacts to look at",
        );
    } else if rep_count == 0 {
        ctx.pass("REP-1", "listed contacts have the documented properties");
    } else {
        let mut found = rep.iter().take(8).cloned().collect::<Vec<_>>().join("; ");
        if rep_count > 8 {
            found.push_str(&format!("; … {rep_count} problems in all"));
        }
        ctx.fail("REP-1", "listed contacts have the documented properties", "id, email, firstName, lastName, professionalTitle, customerId, customerName, primaryPhoneNumber; GUID ids, string values", &found, ex);
    }
    if pages.items > 0 {
        if etags_missing == 0 {
            ctx.pass("REP-2", "every listed contact carries @odata.etag");
        } else {
            ctx.fail(
                "REP-2",
                "every listed contact carries @odata.etag",
                "an @odata.etag string on each entity",
                &format!("missing on {etags_missing}, such as {}", etags.join(", ")),
                ex,
            );
        }
    }
    if let Some(r) = replies.first().filter(|r| r.status == 200).cloned() {
        envelope(ctx, "GET customerContacts", &r);
    }
    ctx.listed = listed;
    ctx.contacts = sample;
}

async fn unknown_company(ctx: &mut Ctx) {
    let check = "any path under an unknown company gets 404";
    let unknown = Uuid::new_v4();
    for path in [
        format!("/companies({unknown})/customerContacts"),
        format!("/companies({unknown})/customerContacts({})", Uuid::new_v4()),
    ] {
        match ctx.send(Req::get(path)).await {
            Ok(r) => ctx.expect("COMP-1", check, r.status == 404, "404", &r),
            Err(e) => ctx.transport_failure("COMP-1", check, "404", &e),
        }
    }
}

async fn auth(ctx: &mut Ctx) {
    let mut targets = vec!["/companies".to_owned(), ctx.contacts_path()];
    if let Some(id) = ctx.contacts.first().and_then(id_of) {
        targets.push(ctx.contact_path(&id));
        targets.push(format!("{}/pdfDocument/pdfDocumentContent", ctx.contact_path(&id)));
    }
    for t in &targets {
        let check = format!(
            "GET {} without a token gets 401",
            t.replace(&ctx.company.to_string(), "{company}")
        );
        match ctx.send(Req::get(t.clone()).auth(Auth::None)).await {
            Ok(r) => ctx.expect("AUTH-1", &check, r.status == 401, "401", &r),
            Err(e) => ctx.transport_failure("AUTH-1", &check, "401", &e),
        }
    }
    let check = "a token the server does not accept gets 401";
    match ctx.send(Req::get(ctx.contacts_path()).auth(Auth::Bogus)).await {
        Ok(r) => ctx.expect("AUTH-2", check, r.status == 401, "401", &r),
        Err(e) => ctx.transport_failure("AUTH-2", check, "401", &e),
    }
}

/// GET-1, REP-1/2/3/4 on single entities, COL-4 for every listed contact,
/// and the documented GET exchange.
async fn single(ctx: &mut Ctx) {
    if ctx.contacts.is_empty() {
        for id in ["GET-1", "COL-4", "REP-4"] {
            ctx.skip(id, "single-entity GET", "skipped: the list has no contacts to read");
        }
    }
    let listed = ctx.contacts.clone();
    let mut col4 = Vec::new();
    let mut col4_exchange = None;
    for (i, item) in listed.iter().enumerate().take(200) {
        let Some(id) = id_of(item) else { continue };
        let r = match ctx.send(Req::get(ctx.contact_path(&id))).await {
            Ok(r) => r,
            Err(e) => {
                ctx.transport_failure(
                    "GET-1",
                    "GET of a listed contact returns 200 and the contact",
                    "200 and the contact",
                    &e,
                );
                continue;
            }
        };
        let body = r.json();
        if i == 0 || id.eq_ignore_ascii_case(DOCUMENTED_ID) {
            documented_get(ctx, &id, &r).await;
            let ok = r.status == 200
                && body
                    .as_ref()
                    .and_then(id_of)
                    .is_some_and(|b| b.eq_ignore_ascii_case(&id));
            ctx.expect(
                "GET-1",
                "GET of a listed contact returns 200 and that contact",
                ok,
                "200 and a body whose id is the key",
                &r,
            );
            if r.status == 200 {
                envelope(ctx, "GET customerContacts(id)", &r);
                let header = r.header("etag").map(str::to_owned);
                let body_etag = body.as_ref().and_then(etag_of);
                ctx.expect(
                    "REP-2",
                    "a single contact carries @odata.etag",
                    body_etag.is_some(),
                    "@odata.etag in the body",
                    &r,
                );
                let same = header.is_some() && header == body_etag;
                ctx.expect(
                    "REP-4",
                    "GET sends an ETag header equal to @odata.etag",
                    same,
                    "an ETag header equal to the body's @odata.etag",
                    &r,
                );
            }
        }
        match (r.status, &body) {
            (200, Some(b)) => {
                let strip = |v: &Value| {
                    let mut v = v.clone();
                    if let Value::Object(m) = &mut v {
                        m.retain(|k, _| !k.starts_with("@odata.") || k == "@odata.etag");
                    }
                    v
                };
                let (a, b) = (strip(item), strip(b));
                if a != b && col4.is_empty() {
                    col4.push((a, b));
                    col4_exchange = Some(r.exchange);
                }
            }
            _ => {
                if col4.is_empty() {
                    col4_exchange = Some(r.exchange);
                    col4.push((item.clone(), Value::String(describe_reply(&r))));
                }
            }
        }
    }
    if !listed.is_empty() {
        let check = "each listed contact equals its single GET, etag included";
        match col4.first() {
            None => ctx.pass("COL-4", check),
            Some((a, b)) => {
                let (a, b) = (a.clone(), b.clone());
                ctx.fail_diff("COL-4", check, &a, &b, col4_exchange)
            }
        }
    }
}

/// The documented GET exchange replayed on a contact: the id is the one
/// asked for and the body fits the schema; on the documented contact
/// itself, every documented value is there.
async fn documented_get(ctx: &mut Ctx, id: &str, r: &Reply) {
    let check = "documented GET exchange: 200 with the contact, as the seed page shows";
    if r.status != 200 {
        ctx.expect("GET-1", check, false, "200", r);
        return;
    }
    let mut problems: Vec<String> = ctx
        .schema_errors(ENTITY, "get", r)
        .into_iter()
        .map(|e| format!("schema: {e}"))
        .collect();
    let body = r.json().unwrap_or(Value::Null);
    problems.extend(contact_problems(&body, true));
    if problems.is_empty() {
        ctx.pass("REP-1", "a single contact has the documented properties");
    } else {
        ctx.fail(
            "REP-1",
            "a single contact has the documented properties",
            "the customerContact schema",
            &problems.join("; "),
            Some(r.exchange),
        );
    }
    if id.eq_ignore_ascii_case(DOCUMENTED_ID) {
        if let Some(documented) = documented_example(ctx, "get") {
            match documented_differences(&documented, &body, |_| true) {
                None => ctx.pass("GET-1", check),
                Some((expected, found)) => ctx.fail_diff("GET-1", check, &expected, &found, Some(r.exchange)),
            }
        }
    } else {
        ctx.pass("GET-1", check);
    }
}

/// The values of `found` that differ from a documented example, on the
/// example's own properties (ids and annotations aside): `(expected, found)`.
pub(crate) fn documented_differences(
    documented: &Value,
    found: &Value,
    keys: impl Fn(&str) -> bool,
) -> Option<(Value, Value)> {
    let (Value::Object(doc), Value::Object(got)) = (documented, found) else {
        return Some((documented.clone(), found.clone()));
    };
    let mut expected = serde_json::Map::new();
    let mut actual = serde_json::Map::new();
    for (k, v) in doc {
        if k.starts_with("@odata.") || k == "id" || k == "customerId" || !keys(k) {
            continue;
        }
        expected.insert(k.clone(), v.clone());
        actual.insert(k.clone(), got.get(k).cloned().unwrap_or(Value::Null));
    }
    (expected != actual).then(|| (Value::Object(expected), Value::Object(actual)))
}

/// The documented response example of the single-contact `method`.
pub(crate) fn documented_example(ctx: &Ctx, method: &str) -> Option<Value> {
    let spec = ctx.spec.as_ref()?;
    let path = format!(
        "/paths/{}/{method}/responses/200/content/application~1json/examples/documented/value",
        ENTITY.replace('/', "~1")
    );
    spec.document().pointer(&path).cloned()
}

async fn keys(ctx: &mut Ctx) {
    let check = "a well-formed id of no contact gets 404";
    match ctx.send(Req::get(ctx.contact_path(&Uuid::new_v4().to_string()))).await {
        Ok(r) => ctx.expect("GET-2", check, r.status == 404, "404", &r),
        Err(e) => ctx.transport_failure("GET-2", check, "404", &e),
    }
    // A listed id with white space around it is not a GUID either: a server
    // that trims keys would answer 200.
    let listed = ctx
        .contacts
        .first()
        .and_then(id_of)
        .unwrap_or_else(|| DOCUMENTED_ID.to_owned());
    let padded = [format!("{listed}%0A"), format!("{listed}%20"), format!("%09{listed}")];
    let fixed = [
        "CONT00123",
        "'e3a5c0b1-0123-4d6e-9f10-2a3b4c5d6e7f'",
        "not-a-guid",
        "e3a5c0b1-0123-4d6e-9f10-2a3b4c5d6e7g",
        "",
        "1,2",
        "%27%27",
    ];
    for key in fixed.iter().map(|k| (*k).to_owned()).chain(padded) {
        let key = key.as_str();
        let check = format!("the key `{key}` gets 400 or 404");
        match ctx.send(Req::get(ctx.contact_path(key))).await {
            Ok(r) => ctx.expect("GET-3", &check, r.status == 400 || r.status == 404, "400 or 404", &r),
            Err(e) => ctx.transport_failure("GET-3", &check, "400 or 404", &e),
        }
    }
}

async fn paging(ctx: &mut Ctx) {
    let check = "Prefer: odata.maxpagesize=N gives pages of at most N, with a nextLink while more remain";
    let total = ctx.listed.len();
    if total < 2 {
        ctx.skip(
            "COL-2",
            check,
            "skipped: needs at least two contacts to see more than one page",
        );
        return;
    }
    // Small pages, but no more than about a thousand of them.
    let n = if total > 4 { total.div_ceil(1_000).max(2) } else { 1 };
    let first = Req::get(ctx.contacts_path()).header("Prefer", format!("odata.maxpagesize={n}"));
    let mut ids = BTreeSet::new();
    let pages = collect_pages(ctx, first, total / n + 5, None, |it| {
        if let Some(id) = id_of(&it) {
            ids.insert(id.to_ascii_lowercase());
        }
    })
    .await;
    let mut issues: Vec<String> = pages.problems.iter().map(|(p, _)| p.clone()).collect();
    let mut exchange = pages.problems.first().and_then(|p| p.1);
    let mut seen = 0;
    for (r, (count, has_next)) in pages.replies.iter().zip(&pages.pages) {
        seen += count;
        if *count > n {
            issues.push(format!("a page has {count} contacts, more than {n}"));
            exchange.get_or_insert(r.exchange);
        }
        if seen < total && !has_next {
            issues.push(format!(
                "a page ends without a nextLink after {seen} of {total} contacts"
            ));
            exchange.get_or_insert(r.exchange);
        }
    }
    let all: BTreeSet<String> = ctx.listed.iter().map(|c| c.id.to_ascii_lowercase()).collect();
    if ids != all || pages.items != total {
        issues.push(format!(
            "the pages hold {} contacts ({} distinct), the unpaged list {total}",
            pages.items,
            ids.len()
        ));
    }
    if issues.is_empty() {
        ctx.pass("COL-2", check);
    } else {
        ctx.fail(
            "COL-2",
            check,
            &format!("pages of at most {n} covering all {total} contacts"),
            &issues.join("; "),
            exchange.or(pages.replies.first().map(|r| r.exchange)),
        );
    }
}

/// How many entities a page holds, read without building them.
fn page_len(r: &Reply) -> Option<usize> {
    let page = serde_json::from_slice::<RawPage<'_>>(&r.body).ok()?;
    serde_json::from_str::<Vec<serde::de::IgnoredAny>>(page.value?.get())
        .ok()
        .map(|v| v.len())
}

/// What `keep` takes of every entity of a listing, following its
/// nextLinks, and the last page's reply or what went wrong and where.
async fn listing<T>(
    ctx: &Ctx,
    target: String,
    expected: usize,
    mut keep: impl FnMut(&Value) -> T,
) -> (Vec<T>, Result<Reply, (String, Option<usize>)>) {
    let mut kept = Vec::new();
    let pages = collect_pages(ctx, Req::get(target), expected + 5, None, |v| kept.push(keep(&v))).await;
    (kept, pages.outcome())
}

/// `$top`, `$skip`, `$select`, `$orderby`, `$filter` and their refusals.
async fn options(ctx: &mut Ctx) {
    let total = ctx.listed.len();
    if total == 0 {
        ctx.skip("COL-3", "query options", "skipped: the list has no contacts to query");
        return;
    }
    let base = ctx.contacts_path();
    // $top
    let check = "$top=1 returns one contact";
    match ctx.send(Req::get(format!("{base}?$top=1"))).await {
        Ok(r) => {
            let ok = r.status == 200 && page_len(&r) == Some(1);
            ctx.expect("COL-3", check, ok, "200 with exactly one contact", &r)
        }
        Err(e) => ctx.transport_failure("COL-3", check, "200 with one contact", &e),
    }
    // $orderby and $skip, compared on ids; every page followed, since a
    // server may page its answers.
    let check = "$orderby=id with $skip=1 leaves out the first contact of the same order";
    let (ordered, a) = listing(ctx, format!("{base}?$orderby=id"), total, id_of).await;
    let (skipped, b) = listing(ctx, format!("{base}?$orderby=id&$skip=1"), total, id_of).await;
    match (a, b) {
        (Ok(_), Ok(b)) => {
            let ia: Vec<String> = ordered.into_iter().flatten().collect();
            let ib: Vec<String> = skipped.into_iter().flatten().collect();
            let sorted = ia
                .windows(2)
                .all(|w| w[0].to_ascii_lowercase() <= w[1].to_ascii_lowercase());
            let ok = ia.len() == total && sorted && ib.as_slice() == ia.get(1..).unwrap_or_default();
            ctx.expect(
                "COL-3",
                check,
                ok,
                "the ordered list, then the same list without its first contact",
                &b,
            )
        }
        (Err((found, exchange)), _) | (_, Err((found, exchange))) => {
            ctx.fail("COL-3", check, "two ordered lists", &found, exchange)
        }
    }
    // $orderby desc on a string property. Business Central orders text
    // without regard to case, so that order is accepted.
    let check = "$orderby=lastName desc sorts by lastName, descending";
    let last_name = |v: &Value| v.get("lastName").and_then(Value::as_str).map(str::to_lowercase);
    match listing(ctx, format!("{base}?$orderby=lastName%20desc"), total, last_name).await {
        (v, Ok(r)) => {
            let names: Vec<String> = v.into_iter().flatten().collect();
            let ok = names.len() == total && names.windows(2).all(|w| w[0] >= w[1]);
            ctx.expect("COL-3", check, ok, "every contact, lastName descending", &r)
        }
        (_, Err((found, exchange))) => ctx.fail("COL-3", check, "a sorted list", &found, exchange),
    }
    // $select
    let check = "$select=email returns email (and annotations) only";
    let only_email = |c: &Value| {
        c.as_object().is_some_and(|m| {
            m.contains_key("email") && m.keys().all(|k| k == "email" || k == "id" || k.starts_with("@odata."))
        })
    };
    match listing(ctx, format!("{base}?$select=email"), total, only_email).await {
        (v, Ok(r)) => {
            let ok = v.len() == total && v.iter().all(|c| *c);
            ctx.expect(
                "COL-3",
                check,
                ok,
                "every contact with email and no other property (id allowed)",
                &r,
            )
        }
        (_, Err((found, exchange))) => ctx.fail("COL-3", check, "a selected list", &found, exchange),
    }
    // $filter eq on a property of the first contact.
    if let Some(last) = ctx.listed[0].last_name.clone() {
        let check = "$filter=lastName eq '<a listed lastName>' returns exactly the contacts with it";
        let expected: BTreeSet<String> = ctx
            .listed
            .iter()
            .filter(|c| c.last_name.as_deref() == Some(last.as_str()))
            .map(|c| c.id.clone())
            .collect();
        let literal = last.replace('\'', "''");
        let q: String = format!("lastName eq '{literal}'")
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-._~'".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        let wanted = format!("200 with the {} contact(s) named {last}", expected.len());
        match listing(ctx, format!("{base}?$filter={q}"), expected.len(), id_of).await {
            (v, Ok(r)) => {
                let got: BTreeSet<String> = v.into_iter().flatten().collect();
                ctx.expect("COL-3", check, got == expected, &wanted, &r)
            }
            (_, Err((found, exchange))) => ctx.fail("COL-3", check, &wanted, &found, exchange),
        }
    }
    for (option, value) in [
        ("$select", "nickName"),
        ("$filter", "nickName%20eq%20'x'"),
        ("$orderby", "nickName"),
    ] {
        let check = format!("an unknown property in {option} gets 400");
        match ctx.send(Req::get(format!("{base}?{option}={value}"))).await {
            Ok(r) => ctx.expect("COL-3", &check, r.status == 400, "400", &r),
            Err(e) => ctx.transport_failure("COL-3", &check, "400", &e),
        }
    }
}

async fn pdf(ctx: &mut Ctx) {
    let Some(id) = ctx.contacts.first().and_then(id_of) else {
        for id in ["PDF-1", "PDF-2"] {
            ctx.skip(id, "pdfDocument", "skipped: the list has no contacts");
        }
        pdf_unknown(ctx).await;
        return;
    };
    let check = "pdfDocument is one object with id, parentId (the contact), parentType and the media link";
    match ctx
        .send(Req::get(format!("{}/pdfDocument", ctx.contact_path(&id))))
        .await
    {
        Ok(r) => {
            let body = r.json().unwrap_or(Value::Null);
            let mut problems: Vec<String> = Vec::new();
            if r.status != 200 {
                problems.push(format!("status {}", r.status));
            } else {
                problems.extend(
                    ctx.schema_errors(PDF, "get", &r)
                        .into_iter()
                        .map(|e| format!("schema: {e}")),
                );
            }
            if body.get("value").is_some() {
                problems.push("a collection (`value`) instead of one object".to_owned());
            }
            if !body.get("id").is_some_and(is_guid) {
                problems.push("no GUID `id`".to_owned());
            }
            if !body
                .get("parentId")
                .and_then(Value::as_str)
                .is_some_and(|p| p.eq_ignore_ascii_case(&id))
            {
                problems.push("`parentId` is not the contact's id".to_owned());
            }
            if !body.get("parentType").is_some_and(Value::is_string) {
                problems.push("no `parentType`".to_owned());
            }
            if !body
                .get("pdfDocumentContent@odata.mediaReadLink")
                .is_some_and(Value::is_string)
            {
                problems.push("no `pdfDocumentContent@odata.mediaReadLink`".to_owned());
            }
            if problems.is_empty() {
                ctx.pass("PDF-1", check);
            } else {
                ctx.fail(
                    "PDF-1",
                    check,
                    "200 and the pdfDocument object",
                    &problems.join("; "),
                    Some(r.exchange),
                );
            }
        }
        Err(e) => ctx.transport_failure("PDF-1", check, "200 and the pdfDocument object", &e),
    }
    let check = "pdfDocumentContent is a PDF";
    match ctx
        .send(
            Req::get(format!("{}/pdfDocument/pdfDocumentContent", ctx.contact_path(&id)))
                .header("Accept", "application/pdf, application/octet-stream"),
        )
        .await
    {
        Ok(r) => {
            let media = r
                .header("content-type")
                .and_then(|c| c.split(';').next())
                .map(|m| m.trim().to_ascii_lowercase())
                .unwrap_or_default();
            let ok = r.status == 200
                && (media == "application/pdf" || media == "application/octet-stream")
                && r.body.starts_with(b"%PDF-");
            let found = format!("{} {media}, body starting {:?}", r.status, r.masker.excerpt(&r.body, 8));
            if ok {
                ctx.pass("PDF-2", check);
            } else {
                ctx.fail(
                    "PDF-2",
                    check,
                    "200, application/pdf or application/octet-stream, a body starting with %PDF-",
                    &found,
                    Some(r.exchange),
                );
            }
        }
        Err(e) => ctx.transport_failure("PDF-2", check, "a PDF", &e),
    }
    pdf_unknown(ctx).await;
}

async fn pdf_unknown(ctx: &mut Ctx) {
    let unknown = ctx.contact_path(&Uuid::new_v4().to_string());
    for suffix in ["/pdfDocument", "/pdfDocument/pdfDocumentContent"] {
        let check = format!("{suffix} of an unknown contact gets 404");
        match ctx.send(Req::get(format!("{unknown}{suffix}"))).await {
            Ok(r) => ctx.expect("PDF-3", &check, r.status == 404, "404", &r),
            Err(e) => ctx.transport_failure("PDF-3", &check, "404", &e),
        }
    }
}

/// Malformed reads: every answer must be a 4xx (checked by ERR-1/ERR-2).
async fn malformed(ctx: &mut Ctx) {
    let base = ctx.contacts_path();
    let long = "a".repeat(8000);
    let requests = vec![
        Req::get(format!("{base}?$top=abc")),
        Req::get(format!("{base}?$top=-1")),
        Req::get(format!("{base}?$filter=lastName%20eq")),
        Req::get(format!("{base}?$filter=((((((((((")),
        Req::get(format!("{base}?$orderby=")),
        Req::get(format!("{base}?$filter=%zz")),
        Req::get(format!("{base}?$filter=lastName%20eq%20'{long}'")),
        Req::get(format!("{base}?$skiptoken=garbage")),
        Req::get(base.clone()).header("Prefer", "odata.maxpagesize=abc"),
        Req::get(format!("{}/nothingHere", ctx.company_path())),
        Req::get(format!("{base}(")),
        Req::get("/companies(5d115c9c-44e3-ea11-bb43-000d3a2feca1))".to_owned()),
        // Input that has crashed servers: deep nesting in $filter (a
        // recursive parser without a bound overflows its stack), broken
        // percent-encodings next to multi-byte characters.
        Req::get(format!("{base}?$filter={}lastName%20eq%20'a'", "not%20".repeat(6_000))),
        Req::get(format!(
            "{base}?$filter={}lastName%20eq%20'a'{}",
            "(".repeat(3_000),
            ")".repeat(3_000)
        )),
        Req::get(format!(
            "{base}?$filter={}lastName{}%20eq%20'a'",
            "tolower(".repeat(2_000),
            ")".repeat(2_000)
        )),
        Req::get(format!(
            "{base}?$filter={}",
            vec!["lastName%20eq%20'a'"; 1_500].join("%20and%20")
        )),
        Req::get(format!("{base}?%x%C3%A9=1")),
        Req::get(format!("{base}?$filter=lastName%20eq%20'%x%C3%A9'")),
        Req::get(format!("{base}?$select=%")),
    ];
    for req in requests {
        let _ = ctx.send(req).await;
    }
    // The server must still be there to answer.
    let check = "the server still answers after malformed and deeply nested requests";
    match ctx.send(Req::get(base)).await {
        Ok(r) => ctx.expect("ERR-2", check, r.status == 200, "200", &r),
        Err(e) => ctx.transport_failure("ERR-2", check, "200", &e),
    }
}

/// ERR-1 and ERR-2 over every exchange of the run.
pub(crate) fn aggregate(ctx: &mut Ctx) {
    let exchanges = ctx.http.exchanges();
    let mut err1 = Vec::new();
    let mut err2 = Vec::new();
    for (i, e) in exchanges.iter().enumerate() {
        let Some(status) = e.status else { continue };
        if status >= 500 {
            err2.push((i, format!("{} {} answered {status}", e.method, e.url)));
        }
        if status >= 400 {
            let body: Option<Value> = e.response_body.as_deref().and_then(|b| serde_json::from_str(b).ok());
            let ok = body.as_ref().is_some_and(|b| {
                b.pointer("/error/code")
                    .and_then(Value::as_str)
                    .is_some_and(|c| !c.is_empty())
                    && b.pointer("/error/message").is_some_and(Value::is_string)
            });
            if !ok {
                err1.push((
                    i,
                    format!(
                        "{} {} answered {status} with {}",
                        e.method,
                        e.url,
                        e.response_body
                            .as_deref()
                            .map(|b| b.chars().take(120).collect::<String>())
                            .unwrap_or_else(|| "no body".to_owned())
                    ),
                ));
            }
        }
    }
    let check = "every 4xx and 5xx of the run has an OData error body";
    match err1.first() {
        None => ctx.pass("ERR-1", check),
        Some((i, _)) => {
            let found = format!(
                "{} response(s) without one: {}",
                err1.len(),
                err1.iter().take(3).map(|e| e.1.as_str()).collect::<Vec<_>>().join("; ")
            );
            ctx.fail(
                "ERR-1",
                check,
                "{\"error\":{\"code\":\"<non-empty>\",\"message\":\"<string>\"}}",
                &found,
                Some(*i),
            );
        }
    }
    let check = "no request of the run, malformed ones included, got a 5xx";
    match err2.first() {
        None => ctx.pass("ERR-2", check),
        Some((i, _)) => {
            let found = format!(
                "{} 5xx response(s): {}",
                err2.len(),
                err2.iter().take(3).map(|e| e.1.as_str()).collect::<Vec<_>>().join("; ")
            );
            ctx.fail("ERR-2", check, "no 5xx", &found, Some(*i));
        }
    }
}

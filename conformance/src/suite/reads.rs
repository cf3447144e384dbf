//! The checks that only read: discovery, representation, the collection and
//! its query options, single GETs, keys, the PDF, and the aggregate error
//! checks over every exchange of the run.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use uuid::Uuid;

use super::http::{Auth, Reply, Req};
use super::{Ctx, DOCUMENTED_ID, describe_reply, etag_of, id_of};

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
    let has_context = r
        .json()
        .is_some_and(|v| v.get("@odata.context").is_some_and(Value::is_string));
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

/// Follows the list from `first` through every nextLink; returns the
/// entities, the replies, and what went wrong. It stops at `max_pages`
/// pages (and [`MAX_PAGES`]), at a nextLink seen before, and once the pages
/// add up to more than `--max-body` bytes, so a server that pages without
/// end can neither hold the run nor fill its memory.
pub(crate) async fn collect_pages(
    ctx: &Ctx,
    first: Req,
    max_pages: usize,
) -> (Vec<Value>, Vec<Reply>, Vec<(String, Option<usize>)>) {
    let max_pages = max_pages.min(MAX_PAGES);
    let budget = ctx.opts.max_body_bytes;
    let mut total_bytes = 0usize;
    let mut items = Vec::new();
    let mut replies = Vec::new();
    let mut problems = Vec::new();
    let mut next = Some(first);
    let mut seen_links = BTreeSet::new();
    while let Some(req) = next.take() {
        if replies.len() >= max_pages {
            problems.push((format!("more than {max_pages} pages; stopped following"), None));
            break;
        }
        if total_bytes > budget {
            problems.push((
                format!("the pages add up to more than {budget} bytes (--max-body); stopped following"),
                replies.last().map(|r: &Reply| r.exchange),
            ));
            break;
        }
        let headers = req.headers.clone();
        let r = match ctx.send(req).await {
            Ok(r) => r,
            Err(e) => {
                problems.push((format!("a page gave no usable response: {e}"), Some(e.exchange)));
                break;
            }
        };
        if r.status != 200 {
            problems.push((format!("a page answered {}", describe_reply(&r)), Some(r.exchange)));
            replies.push(r);
            break;
        }
        total_bytes = total_bytes.saturating_add(r.body.len());
        let Some(mut body) = r.json() else {
            problems.push(("a page is not JSON".to_owned(), Some(r.exchange)));
            replies.push(r);
            break;
        };
        match body.get_mut("value").map(Value::take) {
            Some(Value::Array(v)) => items.extend(v),
            _ => problems.push(("a page has no `value` array".to_owned(), Some(r.exchange))),
        }
        if let Some(link) = body.get("@odata.nextLink") {
            match link.as_str() {
                Some(l) if !ctx.http.same_origin(l) && (l.starts_with("http://") || l.starts_with("https://")) => {
                    problems.push((format!("a nextLink points to another origin ({l}); it was not followed, and the token is never sent there"), Some(r.exchange)));
                }
                Some(l) if !seen_links.insert(l.to_owned()) => {
                    problems.push((format!("the nextLink {l} was already followed once"), Some(r.exchange)));
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
                None => problems.push(("@odata.nextLink is not a string".to_owned(), Some(r.exchange))),
            }
        }
        replies.push(r);
    }
    (items, replies, problems)
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
    let (items, replies, problems) = collect_pages(ctx, Req::get(ctx.contacts_path()), MAX_PAGES).await;
    let mut problems = problems;
    let mut ids = BTreeMap::new();
    for it in &items {
        match id_of(it) {
            Some(id) => *ids.entry(id.to_ascii_lowercase()).or_insert(0) += 1,
            None => problems.push((
                "an entity has no string `id`".to_owned(),
                replies.last().map(|r| r.exchange),
            )),
        }
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
        Some((first, exchange)) => {
            let all: Vec<&str> = problems.iter().map(|(p, _)| p.as_str()).collect();
            let _ = first;
            ctx.fail(
                "COL-1",
                check,
                "{\"value\":[…]} pages whose nextLinks lead to each contact exactly once",
                &all.join("; "),
                *exchange,
            );
        }
    }
    // Representation of every listed contact.
    let mut rep = Vec::new();
    let mut etags = Vec::new();
    for it in &items {
        rep.extend(
            contact_problems(it, true)
                .into_iter()
                .map(|p| format!("{}: {p}", id_of(it).unwrap_or_default())),
        );
        if etag_of(it).is_none() {
            etags.push(id_of(it).unwrap_or_default());
        }
    }
    for r in &replies {
        if r.status == 200 {
            rep.extend(
                ctx.schema_errors(LIST, "get", r)
                    .into_iter()
                    .map(|e| format!("schema: {e}")),
            );
        }
    }
    let ex = replies.first().map(|r| r.exchange);
    if items.is_empty() {
        ctx.skip(
            "REP-1",
            "listed contacts have the documented properties",
            "skipped: the list has no contacts to look at",
        );
    } else if rep.is_empty() {
        ctx.pass("REP-1", "listed contacts have the documented properties");
    } else {
        ctx.fail("REP-1", "listed contacts have the documented properties", "id, email, firstName, lastName, professionalTitle, customerId, customerName, primaryPhoneNumber; GUID ids, string values", &rep.iter().take(8).cloned().collect::<Vec<_>>().join("; "), ex);
    }
    if !items.is_empty() {
        if etags.is_empty() {
            ctx.pass("REP-2", "every listed contact carries @odata.etag");
        } else {
            ctx.fail(
                "REP-2",
                "every listed contact carries @odata.etag",
                "an @odata.etag string on each entity",
                &format!(
                    "missing on {}",
                    etags.iter().take(5).cloned().collect::<Vec<_>>().join(", ")
                ),
                ex,
            );
        }
    }
    if let Some(r) = replies.first().filter(|r| r.status == 200).cloned() {
        envelope(ctx, "GET customerContacts", &r);
    }
    // Later checks work on each contact once; duplicates are COL-1's finding.
    let mut seen = BTreeSet::new();
    ctx.contacts = items
        .into_iter()
        .filter(|c| id_of(c).is_none_or(|i| seen.insert(i.to_ascii_lowercase())))
        .collect();
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
    for key in [
        "CONT00123",
        "'e3a5c0b1-0123-4d6e-9f10-2a3b4c5d6e7f'",
        "not-a-guid",
        "e3a5c0b1-0123-4d6e-9f10-2a3b4c5d6e7g",
        "",
        "1,2",
        "%27%27",
    ] {
        let check = format!("the key `{key}` gets 400 or 404");
        match ctx.send(Req::get(ctx.contact_path(key))).await {
            Ok(r) => ctx.expect("GET-3", &check, r.status == 400 || r.status == 404, "400 or 404", &r),
            Err(e) => ctx.transport_failure("GET-3", &check, "400 or 404", &e),
        }
    }
}

async fn paging(ctx: &mut Ctx) {
    let check = "Prefer: odata.maxpagesize=N gives pages of at most N, with a nextLink while more remain";
    let total = ctx.contacts.len();
    if total < 2 {
        ctx.skip(
            "COL-2",
            check,
            "skipped: needs at least two contacts to see more than one page",
        );
        return;
    }
    let n = if total > 4 { 2 } else { 1 };
    let first = Req::get(ctx.contacts_path()).header("Prefer", format!("odata.maxpagesize={n}"));
    let (items, replies, problems) = collect_pages(ctx, first, total + 5).await;
    let mut issues: Vec<String> = problems.iter().map(|(p, _)| p.clone()).collect();
    let mut exchange = problems.first().and_then(|p| p.1);
    let mut seen = 0;
    for r in &replies {
        let count = r
            .json()
            .and_then(|v| v.get("value").and_then(Value::as_array).map(Vec::len))
            .unwrap_or(0);
        seen += count;
        let has_next = r.json().is_some_and(|v| v.get("@odata.nextLink").is_some());
        if count > n {
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
    let ids: BTreeSet<String> = items.iter().filter_map(id_of).map(|s| s.to_ascii_lowercase()).collect();
    let all: BTreeSet<String> = ctx
        .contacts
        .iter()
        .filter_map(id_of)
        .map(|s| s.to_ascii_lowercase())
        .collect();
    if ids != all || items.len() != total {
        issues.push(format!(
            "the pages hold {} contacts ({} distinct), the unpaged list {total}",
            items.len(),
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
            exchange.or(replies.first().map(|r| r.exchange)),
        );
    }
}

fn values(r: &Reply) -> Option<Vec<Value>> {
    r.json().and_then(|v| v.get("value").and_then(Value::as_array).cloned())
}

/// Every entity of a listing, following its nextLinks: the entities and the
/// last page's reply, or what went wrong and where.
async fn listing(ctx: &Ctx, target: String, expected: usize) -> (Vec<Value>, Result<Reply, (String, Option<usize>)>) {
    let (items, replies, problems) = collect_pages(ctx, Req::get(target), expected + 5).await;
    match (problems.into_iter().next(), replies.into_iter().last()) {
        (None, Some(last)) => (items, Ok(last)),
        (Some((problem, exchange)), _) => (items, Err((problem, exchange))),
        (None, None) => (items, Err(("no page was read".to_owned(), None))),
    }
}

/// `$top`, `$skip`, `$select`, `$orderby`, `$filter` and their refusals.
async fn options(ctx: &mut Ctx) {
    let total = ctx.contacts.len();
    if total == 0 {
        ctx.skip("COL-3", "query options", "skipped: the list has no contacts to query");
        return;
    }
    let base = ctx.contacts_path();
    // $top
    let check = "$top=1 returns one contact";
    match ctx.send(Req::get(format!("{base}?$top=1"))).await {
        Ok(r) => {
            let ok = r.status == 200 && values(&r).is_some_and(|v| v.len() == 1);
            ctx.expect("COL-3", check, ok, "200 with exactly one contact", &r)
        }
        Err(e) => ctx.transport_failure("COL-3", check, "200 with one contact", &e),
    }
    // $orderby and $skip, compared on ids; every page followed, since a
    // server may page its answers.
    let check = "$orderby=id with $skip=1 leaves out the first contact of the same order";
    let (ordered, a) = listing(ctx, format!("{base}?$orderby=id"), total).await;
    let (skipped, b) = listing(ctx, format!("{base}?$orderby=id&$skip=1"), total).await;
    match (a, b) {
        (Ok(_), Ok(b)) => {
            let ia: Vec<String> = ordered.iter().filter_map(id_of).collect();
            let ib: Vec<String> = skipped.iter().filter_map(id_of).collect();
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
    match listing(ctx, format!("{base}?$orderby=lastName%20desc"), total).await {
        (v, Ok(r)) => {
            let names: Vec<String> = v
                .iter()
                .filter_map(|v| v.get("lastName").and_then(Value::as_str).map(str::to_lowercase))
                .collect();
            let ok = names.len() == total && names.windows(2).all(|w| w[0] >= w[1]);
            ctx.expect("COL-3", check, ok, "every contact, lastName descending", &r)
        }
        (_, Err((found, exchange))) => ctx.fail("COL-3", check, "a sorted list", &found, exchange),
    }
    // $select
    let check = "$select=email returns email (and annotations) only";
    match listing(ctx, format!("{base}?$select=email"), total).await {
        (v, Ok(r)) => {
            let ok = v.len() == total
                && v.iter().all(|c| {
                    c.as_object().is_some_and(|m| {
                        m.contains_key("email")
                            && m.keys().all(|k| k == "email" || k == "id" || k.starts_with("@odata."))
                    })
                });
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
    if let Some(last) = ctx.contacts[0]
        .get("lastName")
        .and_then(Value::as_str)
        .map(str::to_owned)
    {
        let check = "$filter=lastName eq '<a listed lastName>' returns exactly the contacts with it";
        let expected: BTreeSet<String> = ctx
            .contacts
            .iter()
            .filter(|c| c.get("lastName").and_then(Value::as_str) == Some(last.as_str()))
            .filter_map(id_of)
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
        match listing(ctx, format!("{base}?$filter={q}"), expected.len()).await {
            (v, Ok(r)) => {
                let got: BTreeSet<String> = v.iter().filter_map(id_of).collect();
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
    ];
    for req in requests {
        let _ = ctx.send(req).await;
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

//! The checks that only read: discovery, representation, the collection and
//! its query options, single GETs, keys, the PDF, and the aggregate error
//! checks over every exchange of the run.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use uuid::Uuid;

use super::contact::{
    DOCUMENTED_ID, ENTITY, LIST, PDF, documented_differences, documented_example, etag_of, id_of, is_guid,
};
use super::http::{Auth, Reply, Req};
use super::listing::{MAX_PAGES, collect_pages, listing, page_len};
use super::{Checked, Ctx, Listed, SAMPLE, describe_reply};
use crate::contract::Id;

fn is_json_type(r: &Reply) -> bool {
    r.header("content-type").is_some_and(|c| {
        c.split(';')
            .next()
            .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
    })
}

/// REP-2 and REP-3 of one JSON response.
fn envelope(ctx: &mut Ctx, check: &str, r: &Reply) {
    ctx.expect(
        Id::Rep2,
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
        Id::Rep3,
        &format!("{check}: carries @odata.context"),
        has_context,
        "a top-level @odata.context string",
        r,
    );
}

/// COMP-1 (and REP-2, REP-3) of the discovery's `GET /companies`.
pub(crate) fn companies(ctx: &mut Ctx, r: &Reply) {
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
        ctx.pass(Id::Comp1, check);
    } else {
        ctx.fail(
            Id::Comp1,
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
            Id::Rep2,
            "every company carries @odata.etag",
            all_etags,
            "@odata.etag on every entity",
            r,
        );
    }
}

pub(crate) async fn list(ctx: &mut Ctx) -> Checked {
    let check = "the list, following every nextLink, has each contact once";
    let mut ids: BTreeMap<String, usize> = BTreeMap::new();
    let mut no_id = false;
    let mut rep = Vec::new();
    let mut rep_count = 0usize;
    let mut etags = Vec::new();
    let mut etags_missing = 0usize;
    let mut listed = Vec::new();
    let mut sample = Vec::new();
    let contact = ctx.contact.clone();
    let pages = collect_pages(ctx, Req::get(ctx.contacts_path()), MAX_PAGES, Some(LIST), |it| {
        let id = id_of(&it);
        // Representation of every listed contact (a few examples kept).
        let problems = contact.problems(&it, true);
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
        None => ctx.pass(Id::Col1, check),
        Some((_, exchange)) => {
            let all: Vec<&str> = problems.iter().map(|(p, _)| p.as_str()).collect();
            ctx.fail(
                Id::Col1,
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
            Id::Rep1,
            "listed contacts have the documented properties",
            "skipped: the list has no contacts to look at",
        );
    } else if rep_count == 0 {
        ctx.pass(Id::Rep1, "listed contacts have the documented properties");
    } else {
        let mut found = rep.iter().take(8).cloned().collect::<Vec<_>>().join("; ");
        if rep_count > 8 {
            found.push_str(&format!("; … {rep_count} problems in all"));
        }
        let expected = ctx.contact.expected();
        ctx.fail(
            Id::Rep1,
            "listed contacts have the documented properties",
            &expected,
            &found,
            ex,
        );
    }
    if pages.items > 0 {
        if etags_missing == 0 {
            ctx.pass(Id::Rep2, "every listed contact carries @odata.etag");
        } else {
            ctx.fail(
                Id::Rep2,
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
    Ok(())
}

pub(crate) async fn unknown_company(ctx: &mut Ctx) -> Checked {
    let check = "any path under an unknown company gets 404";
    let unknown = Uuid::new_v4();
    for path in [
        format!("/companies({unknown})/customerContacts"),
        format!("/companies({unknown})/customerContacts({})", Uuid::new_v4()),
    ] {
        ctx.expect_reply(Id::Comp1, check, "404", Req::get(path), |r| r.status == 404)
            .await?;
    }
    Ok(())
}

pub(crate) async fn auth(ctx: &mut Ctx) -> Checked {
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
        let req = Req::get(t.clone()).auth(Auth::None);
        ctx.expect_reply(Id::Auth1, &check, "401", req, |r| r.status == 401)
            .await?;
    }
    let check = "a token the server does not accept gets 401";
    let req = Req::get(ctx.contacts_path()).auth(Auth::Bogus);
    ctx.expect_reply(Id::Auth2, check, "401", req, |r| r.status == 401)
        .await?;
    Ok(())
}

/// GET-1, REP-1/2/3/4 on single entities, COL-4 for every listed contact,
/// and the documented GET exchange.
pub(crate) async fn single(ctx: &mut Ctx) -> Checked {
    let listed = ctx.contacts.clone();
    let mut col4 = Vec::new();
    let mut col4_exchange = None;
    for (i, item) in listed.iter().enumerate().take(200) {
        let Some(id) = id_of(item) else { continue };
        let check = "GET of a listed contact returns 200 and the contact";
        let Ok(r) = ctx
            .send_for(Id::Get1, check, "200 and the contact", Req::get(ctx.contact_path(&id)))
            .await
        else {
            continue;
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
                Id::Get1,
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
                    Id::Rep2,
                    "a single contact carries @odata.etag",
                    body_etag.is_some(),
                    "@odata.etag in the body",
                    &r,
                );
                let same = header.is_some() && header == body_etag;
                ctx.expect(
                    Id::Rep4,
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
            None => ctx.pass(Id::Col4, check),
            Some((a, b)) => {
                let (a, b) = (a.clone(), b.clone());
                ctx.fail_diff(Id::Col4, check, &a, &b, col4_exchange)
            }
        }
    }
    Ok(())
}

/// The documented GET exchange replayed on a contact: the id is the one
/// asked for and the body fits the schema; on the documented contact
/// itself, every documented value is there.
async fn documented_get(ctx: &mut Ctx, id: &str, r: &Reply) {
    let check = "documented GET exchange: 200 with the contact, as the seed page shows";
    if r.status != 200 {
        ctx.expect(Id::Get1, check, false, "200", r);
        return;
    }
    let mut problems: Vec<String> = ctx
        .schema_errors(ENTITY, "get", r)
        .into_iter()
        .map(|e| format!("schema: {e}"))
        .collect();
    let body = r.json().unwrap_or(Value::Null);
    problems.extend(ctx.contact.problems(&body, true));
    if problems.is_empty() {
        ctx.pass(Id::Rep1, "a single contact has the documented properties");
    } else {
        ctx.fail(
            Id::Rep1,
            "a single contact has the documented properties",
            "the customerContact schema",
            &problems.join("; "),
            Some(r.exchange),
        );
    }
    if id.eq_ignore_ascii_case(DOCUMENTED_ID) {
        if let Some(documented) = documented_example(ctx, "get") {
            match documented_differences(&documented, &body, |_| true) {
                None => ctx.pass(Id::Get1, check),
                Some((expected, found)) => ctx.fail_diff(Id::Get1, check, &expected, &found, Some(r.exchange)),
            }
        }
    } else {
        ctx.pass(Id::Get1, check);
    }
}

pub(crate) async fn keys(ctx: &mut Ctx) -> Checked {
    let check = "a well-formed id of no contact gets 404";
    let req = Req::get(ctx.contact_path(&Uuid::new_v4().to_string()));
    ctx.expect_reply(Id::Get2, check, "404", req, |r| r.status == 404)
        .await?;
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
        let req = Req::get(ctx.contact_path(key));
        ctx.expect_reply(Id::Get3, &check, "400 or 404", req, |r| {
            r.status == 400 || r.status == 404
        })
        .await?;
    }
    Ok(())
}

pub(crate) async fn paging(ctx: &mut Ctx) -> Checked {
    let check = "Prefer: odata.maxpagesize=N gives pages of at most N, with a nextLink while more remain";
    let total = ctx.listed.len();
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
        ctx.pass(Id::Col2, check);
    } else {
        ctx.fail(
            Id::Col2,
            check,
            &format!("pages of at most {n} covering all {total} contacts"),
            &issues.join("; "),
            exchange.or(pages.replies.first().map(|r| r.exchange)),
        );
    }
    Ok(())
}

/// `$top`, `$skip`, `$select`, `$orderby`, `$filter` and their refusals.
pub(crate) async fn options(ctx: &mut Ctx) -> Checked {
    let total = ctx.listed.len();
    let base = ctx.contacts_path();
    // $top
    let check = "$top=1 returns one contact";
    let req = Req::get(format!("{base}?$top=1"));
    ctx.expect_reply(Id::Col3, check, "200 with exactly one contact", req, |r| {
        r.status == 200 && page_len(r) == Some(1)
    })
    .await?;
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
                Id::Col3,
                check,
                ok,
                "the ordered list, then the same list without its first contact",
                &b,
            )
        }
        (Err((found, exchange)), _) | (_, Err((found, exchange))) => {
            ctx.fail(Id::Col3, check, "two ordered lists", &found, exchange)
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
            ctx.expect(Id::Col3, check, ok, "every contact, lastName descending", &r)
        }
        (_, Err((found, exchange))) => ctx.fail(Id::Col3, check, "a sorted list", &found, exchange),
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
                Id::Col3,
                check,
                ok,
                "every contact with email and no other property (id allowed)",
                &r,
            )
        }
        (_, Err((found, exchange))) => ctx.fail(Id::Col3, check, "a selected list", &found, exchange),
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
                ctx.expect(Id::Col3, check, got == expected, &wanted, &r)
            }
            (_, Err((found, exchange))) => ctx.fail(Id::Col3, check, &wanted, &found, exchange),
        }
    }
    for (option, value) in [
        ("$select", "nickName"),
        ("$filter", "nickName%20eq%20'x'"),
        ("$orderby", "nickName"),
    ] {
        let check = format!("an unknown property in {option} gets 400");
        let req = Req::get(format!("{base}?{option}={value}"));
        ctx.expect_reply(Id::Col3, &check, "400", req, |r| r.status == 400)
            .await?;
    }
    Ok(())
}

pub(crate) async fn pdf(ctx: &mut Ctx) -> Checked {
    let Some(id) = ctx.contacts.first().and_then(id_of) else {
        return Ok(());
    };
    let check = "pdfDocument is one object with id, parentId (the contact), parentType and the media link";
    let expected = "200 and the pdfDocument object";
    let req = Req::get(format!("{}/pdfDocument", ctx.contact_path(&id)));
    let r = ctx.send_for(Id::Pdf1, check, expected, req).await?;
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
        ctx.pass(Id::Pdf1, check);
    } else {
        ctx.fail(Id::Pdf1, check, expected, &problems.join("; "), Some(r.exchange));
    }
    let check = "pdfDocumentContent is a PDF";
    let expected = "200, application/pdf or application/octet-stream, a body starting with %PDF-";
    let req = Req::get(format!("{}/pdfDocument/pdfDocumentContent", ctx.contact_path(&id)))
        .header("Accept", "application/pdf, application/octet-stream");
    let r = ctx.send_for(Id::Pdf2, check, expected, req).await?;
    let media = r
        .header("content-type")
        .and_then(|c| c.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let ok = r.status == 200
        && (media == "application/pdf" || media == "application/octet-stream")
        && r.body.starts_with(b"%PDF-");
    if ok {
        ctx.pass(Id::Pdf2, check);
    } else {
        let found = format!("{} {media}, body starting {:?}", r.status, r.masker.excerpt(&r.body, 8));
        ctx.fail(Id::Pdf2, check, expected, &found, Some(r.exchange));
    }
    Ok(())
}

pub(crate) async fn pdf_unknown(ctx: &mut Ctx) -> Checked {
    let unknown = ctx.contact_path(&Uuid::new_v4().to_string());
    for suffix in ["/pdfDocument", "/pdfDocument/pdfDocumentContent"] {
        let check = format!("{suffix} of an unknown contact gets 404");
        let req = Req::get(format!("{unknown}{suffix}"));
        ctx.expect_reply(Id::Pdf3, &check, "404", req, |r| r.status == 404)
            .await?;
    }
    Ok(())
}

/// Malformed reads: every answer must be a 4xx (checked by ERR-1/ERR-2).
pub(crate) async fn malformed(ctx: &mut Ctx) -> Checked {
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
    ctx.expect_reply(Id::Err2, check, "200", Req::get(base), |r| r.status == 200)
        .await?;
    Ok(())
}

/// ERR-1 and ERR-2 over every exchange of the run.
pub(crate) async fn aggregate(ctx: &mut Ctx) -> Checked {
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
        None => ctx.pass(Id::Err1, check),
        Some((i, _)) => {
            let found = format!(
                "{} response(s) without one: {}",
                err1.len(),
                err1.iter().take(3).map(|e| e.1.as_str()).collect::<Vec<_>>().join("; ")
            );
            ctx.fail(
                Id::Err1,
                check,
                "{\"error\":{\"code\":\"<non-empty>\",\"message\":\"<string>\"}}",
                &found,
                Some(*i),
            );
        }
    }
    let check = "no request of the run, malformed ones included, got a 5xx";
    match err2.first() {
        None => ctx.pass(Id::Err2, check),
        Some((i, _)) => {
            let found = format!(
                "{} 5xx response(s): {}",
                err2.len(),
                err2.iter().take(3).map(|e| e.1.as_str()).collect::<Vec<_>>().join("; ")
            );
            ctx.fail(Id::Err2, check, "no 5xx", &found, Some(*i));
        }
    }
    Ok(())
}

//! The checks that write (`--allow-writes`: every changed value is put
//! back) and that delete (`--allow-delete`).

use std::collections::BTreeSet;

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use super::http::{Auth, Reply, Req};
use super::reads::{MAX_PAGES, collect_pages, contact_problems, documented_differences, documented_example};
use super::{Ctx, DOCUMENTED_ID, describe_reply, etag_of, id_of};

pub(crate) const WRITE_IDS: [&str; 15] = [
    "PATCH-1", "PATCH-2", "PATCH-3", "PATCH-4", "PATCH-5", "PATCH-6", "PATCH-7", "PATCH-8", "PATCH-9", "PATCH-10",
    "PATCH-11", "PATCH-12", "PATCH-13", "CONC-1", "METH-1",
];
pub(crate) const DELETE_IDS: [&str; 5] = ["DEL-1", "DEL-2", "DEL-3", "DEL-4", "DEL-5"];

const EDITABLE: [&str; 6] = [
    "email",
    "firstName",
    "lastName",
    "professionalTitle",
    "primaryPhoneNumber",
    "customerId",
];
const ENTITY: &str = "/companies({companyId})/customerContacts({customerContactId})";

/// The editable values of a contact, as a PATCH body that puts them back.
fn editable(v: &Value) -> Value {
    let mut out = serde_json::Map::new();
    for k in EDITABLE {
        if let Some(x) = v.get(k) {
            out.insert(k.to_owned(), x.clone());
        }
    }
    Value::Object(out)
}

fn patch(ctx: &Ctx, id: &str, if_match: Option<&str>, body: &Value) -> Req {
    let mut r = Req::new(Method::PATCH, ctx.contact_path(id)).json(body);
    if let Some(e) = if_match {
        r = r.header("If-Match", e);
    }
    r
}

/// Checks that the contact still reads as `before`, etag included.
async fn unchanged(ctx: &mut Ctx, id_: &'static str, check: &str, contact: &str, before: &Value) {
    match ctx.read_contact(contact).await {
        Ok((now, r)) => {
            if &now == before {
                ctx.pass(id_, check);
            } else {
                ctx.fail_diff(id_, check, before, &now, Some(r.exchange));
            }
        }
        Err(e) => ctx.fail(id_, check, "the contact, unchanged", &e, None),
    }
}

/// A write that must be refused: reads the contact, sends the request
/// `make` builds from its current etag, checks the status (and the error
/// code, when given), then that nothing changed. Each refusal starts from
/// the state it finds, so one broken refusal does not spill into the next.
#[allow(clippy::too_many_arguments)]
async fn refused(
    ctx: &mut Ctx,
    id_: &'static str,
    check: &str,
    contact: &str,
    make: impl FnOnce(&Ctx, &str) -> Req,
    statuses: &[u16],
    code: Option<&str>,
) {
    let expected = statuses.iter().map(u16::to_string).collect::<Vec<_>>().join(" or ");
    let expected = match code {
        Some(c) => format!("{expected} with error code {c}"),
        None => expected,
    };
    let before = match ctx.read_contact(contact).await {
        Ok((v, _)) => v,
        Err(e) => {
            ctx.fail(id_, check, "the contact to write to", &e, None);
            return;
        }
    };
    let req = make(ctx, &etag_of(&before).unwrap_or_default());
    match ctx.send(req).await {
        Ok(r) => {
            let ok = statuses.contains(&r.status) && code.is_none_or(|c| r.error_code().as_deref() == Some(c));
            ctx.expect(id_, check, ok, &expected, &r);
        }
        Err(e) => ctx.transport_failure(id_, check, &expected, &e),
    }
    unchanged(ctx, id_, &format!("{check}: nothing changed"), contact, &before).await;
}

pub(crate) async fn run(ctx: &mut Ctx) {
    let target = ctx
        .contacts
        .iter()
        .filter_map(id_of)
        .find(|i| i.eq_ignore_ascii_case(DOCUMENTED_ID))
        .or_else(|| ctx.contacts.first().and_then(id_of));
    let Some(target) = target else {
        for id in WRITE_IDS {
            ctx.skip(id, "write checks", "skipped: the list has no contacts to write to");
        }
        return;
    };
    let original = match ctx.read_contact(&target).await {
        Ok((v, _)) => v,
        Err(e) => {
            ctx.fail(
                "PATCH-1",
                "read the contact before writing",
                "200 and the contact",
                &e,
                None,
            );
            return;
        }
    };
    let restore = editable(&original);
    // From here on, a stop or the deadline puts these values back.
    ctx.pending_restore = Some((target.clone(), restore.clone()));

    let t = target.as_str();
    refused(
        ctx,
        "AUTH-1",
        "PATCH without a token gets 401",
        t,
        |c, _| patch(c, t, Some("*"), &json!({"professionalTitle": "Unauthorized write"})).auth(Auth::None),
        &[401],
        None,
    )
    .await;
    refused(
        ctx,
        "PATCH-5",
        "PATCH without If-Match gets 400 BadRequest_InvalidToken",
        t,
        |c, _| patch(c, t, None, &json!({"professionalTitle": "No If-Match"})),
        &[400],
        Some("BadRequest_InvalidToken"),
    )
    .await;

    // The documented exchange, from the state found now.
    let (now, _) = match ctx.read_contact(t).await {
        Ok(v) => v,
        Err(e) => {
            ctx.fail(
                "PATCH-1",
                "read the contact before writing",
                "200 and the contact",
                &e,
                None,
            );
            return;
        }
    };
    let old_etag = etag_of(&now).unwrap_or_default();
    let after = documented_patch(ctx, t, &now, &old_etag).await;

    if let Some(after) = after {
        // PATCH-3, PATCH-4, PATCH-7: the old etag is stale now.
        let check = "PATCH with the etag from before the last write gets 409 Request_EntityChanged";
        let req = patch(ctx, t, Some(&old_etag), &json!({"professionalTitle": "Stale write"}));
        match ctx.send(req).await {
            Ok(r) => {
                let ok = r.status == 409 && r.error_code().as_deref() == Some("Request_EntityChanged");
                ctx.expect("PATCH-4", check, ok, "409 with error code Request_EntityChanged", &r);
                let stale = "the etag from before a successful PATCH is stale";
                ctx.expect("PATCH-7", stale, r.status == 409, "409", &r);
            }
            Err(e) => ctx.transport_failure("PATCH-4", check, "409", &e),
        }
        unchanged(ctx, "PATCH-3", "a stale PATCH changes nothing", t, &after).await;
    } else {
        for id in ["PATCH-3", "PATCH-4", "PATCH-7"] {
            ctx.skip(
                id,
                "stale etag",
                "skipped: the PATCH that makes an etag stale did not succeed (see PATCH-1)",
            );
        }
    }

    // PATCH-6: If-Match: * matches.
    let check = "PATCH with If-Match: * succeeds";
    let title = original.get("professionalTitle").cloned().unwrap_or(json!(""));
    match ctx
        .send(patch(ctx, t, Some("*"), &json!({"professionalTitle": title})))
        .await
    {
        Ok(r) => {
            let ok = r.status == 200 && r.json().is_some_and(|b| b.get("professionalTitle") == Some(&title));
            ctx.expect("PATCH-6", check, ok, "200 with the value sent", &r);
        }
        Err(e) => ctx.transport_failure("PATCH-6", check, "200", &e),
    }

    // Refusals that must change nothing.
    let other = Uuid::new_v4().to_string();
    let body = json!({"id": other, "professionalTitle": "Other id"});
    let check = "PATCH with an id different from the key gets 400";
    refused(
        ctx,
        "PATCH-9",
        check,
        t,
        |c, e| patch(c, t, Some(e), &body),
        &[400],
        None,
    )
    .await;

    let name = ctx
        .read_contact(t)
        .await
        .ok()
        .and_then(|(v, _)| v.get("customerName").and_then(Value::as_str).map(str::to_owned));
    let body = json!({"customerName": format!("{} (renamed)", name.unwrap_or_default())});
    let check = "PATCH with a different customerName gets 400";
    refused(
        ctx,
        "PATCH-10",
        check,
        t,
        |c, e| patch(c, t, Some(e), &body),
        &[400],
        None,
    )
    .await;

    let bodies: [(&str, Vec<u8>); 6] = [
        ("a body that is not JSON", b"professionalTitle=Nope".to_vec()),
        (
            "a body that is not an object",
            b"[{\"professionalTitle\":\"Nope\"}]".to_vec(),
        ),
        (
            "a body with an unknown property",
            br#"{"professionalTitle":"Nope","nickName":"x"}"#.to_vec(),
        ),
        ("a body with a number for a string", br#"{"firstName":5}"#.to_vec()),
        ("a body with invalid UTF-8", b"{\"firstName\":\"\xff\xfe\"}".to_vec()),
        (
            "a body naming a property twice",
            br#"{"professionalTitle":"Nope","professionalTitle":"Nope again"}"#.to_vec(),
        ),
    ];
    for (what, body) in bodies {
        let make = |c: &Ctx, e: &str| {
            Req::new(Method::PATCH, c.contact_path(t))
                .raw(body)
                .header("If-Match", e)
        };
        refused(
            ctx,
            "PATCH-11",
            &format!("PATCH with {what} gets 400"),
            t,
            make,
            &[400],
            None,
        )
        .await;
    }

    let limits: [(&str, Value); 7] = [
        (
            "an email of 81 characters",
            json!({"email": format!("{}@contoso.com", "a".repeat(69))}),
        ),
        ("an email that is not an address", json!({"email": "not an address"})),
        ("a firstName of 31 characters", json!({"firstName": "F".repeat(31)})),
        ("a lastName of 31 characters", json!({"lastName": "L".repeat(31)})),
        (
            "a professionalTitle of 31 characters",
            json!({"professionalTitle": "T".repeat(31)}),
        ),
        (
            "a primaryPhoneNumber of 31 characters",
            json!({"primaryPhoneNumber": "1".repeat(31)}),
        ),
        (
            "a primaryPhoneNumber with letters",
            json!({"primaryPhoneNumber": "call me"}),
        ),
    ];
    for (what, body) in limits {
        let check = format!("PATCH with {what} gets 400");
        refused(
            ctx,
            "PATCH-12",
            &check,
            t,
            |c, e| patch(c, t, Some(e), &body),
            &[400],
            None,
        )
        .await;
    }

    relink(ctx, t).await;
    concurrent_patches(ctx, t).await;
    post_refused(ctx).await;

    // Put every value back.
    let check = "every value the write checks changed is put back";
    match put_back(ctx, t, &restore).await {
        Ok(()) => {
            ctx.pending_restore = None;
            ctx.pass("PATCH-1", check);
        }
        Err(Restore::Differs(now, exchange)) => {
            ctx.fail_diff("PATCH-1", check, &restore, &now, Some(exchange));
        }
        Err(Restore::Failed(found, exchange)) => {
            ctx.fail("PATCH-1", check, "200 to the restoring PATCH", &found, exchange);
        }
    }
}

/// Why values could not be put back.
pub(crate) enum Restore {
    /// The PATCH went through, but the contact reads otherwise.
    Differs(Value, usize),
    /// No PATCH went through: the last answer, or why there was none.
    Failed(String, Option<usize>),
}

impl std::fmt::Display for Restore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Restore::Differs(now, _) => write!(f, "the contact now reads {now}"),
            Restore::Failed(why, _) => f.write_str(why),
        }
    }
}

/// How often a restoring PATCH is tried, and the first pause between tries
/// (doubled after each).
const RESTORE_TRIES: u32 = 5;
const RESTORE_BACKOFF: Duration = Duration::from_millis(200);

/// Puts `values` back on contact `id`: reads its etag, PATCHes, and reads
/// it again. A transport failure, 409 (changed meanwhile), 429 or 5xx is
/// tried again with backoff (`Retry-After` honoured, up to 5 s); any other
/// answer is final.
pub(crate) async fn put_back(ctx: &Ctx, id: &str, values: &Value) -> Result<(), Restore> {
    // Earlier failures must not stop the one write that matters most.
    ctx.http.forgive_failures();
    let mut pause = RESTORE_BACKOFF;
    let mut last = Restore::Failed("not tried".to_owned(), None);
    for attempt in 1..=RESTORE_TRIES {
        if attempt > 1 {
            tokio::time::sleep(pause).await;
            pause *= 2;
        }
        let etag = match ctx.read_contact(id).await {
            Ok((v, _)) => etag_of(&v).unwrap_or_else(|| "*".to_owned()),
            Err(_) => "*".to_owned(),
        };
        match ctx.send(patch(ctx, id, Some(&etag), values)).await {
            Ok(r) if r.status == 200 => {
                return match ctx.read_contact(id).await {
                    Ok((now, _)) if editable(&now) == *values => Ok(()),
                    Ok((now, r)) => Err(Restore::Differs(editable(&now), r.exchange)),
                    Err(e) => Err(Restore::Failed(
                        format!("the contact could not be read back: {e}"),
                        None,
                    )),
                };
            }
            Ok(r) => {
                let retry = matches!(r.status, 409 | 429) || r.status >= 500;
                if let Some(wait) = r
                    .header("retry-after")
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(|s| Duration::from_secs(s.min(5)))
                {
                    pause = pause.max(wait);
                }
                last = Restore::Failed(describe_reply(&r), Some(r.exchange));
                if !retry {
                    break;
                }
            }
            Err(e) => {
                last = Restore::Failed(format!("no usable response: {e}"), Some(e.exchange));
                if !e.transport {
                    break;
                }
                ctx.http.forgive_failures();
            }
        }
    }
    Err(last)
}

/// The documented PATCH exchange on `target`: the documented body with the
/// contact's id; checks PATCH-1, -2, -8, -9 (same id), REP-4 and, on the
/// documented contact, the documented response. Returns the new state.
async fn documented_patch(ctx: &mut Ctx, target: &str, original: &Value, etag: &str) -> Option<Value> {
    let body =
        json!({"id": target, "email": "john.smith@contoso.com", "professionalTitle": "Senior Purchasing Manager"});
    let check = "documented PATCH exchange: 200 and the updated contact";
    let r = match ctx.send(patch(ctx, target, Some(etag), &body)).await {
        Ok(r) => r,
        Err(e) => {
            ctx.transport_failure("PATCH-1", check, "200 and the contact", &e);
            return None;
        }
    };
    let Some(got) = r.json().filter(|_| r.status == 200) else {
        ctx.expect("PATCH-1", check, false, "200 and the updated contact", &r);
        ctx.expect("PATCH-9", "a body id equal to the key is accepted", false, "200", &r);
        return None;
    };
    ctx.pass("PATCH-9", "a body id equal to the key is accepted");
    let sent_ok = got
        .get("id")
        .and_then(Value::as_str)
        .is_some_and(|i| i.eq_ignore_ascii_case(target))
        && got.get("email") == body.get("email")
        && got.get("professionalTitle") == body.get("professionalTitle");
    // The representation is REP-1's; PATCH-1 is about the values sent.
    let mut rep: Vec<String> = ctx
        .schema_errors(ENTITY, "patch", &r)
        .into_iter()
        .map(|e| format!("schema: {e}"))
        .collect();
    rep.extend(contact_problems(&got, true));
    if rep.is_empty() {
        ctx.pass("REP-1", "the PATCH response is a customerContact");
    } else {
        let found = rep.join("; ");
        ctx.fail(
            "REP-1",
            "the PATCH response is a customerContact",
            "the customerContact schema",
            &found,
            Some(r.exchange),
        );
    }
    if sent_ok {
        ctx.pass("PATCH-1", check);
    } else {
        let found = describe_reply(&r);
        ctx.fail(
            "PATCH-1",
            check,
            "200 and the contact with the id and the values sent",
            &found,
            Some(r.exchange),
        );
    }
    let sent = |k: &str| k == "email" || k == "professionalTitle";
    if target.eq_ignore_ascii_case(DOCUMENTED_ID) {
        if let Some(doc) = documented_example(ctx, "patch") {
            // The values sent are PATCH-1's; those not sent are kept (PATCH-2).
            if let Some((a, b)) = documented_differences(&doc, &got, sent) {
                ctx.fail_diff(
                    "PATCH-1",
                    "documented PATCH exchange: the values sent",
                    &a,
                    &b,
                    Some(r.exchange),
                );
            }
            if let Some((a, b)) = documented_differences(&doc, &got, |k| !sent(k)) {
                ctx.fail_diff(
                    "PATCH-2",
                    "documented PATCH exchange: the values not sent",
                    &a,
                    &b,
                    Some(r.exchange),
                );
            }
        }
    }
    let new_etag = etag_of(&got);
    let changed = new_etag.is_some() && new_etag.as_deref() != Some(etag);
    ctx.expect(
        "PATCH-7",
        "a successful PATCH changes the etag",
        changed,
        "a new @odata.etag",
        &r,
    );
    ctx.expect(
        "REP-2",
        "the PATCH response carries @odata.etag",
        new_etag.is_some(),
        "@odata.etag",
        &r,
    );
    let header_ok = r.header("etag").is_some() && r.header("etag").map(str::to_owned) == new_etag;
    ctx.expect(
        "REP-4",
        "PATCH sends an ETag header equal to @odata.etag",
        header_ok,
        "ETag = @odata.etag",
        &r,
    );
    // PATCH-8: a GET right after returns the same; PATCH-2: what was not sent kept its value.
    match ctx.read_contact(target).await {
        Ok((now, rr)) => {
            let unsent = |v: &Value| {
                let mut v = v.clone();
                if let Value::Object(m) = &mut v {
                    m.retain(|k, _| !k.starts_with("@odata.") && !sent(k));
                }
                v
            };
            let check2 = "properties absent from the PATCH body keep their values";
            if unsent(original) == unsent(&now) {
                ctx.pass("PATCH-2", check2);
            } else {
                ctx.fail_diff("PATCH-2", check2, &unsent(original), &unsent(&now), Some(rr.exchange));
            }
            let strip = |v: &Value| {
                let mut v = v.clone();
                if let Value::Object(m) = &mut v {
                    m.remove("@odata.context");
                }
                v
            };
            let check8 = "the PATCH response equals the GET after it";
            if strip(&now) == strip(&got) {
                ctx.pass("PATCH-8", check8);
            } else {
                ctx.fail_diff("PATCH-8", check8, &strip(&got), &strip(&now), Some(rr.exchange));
            }
            Some(now)
        }
        Err(e) => {
            ctx.fail(
                "PATCH-8",
                "the PATCH response equals the GET after it",
                "200 and the contact",
                &e,
                None,
            );
            None
        }
    }
}

/// PATCH-13: moving the contact to another customer, and back.
async fn relink(ctx: &mut Ctx, target: &str) {
    let check = "PATCH with the customerId of no customer gets 400";
    let unknown = Uuid::new_v4().to_string();
    let body = json!({"customerId": unknown});
    refused(
        ctx,
        "PATCH-13",
        check,
        target,
        |c, e| patch(c, target, Some(e), &body),
        &[400],
        None,
    )
    .await;
    let Ok((state, _)) = ctx.read_contact(target).await else {
        return;
    };
    let current = state
        .get("customerId")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_ascii_lowercase();
    let other = ctx.contacts.iter().find_map(|c| {
        let cid = c.get("customerId").and_then(Value::as_str)?.to_ascii_lowercase();
        (cid != current).then(|| (cid, c.get("customerName").cloned().unwrap_or(Value::Null)))
    });
    let Some((other_id, other_name)) = other else {
        let why = "skipped: every listed contact belongs to the same customer; re-linking needs a second one";
        ctx.skip("PATCH-13", "customerId re-links the contact", why);
        return;
    };
    let check = "writing another customer's id re-links the contact and customerName follows";
    let etag = etag_of(&state).unwrap_or_default();
    let mut relinked = None;
    match ctx
        .send(patch(ctx, target, Some(&etag), &json!({"customerId": other_id})))
        .await
    {
        Ok(r) => {
            let body = r.json().unwrap_or(Value::Null);
            let same_id = body
                .get("customerId")
                .and_then(Value::as_str)
                .is_some_and(|c| c.eq_ignore_ascii_case(&other_id));
            let ok = r.status == 200 && same_id && body.get("customerName") == Some(&other_name);
            let expected = format!("200 with customerId {other_id} and customerName {other_name}");
            ctx.expect("PATCH-13", check, ok, &expected, &r);
            relinked = etag_of(&body);
        }
        Err(e) => ctx.transport_failure("PATCH-13", check, "200", &e),
    }
    let back = state.get("customerId").cloned().unwrap_or(Value::Null);
    let etag = relinked.unwrap_or(etag);
    let _ = ctx
        .send(patch(ctx, target, Some(&etag), &json!({"customerId": back})))
        .await;
}

/// CONC-1 for PATCH: eight writers with the same etag.
async fn concurrent_patches(ctx: &mut Ctx, target: &str) {
    let check = "of 8 concurrent PATCHes with the same etag exactly one succeeds and its value stays";
    let Ok((state, _)) = ctx.read_contact(target).await else {
        ctx.fail("CONC-1", check, "the contact to write to", "it could not be read", None);
        return;
    };
    let etag = etag_of(&state).unwrap_or_default();
    let requests: Vec<Req> = (0..8)
        .map(|i| {
            patch(
                ctx,
                target,
                Some(&etag),
                &json!({"professionalTitle": format!("Concurrent {i}")}),
            )
        })
        .collect();
    let replies = futures::future::join_all(requests.into_iter().map(|r| ctx.send(r))).await;
    let mut winners = Vec::new();
    let mut problems = Vec::new();
    let mut exchange = None;
    for (i, r) in replies.iter().enumerate() {
        match r {
            Ok(r) if r.status == 200 => winners.push(i),
            Ok(r) if r.status == 409 && r.error_code().as_deref() == Some("Request_EntityChanged") => {}
            Ok(r) => {
                problems.push(format!("writer {i}: {}", describe_reply(r)));
                exchange.get_or_insert(r.exchange);
            }
            Err(e) => {
                problems.push(format!("writer {i}: {e}"));
                exchange.get_or_insert(e.exchange);
            }
        }
    }
    if winners.len() != 1 {
        problems.push(format!("{} writers succeeded", winners.len()));
        if let Some(Ok(r)) = winners.get(1).and_then(|i| replies.get(*i)) {
            exchange.get_or_insert(r.exchange);
        }
    }
    if let [w] = winners.as_slice() {
        if let Ok((now, r)) = ctx.read_contact(target).await {
            let expected = format!("Concurrent {w}");
            if now.get("professionalTitle").and_then(Value::as_str) != Some(expected.as_str()) {
                problems.push(format!(
                    "the winner wrote `{expected}` but the contact reads {}",
                    now.get("professionalTitle").unwrap_or(&Value::Null)
                ));
                exchange.get_or_insert(r.exchange);
            }
        }
    }
    if problems.is_empty() {
        ctx.pass("CONC-1", check);
    } else {
        ctx.fail(
            "CONC-1",
            check,
            "one 200, seven 409 Request_EntityChanged, the winner's value kept",
            &problems.join("; "),
            exchange,
        );
    }
}

/// The ids of every listed contact (lower case), and the pages' replies.
async fn listed_ids(ctx: &Ctx) -> (BTreeSet<String>, Vec<Reply>) {
    let mut ids = BTreeSet::new();
    let pages = collect_pages(ctx, Req::get(ctx.contacts_path()), MAX_PAGES, None, |it| {
        if let Some(id) = id_of(&it) {
            ids.insert(id.to_ascii_lowercase());
        }
    })
    .await;
    (ids, pages.replies)
}

/// METH-1: POST to the collection is refused and creates nothing.
async fn post_refused(ctx: &mut Ctx) {
    let check = "POST to customerContacts is refused with a 4xx";
    let before = listed_ids(ctx).await.0;
    let body = json!({"email": "new.contact@contoso.com", "firstName": "New", "lastName": "Contact"});
    match ctx.send(Req::new(Method::POST, ctx.contacts_path()).json(&body)).await {
        Ok(r) => ctx.expect(
            "METH-1",
            check,
            (400..500).contains(&r.status),
            "a 4xx (405 expected)",
            &r,
        ),
        Err(e) => ctx.transport_failure("METH-1", check, "405", &e),
    }
    let (after, replies) = listed_ids(ctx).await;
    let created: Vec<&String> = after.difference(&before).collect();
    if created.is_empty() {
        ctx.pass("METH-1", "a refused POST creates nothing");
    } else {
        ctx.fail(
            "METH-1",
            "a refused POST creates nothing",
            "the same contacts as before",
            &format!(
                "new contact(s): {}",
                created.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
            ),
            replies.first().map(|r| r.exchange),
        );
    }
}

fn delete(ctx: &Ctx, id: &str, if_match: Option<&str>) -> Req {
    let r = Req::new(Method::DELETE, ctx.contact_path(id));
    match if_match {
        Some(e) => r.header("If-Match", e),
        None => r,
    }
}

async fn still_there(ctx: &mut Ctx, id_: &'static str, check: &str, id: &str) -> bool {
    match ctx.read_contact(id).await {
        Ok(_) => {
            ctx.pass(id_, check);
            true
        }
        Err(e) => {
            ctx.fail(id_, check, "the contact is still there (GET 200)", &e, None);
            false
        }
    }
}

/// The next contact to delete that still exists, with its state.
async fn next_victim(ctx: &Ctx, victims: &mut Vec<String>) -> Option<(String, Value)> {
    while !victims.is_empty() {
        let v = victims.remove(0);
        if let Ok((state, _)) = ctx.read_contact(&v).await {
            return Some((v, state));
        }
    }
    None
}

fn stale_etag() -> String {
    format!("W/\"stale-{}\"", Uuid::new_v4().simple())
}

pub(crate) async fn run_deletes(ctx: &mut Ctx) {
    let check = "DELETE of an id no contact has gets 404";
    match ctx.send(delete(ctx, &Uuid::new_v4().to_string(), Some("*"))).await {
        Ok(r) => ctx.expect("DEL-5", check, r.status == 404, "404", &r),
        Err(e) => ctx.transport_failure("DEL-5", check, "404", &e),
    }
    // Victims: from the end of the list, never the contact the writes use.
    let write_target = ctx.contacts.first().and_then(id_of);
    let mut victims: Vec<String> = ctx
        .contacts
        .iter()
        .rev()
        .filter_map(id_of)
        .filter(|i| !i.eq_ignore_ascii_case(DOCUMENTED_ID) && Some(i) != write_target.as_ref())
        .collect();
    let none_left = "skipped: no contact is left to delete besides the one the write checks use";

    // DEL-3: a stale etag (made stale by a write when writes are allowed).
    let Some((victim, current)) = next_victim(ctx, &mut victims).await else {
        for id in ["DEL-1", "DEL-2", "DEL-3", "DEL-4", "CONC-1"] {
            ctx.skip(id, "delete checks", none_left);
        }
        return;
    };
    let etag = etag_of(&current).unwrap_or_default();
    let stale = if ctx.opts.allow_writes {
        let title = current.get("professionalTitle").cloned().unwrap_or(json!(""));
        match ctx
            .send(patch(ctx, &victim, Some(&etag), &json!({"professionalTitle": title})))
            .await
        {
            Ok(r) if r.status == 200 => etag.clone(),
            _ => stale_etag(),
        }
    } else {
        stale_etag()
    };
    let check = "DELETE with a stale If-Match gets 409 Request_EntityChanged";
    match ctx.send(delete(ctx, &victim, Some(&stale))).await {
        Ok(r) => {
            let ok = r.status == 409 && r.error_code().as_deref() == Some("Request_EntityChanged");
            ctx.expect("DEL-3", check, ok, "409 with error code Request_EntityChanged", &r)
        }
        Err(e) => ctx.transport_failure("DEL-3", check, "409", &e),
    }
    if still_there(ctx, "DEL-3", "a stale DELETE deletes nothing", &victim).await {
        victims.insert(0, victim);
    }

    // DEL-4: no If-Match.
    let Some((victim, _)) = next_victim(ctx, &mut victims).await else {
        for id in ["DEL-1", "DEL-2", "DEL-4", "CONC-1"] {
            ctx.skip(id, "delete checks", none_left);
        }
        return;
    };
    let check = "DELETE without If-Match gets 400 BadRequest_InvalidToken";
    match ctx.send(delete(ctx, &victim, None)).await {
        Ok(r) => {
            let ok = r.status == 400 && r.error_code().as_deref() == Some("BadRequest_InvalidToken");
            ctx.expect("DEL-4", check, ok, "400 with error code BadRequest_InvalidToken", &r);
        }
        Err(e) => ctx.transport_failure("DEL-4", check, "400", &e),
    }
    if still_there(ctx, "DEL-4", "a DELETE without If-Match deletes nothing", &victim).await {
        victims.insert(0, victim);
    }

    // DEL-1 and the documented DELETE exchange, then DEL-2.
    let Some((victim, current)) = next_victim(ctx, &mut victims).await else {
        for id in ["DEL-1", "DEL-2", "CONC-1"] {
            ctx.skip(id, "delete checks", none_left);
        }
        return;
    };
    let etag = etag_of(&current).unwrap_or_else(|| "*".to_owned());
    let check = "documented DELETE exchange: 204 with an empty body";
    match ctx.send(delete(ctx, &victim, Some(&etag))).await {
        Ok(r) => ctx.expect(
            "DEL-1",
            check,
            r.status == 204 && r.body.is_empty(),
            "204 and no body",
            &r,
        ),
        Err(e) => ctx.transport_failure("DEL-1", check, "204", &e),
    }
    gone(ctx, &victim).await;

    // CONC-1 for DELETE: four deleters with the same etag.
    let Some((second, current)) = next_victim(ctx, &mut victims).await else {
        ctx.skip(
            "CONC-1",
            "concurrent DELETEs with the same etag",
            "skipped: needs a second contact to delete",
        );
        return;
    };
    let etag = etag_of(&current).unwrap_or_else(|| "*".to_owned());
    let requests: Vec<Req> = (0..4).map(|_| delete(ctx, &second, Some(&etag))).collect();
    let replies = futures::future::join_all(requests.into_iter().map(|r| ctx.send(r))).await;
    // Success is any 2xx here: that DELETE answers 204 is DEL-1's business.
    let ok_count = replies
        .iter()
        .filter(|r| r.as_ref().is_ok_and(|r| (200..300).contains(&r.status)))
        .count();
    let refused_ok =
        |r: &Reply| r.status == 404 || (r.status == 409 && r.error_code().as_deref() == Some("Request_EntityChanged"));
    let bad: Vec<&Reply> = replies
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .filter(|r| !(200..300).contains(&r.status) && !refused_ok(r))
        .collect();
    let check = "of 4 concurrent DELETEs with the same etag exactly one succeeds; the others get 409 or 404";
    let errors = replies.iter().filter(|r| r.is_err()).count();
    if ok_count == 1 && bad.is_empty() && errors == 0 {
        ctx.pass("CONC-1", check);
    } else {
        let found = format!(
            "{ok_count} succeeded, {} other answers, {errors} without a response",
            bad.len()
        );
        let exchange = bad
            .first()
            .map(|r| r.exchange)
            .or_else(|| replies.iter().find_map(|r| r.as_ref().ok().map(|r| r.exchange)));
        ctx.fail(
            "CONC-1",
            check,
            "one 2xx, the rest 409 Request_EntityChanged or 404",
            &found,
            exchange,
        );
    }
}

async fn gone(ctx: &mut Ctx, victim: &str) {
    let check = "a deleted contact gets 404";
    match ctx.send(Req::get(ctx.contact_path(victim))).await {
        Ok(r) => ctx.expect("DEL-2", check, r.status == 404, "404", &r),
        Err(e) => ctx.transport_failure("DEL-2", check, "404", &e),
    }
    let (ids, replies) = listed_ids(ctx).await;
    let listed = ids.contains(&victim.to_ascii_lowercase());
    if listed {
        ctx.fail(
            "DEL-2",
            "a deleted contact is no longer listed",
            "the list without it",
            &format!("{victim} is still listed"),
            replies.first().map(|r| r.exchange),
        );
    } else {
        ctx.pass("DEL-2", "a deleted contact is no longer listed");
    }
}

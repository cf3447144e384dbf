//! The checks that write (`--allow-writes`): each PATCHes the one contact
//! the write checks share, whose editable values are read before the first
//! and put back after the last (`begin`, `end`), or, when the run stops
//! early, by the run itself (`put_back`).

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use super::contact::{DOCUMENTED_ID, ENTITY, documented_differences, documented_example, etag_of, id_of};
use super::http::{Auth, Req};
use super::listing::listed_ids;
use super::{Checked, Ctx, Stop, describe_reply};
use crate::contract::Id;

pub(crate) fn patch(ctx: &Ctx, id: &str, if_match: Option<&str>, body: &Value) -> Req {
    let mut r = Req::new(Method::PATCH, ctx.contact_path(id)).json(body);
    if let Some(e) = if_match {
        r = r.header("If-Match", e);
    }
    r
}

/// The contact the write checks share: the documented one where it is
/// listed, else the first listed. Reads it, and from then on a stop or the
/// deadline puts its editable values back. `Err` (a skip's reason) when it
/// cannot be read, which PATCH-1 records.
pub(crate) async fn begin(ctx: &mut Ctx) -> Result<(), String> {
    let target = ctx
        .contacts
        .iter()
        .filter_map(id_of)
        .find(|i| i.eq_ignore_ascii_case(DOCUMENTED_ID))
        .or_else(|| ctx.contacts.first().and_then(id_of))
        .ok_or_else(|| "skipped: the list has no contacts to write to".to_owned())?;
    let original = read_before_writing(ctx, &target)
        .await
        .map_err(|Stop| "skipped: the contact to write to could not be read (see PATCH-1)".to_owned())?;
    let restore = ctx.contact.editable(&original);
    ctx.pending_restore = Some((target.clone(), restore));
    ctx.write_target = Some(target);
    Ok(())
}

/// The contact's state before a write; PATCH-1 records why when it cannot
/// be read.
async fn read_before_writing(ctx: &mut Ctx, target: &str) -> Result<Value, Stop> {
    match ctx.read_contact(target).await {
        Ok((v, _)) => Ok(v),
        Err(e) => {
            let check = "read the contact before writing";
            ctx.fail(Id::Patch1, check, "200 and the contact", &e, None);
            Err(Stop)
        }
    }
}

/// Puts back every value the write checks changed (PATCH-1 says whether
/// it could).
pub(crate) async fn end(ctx: &mut Ctx) {
    ctx.write_target = None;
    let Some((target, restore)) = ctx.pending_restore.clone() else {
        return;
    };
    let check = "every value the write checks changed is put back";
    match put_back(ctx, &target, &restore).await {
        Ok(()) => {
            ctx.pending_restore = None;
            ctx.pass(Id::Patch1, check);
        }
        Err(Restore::Differs(now, exchange)) => {
            ctx.fail_diff(Id::Patch1, check, &restore, &now, Some(exchange));
        }
        Err(Restore::Failed(found, exchange)) => {
            ctx.fail(Id::Patch1, check, "200 to the restoring PATCH", &found, exchange);
        }
    }
}

/// The contact the write checks share.
fn target(ctx: &Ctx) -> Result<String, Stop> {
    ctx.write_target.clone().ok_or(Stop)
}

/// Checks that the contact still reads as `before`, etag included.
async fn unchanged(ctx: &mut Ctx, id: Id, check: &str, contact: &str, before: &Value) {
    match ctx.read_contact(contact).await {
        Ok((now, r)) => {
            if &now == before {
                ctx.pass(id, check);
            } else {
                ctx.fail_diff(id, check, before, &now, Some(r.exchange));
            }
        }
        Err(e) => ctx.fail(id, check, "the contact, unchanged", &e, None),
    }
}

/// A write that must be refused: reads the contact, sends the request
/// `make` builds from its current etag, checks the status (and the error
/// code, when given), then that nothing changed. Each refusal starts from
/// the state it finds, so one broken refusal does not spill into the next.
async fn refused(
    ctx: &mut Ctx,
    id: Id,
    check: &str,
    make: impl FnOnce(&Ctx, &str, &str) -> Req,
    statuses: &[u16],
    code: Option<&str>,
) -> Checked {
    let contact = target(ctx)?;
    let expected = statuses.iter().map(u16::to_string).collect::<Vec<_>>().join(" or ");
    let expected = match code {
        Some(c) => format!("{expected} with error code {c}"),
        None => expected,
    };
    let before = match ctx.read_contact(&contact).await {
        Ok((v, _)) => v,
        Err(e) => {
            ctx.fail(id, check, "the contact to write to", &e, None);
            return Err(Stop);
        }
    };
    let req = make(ctx, &contact, &etag_of(&before).unwrap_or_default());
    // Refused or not, what matters next is that nothing changed.
    let _ = ctx
        .expect_reply(id, check, &expected, req, |r| {
            statuses.contains(&r.status) && code.is_none_or(|c| r.error_code().as_deref() == Some(c))
        })
        .await;
    unchanged(ctx, id, &format!("{check}: nothing changed"), &contact, &before).await;
    Ok(())
}

/// AUTH-1: a PATCH without a token.
pub(crate) async fn no_token(ctx: &mut Ctx) -> Checked {
    let body = json!({"professionalTitle": "Unauthorized write"});
    refused(
        ctx,
        Id::Auth1,
        "PATCH without a token gets 401",
        |c, t, _| patch(c, t, Some("*"), &body).auth(Auth::None),
        &[401],
        None,
    )
    .await
}

/// PATCH-5: a PATCH without If-Match.
pub(crate) async fn no_if_match(ctx: &mut Ctx) -> Checked {
    let body = json!({"professionalTitle": "No If-Match"});
    refused(
        ctx,
        Id::Patch5,
        "PATCH without If-Match gets 400 BadRequest_InvalidToken",
        |c, t, _| patch(c, t, None, &body),
        &[400],
        Some("BadRequest_InvalidToken"),
    )
    .await
}

/// The documented PATCH exchange (PATCH-1, -2, -7, -8, -9, REP-1, -2, -4),
/// then a PATCH with the etag it made stale (PATCH-3, -4, -7).
pub(crate) async fn documented_then_stale(ctx: &mut Ctx) -> Checked {
    let t = target(ctx)?;
    let now = read_before_writing(ctx, &t).await?;
    let old_etag = etag_of(&now).unwrap_or_default();
    let Some(after) = documented_patch(ctx, &t, &now, &old_etag).await else {
        for id in [Id::Patch3, Id::Patch4, Id::Patch7] {
            ctx.skip(
                id,
                "stale etag",
                "skipped: the PATCH that makes an etag stale did not succeed (see PATCH-1)",
            );
        }
        return Ok(());
    };
    let check = "PATCH with the etag from before the last write gets 409 Request_EntityChanged";
    let req = patch(ctx, &t, Some(&old_etag), &json!({"professionalTitle": "Stale write"}));
    let expected = "409 with error code Request_EntityChanged";
    if let Ok(r) = ctx
        .expect_reply(Id::Patch4, check, expected, req, |r| {
            r.status == 409 && r.error_code().as_deref() == Some("Request_EntityChanged")
        })
        .await
    {
        let stale = "the etag from before a successful PATCH is stale";
        ctx.expect(Id::Patch7, stale, r.status == 409, "409", &r);
    }
    unchanged(ctx, Id::Patch3, "a stale PATCH changes nothing", &t, &after).await;
    Ok(())
}

/// PATCH-6: If-Match: * matches any version.
pub(crate) async fn any_version(ctx: &mut Ctx) -> Checked {
    let t = target(ctx)?;
    let check = "PATCH with If-Match: * succeeds";
    let title = ctx
        .pending_restore
        .as_ref()
        .and_then(|(_, v)| v.get("professionalTitle").cloned())
        .unwrap_or(json!(""));
    let req = patch(ctx, &t, Some("*"), &json!({"professionalTitle": title}));
    ctx.expect_reply(Id::Patch6, check, "200 with the value sent", req, |r| {
        r.status == 200 && r.json().is_some_and(|b| b.get("professionalTitle") == Some(&title))
    })
    .await?;
    Ok(())
}

/// PATCH-9 (an id other than the key) and PATCH-10 (another customerName).
pub(crate) async fn read_only(ctx: &mut Ctx) -> Checked {
    let t = target(ctx)?;
    let body = json!({"id": Uuid::new_v4().to_string(), "professionalTitle": "Other id"});
    let check = "PATCH with an id different from the key gets 400";
    refused(
        ctx,
        Id::Patch9,
        check,
        |c, t, e| patch(c, t, Some(e), &body),
        &[400],
        None,
    )
    .await?;
    let name = ctx
        .read_contact(&t)
        .await
        .ok()
        .and_then(|(v, _)| v.get("customerName").and_then(Value::as_str).map(str::to_owned));
    let body = json!({"customerName": format!("{} (renamed)", name.unwrap_or_default())});
    let check = "PATCH with a different customerName gets 400";
    refused(
        ctx,
        Id::Patch10,
        check,
        |c, t, e| patch(c, t, Some(e), &body),
        &[400],
        None,
    )
    .await
}

/// PATCH-11: bodies that are not a contact's.
pub(crate) async fn bad_bodies(ctx: &mut Ctx) -> Checked {
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
        let make = |c: &Ctx, t: &str, e: &str| {
            Req::new(Method::PATCH, c.contact_path(t))
                .raw(body)
                .header("If-Match", e)
        };
        refused(
            ctx,
            Id::Patch11,
            &format!("PATCH with {what} gets 400"),
            make,
            &[400],
            None,
        )
        .await?;
    }
    Ok(())
}

/// PATCH-12: values past the field limits.
pub(crate) async fn limits(ctx: &mut Ctx) -> Checked {
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
            Id::Patch12,
            &check,
            |c, t, e| patch(c, t, Some(e), &body),
            &[400],
            None,
        )
        .await?;
    }
    Ok(())
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
                    Ok((now, _)) if ctx.contact.editable(&now) == *values => Ok(()),
                    Ok((now, r)) => Err(Restore::Differs(ctx.contact.editable(&now), r.exchange)),
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
    let req = patch(ctx, target, Some(etag), &body);
    let Ok(r) = ctx
        .send_for(Id::Patch1, check, "200 and the updated contact", req)
        .await
    else {
        return None;
    };
    let Some(got) = r.json().filter(|_| r.status == 200) else {
        ctx.expect(Id::Patch1, check, false, "200 and the updated contact", &r);
        ctx.expect(Id::Patch9, "a body id equal to the key is accepted", false, "200", &r);
        return None;
    };
    ctx.pass(Id::Patch9, "a body id equal to the key is accepted");
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
    rep.extend(ctx.contact.problems(&got, true));
    if rep.is_empty() {
        ctx.pass(Id::Rep1, "the PATCH response is a customerContact");
    } else {
        let found = rep.join("; ");
        ctx.fail(
            Id::Rep1,
            "the PATCH response is a customerContact",
            "the customerContact schema",
            &found,
            Some(r.exchange),
        );
    }
    if sent_ok {
        ctx.pass(Id::Patch1, check);
    } else {
        let found = describe_reply(&r);
        ctx.fail(
            Id::Patch1,
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
                    Id::Patch1,
                    "documented PATCH exchange: the values sent",
                    &a,
                    &b,
                    Some(r.exchange),
                );
            }
            if let Some((a, b)) = documented_differences(&doc, &got, |k| !sent(k)) {
                ctx.fail_diff(
                    Id::Patch2,
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
        Id::Patch7,
        "a successful PATCH changes the etag",
        changed,
        "a new @odata.etag",
        &r,
    );
    ctx.expect(
        Id::Rep2,
        "the PATCH response carries @odata.etag",
        new_etag.is_some(),
        "@odata.etag",
        &r,
    );
    let header_ok = r.header("etag").is_some() && r.header("etag").map(str::to_owned) == new_etag;
    ctx.expect(
        Id::Rep4,
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
                ctx.pass(Id::Patch2, check2);
            } else {
                ctx.fail_diff(Id::Patch2, check2, &unsent(original), &unsent(&now), Some(rr.exchange));
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
                ctx.pass(Id::Patch8, check8);
            } else {
                ctx.fail_diff(Id::Patch8, check8, &strip(&got), &strip(&now), Some(rr.exchange));
            }
            Some(now)
        }
        Err(e) => {
            ctx.fail(
                Id::Patch8,
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
pub(crate) async fn relink(ctx: &mut Ctx) -> Checked {
    let target = &target(ctx)?;
    let check = "PATCH with the customerId of no customer gets 400";
    let unknown = Uuid::new_v4().to_string();
    let body = json!({"customerId": unknown});
    refused(
        ctx,
        Id::Patch13,
        check,
        |c, t, e| patch(c, t, Some(e), &body),
        &[400],
        None,
    )
    .await?;
    let Ok((state, _)) = ctx.read_contact(target).await else {
        return Ok(());
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
        ctx.skip(Id::Patch13, "customerId re-links the contact", why);
        return Ok(());
    };
    let check = "writing another customer's id re-links the contact and customerName follows";
    let etag = etag_of(&state).unwrap_or_default();
    let expected = format!("200 with customerId {other_id} and customerName {other_name}");
    let req = patch(ctx, target, Some(&etag), &json!({"customerId": other_id}));
    let relinked = ctx
        .expect_reply(Id::Patch13, check, &expected, req, |r| {
            let body = r.json().unwrap_or(Value::Null);
            let same_id = body
                .get("customerId")
                .and_then(Value::as_str)
                .is_some_and(|c| c.eq_ignore_ascii_case(&other_id));
            r.status == 200 && same_id && body.get("customerName") == Some(&other_name)
        })
        .await
        .ok()
        .and_then(|r| r.json().as_ref().and_then(etag_of));
    // Back to the customer it had, whatever happened.
    let back = state.get("customerId").cloned().unwrap_or(Value::Null);
    let etag = relinked.unwrap_or(etag);
    let _ = ctx
        .send(patch(ctx, target, Some(&etag), &json!({"customerId": back})))
        .await;
    Ok(())
}

/// CONC-1 for PATCH: eight writers with the same etag.
pub(crate) async fn concurrent(ctx: &mut Ctx) -> Checked {
    let target = &target(ctx)?;
    let check = "of 8 concurrent PATCHes with the same etag exactly one succeeds and its value stays";
    let Ok((state, _)) = ctx.read_contact(target).await else {
        ctx.fail(
            Id::Conc1,
            check,
            "the contact to write to",
            "it could not be read",
            None,
        );
        return Err(Stop);
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
        ctx.pass(Id::Conc1, check);
    } else {
        ctx.fail(
            Id::Conc1,
            check,
            "one 200, seven 409 Request_EntityChanged, the winner's value kept",
            &problems.join("; "),
            exchange,
        );
    }
    Ok(())
}
/// METH-1: POST to the collection is refused and creates nothing.
pub(crate) async fn post_refused(ctx: &mut Ctx) -> Checked {
    let check = "POST to customerContacts is refused with a 4xx";
    let before = listed_ids(ctx).await.0;
    let body = json!({"email": "new.contact@contoso.com", "firstName": "New", "lastName": "Contact"});
    let req = Req::new(Method::POST, ctx.contacts_path()).json(&body);
    // Whether or not it answered, the POST may have created something.
    let _ = ctx
        .expect_reply(Id::Meth1, check, "a 4xx (405 expected)", req, |r| {
            (400..500).contains(&r.status)
        })
        .await;
    let (after, replies) = listed_ids(ctx).await;
    let created: Vec<&String> = after.difference(&before).collect();
    if created.is_empty() {
        ctx.pass(Id::Meth1, "a refused POST creates nothing");
    } else {
        ctx.fail(
            Id::Meth1,
            "a refused POST creates nothing",
            "the same contacts as before",
            &format!(
                "new contact(s): {}",
                created.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
            ),
            replies.first().map(|r| r.exchange),
        );
    }
    Ok(())
}

//! The checks that delete contacts (`--allow-delete`). They take their
//! contacts (`victims`) from the end of the list, never the documented one
//! nor the one the write checks change; a contact a refused DELETE left in
//! place goes back to the front for the next check.

use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use super::contact::{DOCUMENTED_ID, etag_of, id_of};
use super::http::{Reply, Req};
use super::listing::listed_ids;
use super::writes::patch;
use super::{Checked, Ctx};
use crate::contract::Id;

fn delete(ctx: &Ctx, id: &str, if_match: Option<&str>) -> Req {
    let r = Req::new(Method::DELETE, ctx.contact_path(id));
    match if_match {
        Some(e) => r.header("If-Match", e),
        None => r,
    }
}

/// The contacts the delete checks may delete, in the order they take them.
pub(crate) fn begin(ctx: &mut Ctx) {
    let write_target = ctx.contacts.first().and_then(id_of);
    ctx.victims = ctx
        .contacts
        .iter()
        .rev()
        .filter_map(id_of)
        .filter(|i| !i.eq_ignore_ascii_case(DOCUMENTED_ID) && Some(i) != write_target.as_ref())
        .collect();
}

const NONE_LEFT: &str = "skipped: no contact is left to delete besides the one the write checks use";

/// The next contact to delete that still exists, with its state; when none
/// is left, a skip of each of `ids`.
async fn next_victim(ctx: &mut Ctx, ids: &[Id], check: &str) -> Option<(String, Value)> {
    while !ctx.victims.is_empty() {
        let v = ctx.victims.remove(0);
        if let Ok((state, _)) = ctx.read_contact(&v).await {
            return Some((v, state));
        }
    }
    for id in ids {
        ctx.skip(*id, check, NONE_LEFT);
    }
    None
}

/// Whether the contact is still there (`check` of `id` says so); it goes
/// back to the front of the victims when it is.
async fn still_there(ctx: &mut Ctx, id: Id, check: &str, victim: String) {
    match ctx.read_contact(&victim).await {
        Ok(_) => {
            ctx.pass(id, check);
            ctx.victims.insert(0, victim);
        }
        Err(e) => ctx.fail(id, check, "the contact is still there (GET 200)", &e, None),
    }
}

fn stale_etag() -> String {
    format!("W/\"stale-{}\"", Uuid::new_v4().simple())
}

/// DEL-5: a DELETE of an id no contact has.
pub(crate) async fn unknown(ctx: &mut Ctx) -> Checked {
    let check = "DELETE of an id no contact has gets 404";
    let req = delete(ctx, &Uuid::new_v4().to_string(), Some("*"));
    ctx.expect_reply(Id::Del5, check, "404", req, |r| r.status == 404)
        .await?;
    Ok(())
}

/// DEL-3 (a stale etag, made stale by a write when writes are allowed) and
/// DEL-4 (no If-Match): refused, and nothing deleted.
pub(crate) async fn refused(ctx: &mut Ctx) -> Checked {
    let Some((victim, current)) = next_victim(ctx, &[Id::Del3, Id::Del4], "delete checks").await else {
        return Ok(());
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
    let expected = "409 with error code Request_EntityChanged";
    let req = delete(ctx, &victim, Some(&stale));
    let _ = ctx
        .expect_reply(Id::Del3, check, expected, req, |r| {
            r.status == 409 && r.error_code().as_deref() == Some("Request_EntityChanged")
        })
        .await;
    still_there(ctx, Id::Del3, "a stale DELETE deletes nothing", victim).await;

    let Some((victim, _)) = next_victim(ctx, &[Id::Del4], "delete checks").await else {
        return Ok(());
    };
    let check = "DELETE without If-Match gets 400 BadRequest_InvalidToken";
    let expected = "400 with error code BadRequest_InvalidToken";
    let req = delete(ctx, &victim, None);
    let _ = ctx
        .expect_reply(Id::Del4, check, expected, req, |r| {
            r.status == 400 && r.error_code().as_deref() == Some("BadRequest_InvalidToken")
        })
        .await;
    still_there(ctx, Id::Del4, "a DELETE without If-Match deletes nothing", victim).await;
    Ok(())
}

/// DEL-1, the documented DELETE exchange, then DEL-2: the contact is gone.
pub(crate) async fn documented(ctx: &mut Ctx) -> Checked {
    let Some((victim, current)) = next_victim(ctx, &[Id::Del1, Id::Del2], "delete checks").await else {
        return Ok(());
    };
    let etag = etag_of(&current).unwrap_or_else(|| "*".to_owned());
    let check = "documented DELETE exchange: 204 with an empty body";
    let req = delete(ctx, &victim, Some(&etag));
    let _ = ctx
        .expect_reply(Id::Del1, check, "204 and no body", req, |r| {
            r.status == 204 && r.body.is_empty()
        })
        .await;
    let check = "a deleted contact gets 404";
    let req = Req::get(ctx.contact_path(&victim));
    let _ = ctx.expect_reply(Id::Del2, check, "404", req, |r| r.status == 404).await;
    let (ids, replies) = listed_ids(ctx).await;
    let check = "a deleted contact is no longer listed";
    if ids.contains(&victim.to_ascii_lowercase()) {
        ctx.fail(
            Id::Del2,
            check,
            "the list without it",
            &format!("{victim} is still listed"),
            replies.first().map(|r| r.exchange),
        );
    } else {
        ctx.pass(Id::Del2, check);
    }
    Ok(())
}

/// CONC-1 for DELETE: four deleters with the same etag.
pub(crate) async fn concurrent(ctx: &mut Ctx) -> Checked {
    let name = "concurrent DELETEs with the same etag";
    let Some((second, current)) = next_victim(ctx, &[Id::Conc1], name).await else {
        return Ok(());
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
        ctx.pass(Id::Conc1, check);
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
            Id::Conc1,
            check,
            "one 2xx, the rest 409 Request_EntityChanged or 404",
            &found,
            exchange,
        );
    }
    Ok(())
}

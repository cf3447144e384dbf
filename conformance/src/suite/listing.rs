//! Listings: a collection followed through every `@odata.nextLink`,
//! bounded in pages, in bytes and against links seen before, each page read
//! entity by entity and dropped, so memory stays near one page whatever a
//! server sends.

use std::collections::BTreeSet;

use serde_json::Value;

use super::http::{Reply, Req};
use super::{Ctx, describe_reply};

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
    pub(crate) fn outcome(self) -> Result<Reply, (String, Option<usize>)> {
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

/// How many entities a page holds, read without building them.
pub(crate) fn page_len(r: &Reply) -> Option<usize> {
    let page = serde_json::from_slice::<RawPage<'_>>(&r.body).ok()?;
    serde_json::from_str::<Vec<serde::de::IgnoredAny>>(page.value?.get())
        .ok()
        .map(|v| v.len())
}

/// What `keep` takes of every entity of a listing, following its
/// nextLinks, and the last page's reply or what went wrong and where.
pub(crate) async fn listing<T>(
    ctx: &Ctx,
    target: String,
    expected: usize,
    mut keep: impl FnMut(&Value) -> T,
) -> (Vec<T>, Result<Reply, (String, Option<usize>)>) {
    let mut kept = Vec::new();
    let pages = collect_pages(ctx, Req::get(target), expected + 5, None, |v| kept.push(keep(&v))).await;
    (kept, pages.outcome())
}

/// The ids of every listed contact (lower case), and the pages' replies.
pub(crate) async fn listed_ids(ctx: &Ctx) -> (BTreeSet<String>, Vec<Reply>) {
    let mut ids = BTreeSet::new();
    let pages = collect_pages(ctx, Req::get(ctx.contacts_path()), MAX_PAGES, None, |it| {
        if let Some(id) = super::contact::id_of(&it) {
            ids.insert(id.to_ascii_lowercase());
        }
    })
    .await;
    (ids, pages.replies)
}

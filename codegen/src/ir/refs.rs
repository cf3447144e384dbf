//! Following references while lowering, the typed document's one follower
//! (`spec::refs::target` is the raw tree's). By then `spec::refs` has made
//! every reference name a whole component (`#/components/<section>/<name>`)
//! and validation has reported missing links and cycles, so one function
//! follows a chain of them for every kind of object.

use indexmap::IndexMap;
use openapiv3::{Components, OpenAPI, ReferenceOr};

/// The component a reference names in `section` (`schemas`, `parameters`,
/// …), unescaped as a JSON pointer's segment.
pub(crate) fn component_name(reference: &str, section: &str) -> Option<String> {
    let key = reference
        .strip_prefix("#/components/")?
        .strip_prefix(section)?
        .strip_prefix('/')?;
    crate::spec::refs::segments(&format!("/{key}")).pop()
}

/// Follows `r` through the components of one section: the object at the
/// end of the chain, and the pointer of the last component on the way
/// (`None` when `r` is written inline). `None` when a link is missing or
/// the chain loops.
pub(crate) fn follow<'a, T>(
    api: &'a OpenAPI,
    r: &'a ReferenceOr<T>,
    section_key: &str,
    section: fn(&'a Components) -> &'a IndexMap<String, ReferenceOr<T>>,
) -> Option<(&'a T, Option<String>)> {
    let mut current = r;
    let mut last = None;
    for _ in 0..crate::spec::refs::MAX_HOPS {
        match current {
            ReferenceOr::Item(t) => return Some((t, last)),
            ReferenceOr::Reference { reference } => {
                let name = component_name(reference, section_key)?;
                current = section(api.components.as_ref()?).get(&name)?;
                last = reference.strip_prefix('#').map(str::to_owned);
            }
        }
    }
    None
}

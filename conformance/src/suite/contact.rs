//! The customerContact as the spec describes it: its properties, read from
//! the spec through `bc-spec` (the one list the suite works from), what a
//! representation must look like, and the documented exchanges the checks
//! replay.

use serde_json::Value;
use uuid::Uuid;

use super::Ctx;

/// The spec's paths, for schema checks and documented examples.
pub(crate) const LIST: &str = "/companies({companyId})/customerContacts";
pub(crate) const ENTITY: &str = "/companies({companyId})/customerContacts({customerContactId})";
pub(crate) const PDF: &str = "/companies({companyId})/customerContacts({customerContactId})/pdfDocument";

/// The documented contact of the seed pages, as the spec's examples carry it.
pub(crate) const DOCUMENTED_ID: &str = "e3a5c0b1-0123-4d6e-9f10-2a3b4c5d6e7f";

/// A contact's properties, as the spec lists them (annotations such as
/// `@odata.etag` aside).
#[derive(Debug, Clone)]
pub(crate) struct Contact {
    properties: Vec<bc_spec::Property>,
}

impl Contact {
    pub(crate) fn from_spec(spec: &bc_spec::Spec) -> Result<Contact, bc_spec::SpecError> {
        let properties = spec
            .properties("customerContact")?
            .into_iter()
            .filter(|p| !p.name.starts_with("@odata."))
            .collect();
        Ok(Contact { properties })
    }

    /// What a contact is expected to be, for a failure: its properties,
    /// GUID ids, string values.
    pub(crate) fn expected(&self) -> String {
        let names: Vec<&str> = self.properties.iter().map(|p| p.name.as_str()).collect();
        format!("{}; GUID ids, string values", names.join(", "))
    }

    /// What is wrong with one representation; `full` when every property
    /// must be there.
    pub(crate) fn problems(&self, v: &Value, full: bool) -> Vec<String> {
        let Value::Object(m) = v else {
            return vec![format!("expected a JSON object, found {v}")];
        };
        let mut p = Vec::new();
        for (k, val) in m {
            // Annotations, and the navigation `$expand` may add.
            if k.starts_with("@odata.") || k.contains("@odata.") || k == "pdfDocument" {
                continue;
            }
            match self.properties.iter().find(|q| q.name == *k) {
                None => p.push(format!("unexpected property `{k}`")),
                Some(q) if q.guid => {
                    if !is_guid(val) {
                        p.push(format!("`{k}` is not a GUID string: {val}"));
                    }
                }
                Some(_) if !val.is_string() => p.push(format!("`{k}` is not a string: {val}")),
                Some(_) => {}
            }
        }
        if full {
            for q in &self.properties {
                if !m.contains_key(&q.name) {
                    p.push(format!("missing property `{}`", q.name));
                }
            }
        }
        p
    }

    /// The values a client may change, as a PATCH body that puts them back.
    pub(crate) fn editable(&self, v: &Value) -> Value {
        let mut out = serde_json::Map::new();
        for q in self.properties.iter().filter(|q| !q.read_only) {
            if let Some(x) = v.get(&q.name) {
                out.insert(q.name.clone(), x.clone());
            }
        }
        Value::Object(out)
    }
}

pub(crate) fn is_guid(v: &Value) -> bool {
    v.as_str().is_some_and(|s| s.len() == 36 && Uuid::parse_str(s).is_ok())
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
    let path = format!(
        "/paths/{}/{method}/responses/200/content/application~1json/examples/documented/value",
        ENTITY.replace('/', "~1")
    );
    ctx.spec.document().pointer(&path).cloned()
}

/// The etag of an entity body.
pub(crate) fn etag_of(v: &Value) -> Option<String> {
    v.get("@odata.etag").and_then(Value::as_str).map(str::to_owned)
}

/// The id of an entity body.
pub(crate) fn id_of(v: &Value) -> Option<String> {
    v.get("id").and_then(Value::as_str).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contact() -> Contact {
        Contact::from_spec(&bc_spec::Spec::embedded().expect("parses")).expect("listed")
    }

    #[test]
    fn the_contact_is_the_specs() {
        let c = contact();
        assert_eq!(
            c.expected(),
            "id, email, firstName, lastName, professionalTitle, customerId, customerName, primaryPhoneNumber; GUID ids, string values"
        );
        let full = serde_json::json!({
            "@odata.etag": "W/\"1\"", "id": DOCUMENTED_ID, "email": "a@b.c", "firstName": "", "lastName": "",
            "professionalTitle": "", "customerId": DOCUMENTED_ID, "customerName": "", "primaryPhoneNumber": ""
        });
        assert!(c.problems(&full, true).is_empty(), "{:?}", c.problems(&full, true));
        let broken = serde_json::json!({
            "@odata.etag": "W/\"1\"", "id": DOCUMENTED_ID, "firstName": "", "lastName": "",
            "professionalTitle": "", "customerId": "x", "customerName": "", "primaryPhoneNumber": "", "nickName": "y"
        });
        assert_eq!(
            c.problems(&broken, true),
            [
                "`customerId` is not a GUID string: \"x\"",
                "unexpected property `nickName`",
                "missing property `email`"
            ]
        );
        let editable: Vec<String> = c.editable(&full).as_object().expect("object").keys().cloned().collect();
        assert_eq!(
            editable,
            [
                "email",
                "firstName",
                "lastName",
                "professionalTitle",
                "customerId",
                "primaryPhoneNumber"
            ]
        );
    }
}

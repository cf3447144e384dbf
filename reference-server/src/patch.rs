//! What a PATCH body may hold: one JSON object, each member once, of known
//! and editable properties with the right types within Business Central's
//! limits. Anything else is a 400 and changes nothing (PATCH-11).

use std::fmt;

use serde::Deserialize;
use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::error::ODataError;
use crate::store::ContactChanges;

/// A JSON value read with every object's member names checked for
/// repeats, at any depth (serde_json keeps the last of two silently).
struct Strict(Value);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Strict, D::Error> {
        d.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(Strict(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                return Err(de::Error::custom(format_args!(
                    "the member '{key}' appears more than once in one object"
                )));
            }
            let Strict(v) = map.next_value()?;
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

/// Parses JSON, refusing repeated member names.
pub(crate) fn parse_strict(body: &[u8]) -> Result<Value, serde_json::Error> {
    serde_json::from_slice::<Strict>(body).map(|s| s.0)
}

/// Checks a PATCH body of the contact `id` and returns the changes it asks for.
pub(crate) fn changes(body: &[u8], id: Uuid) -> Result<ContactChanges, ODataError> {
    let bad = |code: &'static str, message: String| ODataError::bad_request(code, message);
    let value = parse_strict(body).map_err(|e| bad("BadRequest", format!("Invalid Request Body: {e}.")))?;
    let Value::Object(map) = value else {
        return Err(bad(
            "BadRequest",
            "Invalid Request Body: expected a JSON object.".to_owned(),
        ));
    };
    let mut c = ContactChanges::default();
    for (key, v) in &map {
        if key.starts_with("@odata.") {
            continue;
        }
        let text = || -> Result<String, ODataError> {
            v.as_str().map(str::to_owned).ok_or_else(|| {
                bad(
                    "BadRequest",
                    format!("Cannot convert the value of '{key}' to Edm.String: expected a JSON string."),
                )
            })
        };
        let limited = |limit: usize| -> Result<String, ODataError> {
            let s = text()?;
            let n = s.chars().count();
            if n > limit {
                return Err(bad(
                    "Application_StringExceededLength",
                    format!(
                        "The length of the string is {n}, but it must be less than or equal to {limit} characters. Value: {s}"
                    ),
                ));
            }
            Ok(s)
        };
        let guid = || -> Result<Uuid, ODataError> {
            let s = text()?;
            exact_guid(&s).ok_or_else(|| {
                bad(
                    "BadRequest",
                    format!("Cannot convert the value '{s}' of '{key}' to Edm.Guid."),
                )
            })
        };
        match key.as_str() {
            "id" => {
                if guid()? != id {
                    return Err(bad(
                        "BadRequest_InvalidOperation",
                        "Control 'id' is read-only.".to_owned(),
                    ));
                }
            }
            "email" => {
                let e = limited(80)?;
                if !valid_email(&e) {
                    return Err(bad(
                        "Application_DialogException",
                        format!("The email address \"{e}\" is not valid."),
                    ));
                }
                c.email = Some(e);
            }
            "firstName" => c.first_name = Some(limited(30)?),
            "lastName" => c.last_name = Some(limited(30)?),
            "professionalTitle" => c.professional_title = Some(limited(30)?),
            "primaryPhoneNumber" => {
                let p = limited(30)?;
                if p.chars().any(char::is_alphabetic) {
                    return Err(bad(
                        "Application_DialogException",
                        format!("Primary Phone Number must not contain letters: '{p}'."),
                    ));
                }
                c.phone = Some(p);
            }
            "customerId" => c.customer_id = Some(guid()?),
            "customerName" => c.customer_name = Some(limited(100)?),
            other => {
                return Err(bad(
                    "BadRequest",
                    format!(
                        "The property '{other}' does not exist on type 'Microsoft.NAV.customerContact'. Make sure to only use property names that are defined by the type."
                    ),
                ));
            }
        }
    }
    Ok(c)
}

/// A GUID in its 36-character hyphenated form, nothing before or after it.
pub(crate) fn exact_guid(s: &str) -> Option<Uuid> {
    let hyphens = [8, 13, 18, 23];
    let well_formed = s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| {
            if hyphens.contains(&i) {
                b == b'-'
            } else {
                b.is_ascii_hexdigit()
            }
        });
    well_formed.then(|| Uuid::parse_str(s).ok()).flatten()
}

/// Empty, or `local@domain.tld` without spaces.
pub(crate) fn valid_email(e: &str) -> bool {
    if e.is_empty() {
        return true;
    }
    let Some((local, domain)) = e.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && !e.chars().any(|c| {
            c.is_whitespace()
                || c.is_control()
                || matches!(c, '<' | '>' | '(' | ')' | ',' | ';' | ':' | '"' | '[' | ']' | '\\')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_rules() {
        for ok in ["", "a@b.co", "john.smith@contoso.com"] {
            assert!(valid_email(ok), "{ok}");
        }
        for bad in ["a", "a@b", "@b.co", "a@@b.co", "a b@c.co", "a@.co", "a@b..co"] {
            assert!(!valid_email(bad), "{bad}");
        }
    }

    #[test]
    fn repeated_members_are_refused_at_any_depth() {
        assert!(parse_strict(br#"{"a":1,"b":2}"#).is_ok());
        let e = parse_strict(br#"{"firstName":"a","firstName":"b"}"#).unwrap_err();
        assert!(e.to_string().contains("'firstName' appears more than once"), "{e}");
        assert!(parse_strict(br#"{"x":[{"k":1,"k":1}]}"#).is_err());
        assert!(parse_strict(br#"{"x":{"k":1},"y":{"k":1}}"#).is_ok());
        assert!(changes(br#"{"firstName":"a","firstName":"b"}"#, Uuid::nil()).is_err());
    }

    #[test]
    fn guids_are_exact() {
        let g = "e3a5c0b1-0123-4d6e-9f10-2a3b4c5d6e7f";
        assert!(exact_guid(g).is_some());
        assert!(exact_guid(&g.to_uppercase()).is_some());
        for bad in [
            format!("{g}\n"),
            format!(" {g}"),
            format!("{{{g}}}"),
            g.replace('-', ""),
            format!("urn:uuid:{g}"),
            g.replacen('-', "+", 1),
        ] {
            assert!(exact_guid(&bad).is_none(), "{bad:?}");
        }
    }
}

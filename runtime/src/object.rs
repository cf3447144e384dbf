//! The shared half of the generated structs' serde impls.
//!
//! A derived `Deserialize` writes out, for every struct, a field-name
//! visitor, a sequence visitor and a map visitor with every field's
//! handling inlined; over hundreds of schemas that is most of what a
//! generated crate costs to compile. The generated impls are instead a
//! table of member names and one `match` arm per field that calls the
//! functions here, which are generic over the field's type only, so each is
//! compiled once per type (`Option<String>`, say) and shared by every
//! struct. What goes over the wire is what the derive gave: members by
//! name, unknown members skipped, a duplicate or a missing required member
//! refused with serde's own messages.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::ser::{Serialize, SerializeStruct};

use super::Nullable;

/// Reads a member name as the index of the field it names in a struct's
/// table, or the table's length for a member the struct does not have.
#[derive(Clone, Copy)]
pub struct FieldIndex(pub &'static [&'static str]);

impl<'de> DeserializeSeed<'de> for FieldIndex {
    type Value = usize;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<usize, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl<'de> Visitor<'de> for FieldIndex {
    type Value = usize;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("field identifier")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<usize, E> {
        Ok(self.0.iter().position(|name| *name == v).unwrap_or(self.0.len()))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<usize, E> {
        Ok(self
            .0
            .iter()
            .position(|name| name.as_bytes() == v)
            .unwrap_or(self.0.len()))
    }
}

/// The next member's name, as an index into `fields` (see [`FieldIndex`]).
pub fn next_key<'de, A: MapAccess<'de>>(
    map: &mut A,
    fields: &'static [&'static str],
) -> Result<Option<usize>, A::Error> {
    map.next_key_seed(FieldIndex(fields))
}

/// Reads the value of the member `name` into `slot`; a second member of
/// the same name is refused, as the derive does.
pub fn read<'de, A: MapAccess<'de>, T: de::Deserialize<'de>>(
    map: &mut A,
    slot: &mut Option<T>,
    name: &'static str,
) -> Result<(), A::Error> {
    if slot.is_some() {
        return Err(de::Error::duplicate_field(name));
    }
    *slot = Some(map.next_value()?);
    Ok(())
}

/// Skips the value of a member the struct does not have.
pub fn skip<'de, A: MapAccess<'de>>(map: &mut A) -> Result<(), A::Error> {
    map.next_value::<IgnoredAny>().map(|_| ())
}

/// The value of a required member, or serde's "missing field" error.
pub fn required<T, E: de::Error>(slot: Option<T>, name: &'static str) -> Result<T, E> {
    slot.ok_or_else(|| E::missing_field(name))
}

/// How many of the optional members are present: with the always-present
/// ones, the length a struct announces to the serializer.
pub fn count(present: &[bool]) -> usize {
    present.iter().filter(|p| **p).count()
}

/// Writes an optional member only when it is set.
pub fn optional<S: SerializeStruct, T: Serialize>(
    s: &mut S,
    name: &'static str,
    value: &Option<T>,
) -> Result<(), S::Error> {
    if value.is_some() {
        s.serialize_field(name, value)
    } else {
        s.skip_field(name)
    }
}

/// Writes a tri-state member unless it is absent (null is written).
pub fn tristate<S: SerializeStruct, T: Serialize>(
    s: &mut S,
    name: &'static str,
    value: &Nullable<T>,
) -> Result<(), S::Error> {
    if value.is_absent() {
        s.skip_field(name)
    } else {
        s.serialize_field(name, value)
    }
}

/// Of the decodings of `value` as each variant of a union (`None` where it
/// does not fit), the one whose encoding keeps the most of `value`'s
/// members and items; the first of equals. A first fit would read an
/// object of a richer variant as a poorer one that also fits.
pub fn best_fit<T: Serialize, const N: usize>(value: &serde_json::Value, candidates: [Option<T>; N]) -> Option<T> {
    let total = members(value);
    let mut best: Option<(usize, T)> = None;
    for candidate in candidates.into_iter().flatten() {
        let kept = serde_json::to_value(&candidate).map_or(0, |v| kept(value, &v));
        if kept == total {
            return Some(candidate);
        }
        if best.as_ref().is_none_or(|(k, _)| kept > *k) {
            best = Some((kept, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// The members and items of a value, at every depth, and the value itself.
fn members(v: &serde_json::Value) -> usize {
    match v {
        serde_json::Value::Object(m) => 1 + m.values().map(members).sum::<usize>(),
        serde_json::Value::Array(a) => 1 + a.iter().map(members).sum::<usize>(),
        _ => 1,
    }
}

/// How many of `a`'s members and items `b` holds alike.
fn kept(a: &serde_json::Value, b: &serde_json::Value) -> usize {
    use serde_json::Value as J;
    match (a, b) {
        (J::Object(x), J::Object(y)) => {
            1 + x
                .iter()
                .map(|(k, v)| match y.get(k) {
                    Some(w) => kept(v, w),
                    // An absent member and a null one say the same.
                    None if v.is_null() => 1,
                    None => 0,
                })
                .sum::<usize>()
        }
        (J::Array(x), J::Array(y)) if x.len() == y.len() => 1 + x.iter().zip(y).map(|(v, w)| kept(v, w)).sum::<usize>(),
        (J::Number(x), J::Number(y)) => usize::from(x.as_f64() == y.as_f64()),
        (x, y) => usize::from(x == y),
    }
}

//! Writing values into URLs: path segments (with OData key syntax left
//! readable) and query strings.

use std::fmt::Write;

/// Characters a path segment may hold as they are (RFC 3986 `pchar`):
/// unreserved, sub-delims, `:` and `@`. So OData's `(`, `)` and `'` stay.
fn path_safe(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@".contains(&b)
}

/// Characters a query value may hold as they are. `&`, `=`, `+`, `#` and `,`
/// are encoded (the comma separates list items).
fn query_safe(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~!$'()*;:@/?".contains(&b)
}

fn percent(out: &mut String, value: &str, safe: fn(u8) -> bool) {
    for &b in value.as_bytes() {
        if safe(b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
}

/// Appends `value` as one path segment. Inside an OData string key
/// (`('{no}')`), `quoted` doubles each `'` as OData requires.
pub fn push_path_segment(out: &mut String, value: &str, quoted: bool) {
    if quoted {
        percent(out, &value.replace('\'', "''"), path_safe);
    } else {
        percent(out, value, path_safe);
    }
}

/// A query string under construction.
#[derive(Debug, Default, Clone)]
pub struct Query {
    buf: String,
}

impl Query {
    fn start(&mut self, name: &str) {
        if !self.buf.is_empty() {
            self.buf.push('&');
        }
        percent(&mut self.buf, name, query_safe);
        self.buf.push('=');
    }

    pub fn push(&mut self, name: &str, value: &str) {
        self.start(name);
        percent(&mut self.buf, value, query_safe);
    }

    /// A list: `name=a,b` (`explode: false`) or `name=a&name=b`.
    pub fn push_list<I: IntoIterator<Item = String>>(&mut self, name: &str, values: I, explode: bool) {
        if explode {
            for v in values {
                self.push(name, &v);
            }
        } else {
            self.start(name);
            for (i, v) in values.into_iter().enumerate() {
                if i > 0 {
                    self.buf.push(',');
                }
                percent(&mut self.buf, &v, query_safe);
            }
        }
    }

    /// A list joined by a delimiter other than the comma, percent-encoded
    /// as a value's text is: `name=a%20b` (`' '`, `spaceDelimited`),
    /// `name=a%7Cb` (`'|'`, `pipeDelimited`), `name=a%09b` (`'\t'`,
    /// Swagger's `tsv`).
    pub fn push_delimited<I: IntoIterator<Item = String>>(&mut self, name: &str, values: I, delimiter: char) {
        self.start(name);
        let delimiter = delimiter.to_string();
        for (i, v) in values.into_iter().enumerate() {
            if i > 0 {
                percent(&mut self.buf, &delimiter, query_safe);
            }
            percent(&mut self.buf, &v, query_safe);
        }
    }

    /// An object: `style: form` exploded (`a=1&b=2`) or not
    /// (`name=a,1,b,2`), or `style: deepObject` (`name[a]=1&name[b]=2`).
    /// Members that are null or absent are left out; a list member is
    /// comma-joined; members go in the order of their names.
    pub fn push_object<T: serde::Serialize>(&mut self, name: &str, value: &T, style: ObjectStyle) {
        let members = match member_texts(value) {
            Ok(members) => members,
            // A union's scalar member (`created=1` beside `created[gt]=1`).
            Err(Some(t)) => {
                self.push(name, &t);
                return;
            }
            Err(None) => return,
        };
        let members = members.into_iter();
        match style {
            ObjectStyle::FormExploded => {
                for (k, t) in members {
                    self.push(&k, &t);
                }
            }
            ObjectStyle::Form => {
                let parts: Vec<String> = members.flat_map(|(k, t)| [k, t]).collect();
                self.push_list(name, parts, false);
            }
            ObjectStyle::DeepObject => {
                for (k, t) in members {
                    self.push(&format!("{name}[{k}]"), &t);
                }
            }
        }
    }

    /// A field of a form body, as its `encoding` says: a list exploded
    /// (`name=a&name=b`, the default) or joined; an object exploded into
    /// its members (the default), `style: form` unexploded, or
    /// `deepObject`; a nested object or list inside a list as JSON text.
    pub fn push_field(&mut self, name: &str, value: &serde_json::Value, style: FormStyle) {
        use serde_json::Value;
        match value {
            Value::Null => {}
            Value::String(s) => self.push(name, s),
            Value::Array(items) => {
                let texts = items.iter().filter_map(|v| match v {
                    Value::Null => None,
                    Value::String(s) => Some(s.clone()),
                    other => Some(other.to_string()),
                });
                match style {
                    FormStyle::Exploded | FormStyle::Deep => self.push_list(name, texts, true),
                    FormStyle::Comma => self.push_list(name, texts, false),
                    FormStyle::Space => self.push_delimited(name, texts, ' '),
                    FormStyle::Pipe => self.push_delimited(name, texts, '|'),
                    FormStyle::Tab => self.push_delimited(name, texts, '\t'),
                }
            }
            Value::Object(_) => {
                let style = match style {
                    FormStyle::Deep => ObjectStyle::DeepObject,
                    FormStyle::Comma => ObjectStyle::Form,
                    _ => ObjectStyle::FormExploded,
                };
                self.push_object(name, value, style);
            }
            other => self.push(name, &other.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.buf
    }
}

/// How a form body's field that is a list or an object is written: the
/// media type's `encoding` of it (`style`, `explode`; Swagger 2.0's
/// `collectionFormat`). `Exploded` is the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormStyle {
    /// `style: form`, `explode: true`: `a=1&a=2`; an object's members as
    /// fields of their own.
    Exploded,
    /// `style: form`, `explode: false`: `a=1,2`; an object `a=k,v,k,v`.
    Comma,
    /// `spaceDelimited`: `a=1%202`.
    Space,
    /// `pipeDelimited`: `a=1%7C2`.
    Pipe,
    /// Swagger 2.0's `tsv`: `a=1%092`.
    Tab,
    /// `deepObject`: `a[k]=v`.
    Deep,
}

/// An object's members that are not null, each as text (a list
/// comma-joined), in the order of their names: the same order whether or
/// not serde_json keeps the declaration's (its `preserve_order` feature,
/// which another crate of the build may turn on). `Err` holds the text of
/// a value that is no object (a union's scalar member), if it has one.
fn member_texts<T: serde::Serialize>(value: &T) -> Result<Vec<(String, String)>, Option<String>> {
    fn text(v: &serde_json::Value) -> Option<String> {
        match v {
            serde_json::Value::Null => None,
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Array(items) => Some(items.iter().filter_map(text).collect::<Vec<_>>().join(",")),
            other => Some(other.to_string()),
        }
    }
    match serde_json::to_value(value) {
        Ok(serde_json::Value::Object(members)) => {
            let mut members: Vec<(String, String)> = members
                .iter()
                .filter_map(|(k, v)| text(v).map(|t| (k.clone(), t)))
                .collect();
            members.sort_by(|a, b| a.0.cmp(&b.0));
            Ok(members)
        }
        Ok(other) => Err(text(&other)),
        Err(_) => Err(None),
    }
}

/// An object in a header or a path segment, `style: simple`: `k,v,k,v`, or
/// exploded `k=v,k=v` (Mastodon declares its `Idempotency-Key` header as an
/// object); a scalar (a union's other member) as its own text.
pub fn object_text<T: serde::Serialize>(value: &T, explode: bool) -> String {
    match member_texts(value) {
        Ok(members) if explode => members
            .iter()
            .map(|(k, t)| format!("{k}={t}"))
            .collect::<Vec<_>>()
            .join(","),
        Ok(members) => members
            .into_iter()
            .flat_map(|(k, t)| [k, t])
            .collect::<Vec<_>>()
            .join(","),
        Err(text) => text.unwrap_or_default(),
    }
}

/// How an object parameter is written into the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectStyle {
    Form,
    FormExploded,
    DeepObject,
}

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

    /// A list joined by a delimiter other than the comma, given as it goes
    /// on the wire: `name=a%20b` (`spaceDelimited`), `name=a%7Cb`
    /// (`pipeDelimited`), `name=a%09b` (Swagger's `tsv`).
    pub fn push_delimited<I: IntoIterator<Item = String>>(&mut self, name: &str, values: I, delimiter: &str) {
        self.start(name);
        for (i, v) in values.into_iter().enumerate() {
            if i > 0 {
                self.buf.push_str(delimiter);
            }
            percent(&mut self.buf, &v, query_safe);
        }
    }

    /// An object: `style: form` exploded (`a=1&b=2`) or not
    /// (`name=a,1,b,2`), or `style: deepObject` (`name[a]=1&name[b]=2`).
    /// Members that are null or absent are left out; a list member is
    /// comma-joined; members go in the order of their names.
    pub fn push_object<T: serde::Serialize>(&mut self, name: &str, value: &T, style: ObjectStyle) {
        fn text(v: &serde_json::Value) -> Option<String> {
            match v {
                serde_json::Value::Null => None,
                serde_json::Value::String(s) => Some(s.clone()),
                serde_json::Value::Array(items) => Some(items.iter().filter_map(text).collect::<Vec<_>>().join(",")),
                other => Some(other.to_string()),
            }
        }
        let members = match serde_json::to_value(value) {
            Ok(serde_json::Value::Object(members)) => members,
            // A union's scalar member (`created=1` beside `created[gt]=1`).
            Ok(other) => {
                if let Some(t) = text(&other) {
                    self.push(name, &t);
                }
                return;
            }
            Err(_) => return,
        };
        // By name: the same order whether or not serde_json keeps the
        // declaration order (its `preserve_order` feature, which another
        // crate of the build may turn on).
        let mut members: Vec<(&String, String)> = members.iter().filter_map(|(k, v)| text(v).map(|t| (k, t))).collect();
        members.sort_by(|a, b| a.0.cmp(b.0));
        let members = members.into_iter();
        match style {
            ObjectStyle::FormExploded => {
                for (k, t) in members {
                    self.push(k, &t);
                }
            }
            ObjectStyle::Form => {
                let parts: Vec<String> = members.flat_map(|(k, t)| [k.clone(), t]).collect();
                self.push_list(name, parts, false);
            }
            ObjectStyle::DeepObject => {
                for (k, t) in members {
                    self.push(&format!("{name}[{k}]"), &t);
                }
            }
        }
    }

    pub fn as_str(&self) -> &str {
        &self.buf
    }
}

/// How an object parameter is written into the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectStyle {
    Form,
    FormExploded,
    DeepObject,
}

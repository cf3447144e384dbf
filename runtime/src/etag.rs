//! Entity tags: what a GET returns in `ETag` (or `@odata.etag`) and what a
//! PATCH or DELETE sends back in `If-Match`.

use std::fmt;

/// An opaque entity tag, such as `W/"JzQ0OzE7MDA7Jw=="`, or `*`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ETag(String);

impl ETag {
    pub fn new(value: impl Into<String>) -> ETag {
        ETag(value.into())
    }

    /// `*`: matches any current version.
    pub fn any() -> ETag {
        ETag("*".to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_any(&self) -> bool {
        self.0 == "*"
    }

    /// A weak tag, `W/"…"`.
    pub fn is_weak(&self) -> bool {
        self.0.starts_with("W/")
    }
}

impl fmt::Display for ETag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for ETag {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<String> for ETag {
    fn from(value: String) -> Self {
        ETag(value)
    }
}

impl From<&str> for ETag {
    fn from(value: &str) -> Self {
        ETag(value.to_owned())
    }
}

impl From<&String> for ETag {
    fn from(value: &String) -> Self {
        ETag(value.clone())
    }
}

impl From<&ETag> for ETag {
    fn from(value: &ETag) -> Self {
        value.clone()
    }
}

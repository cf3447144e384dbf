//! `multipart/form-data` bodies: text fields, JSON parts and files, each
//! part with its name, file name and content type, encoded by reqwest's own
//! multipart writer at send time.
//!
//! A body is kept as its parts, not as encoded bytes, so that a request can
//! be sent again (a retry after 429 or 503, a renewal after 401) with a
//! fresh boundary: parts from bytes are cheap to send twice. A file given as
//! a stream can be read once only, so a request that holds one is sent once,
//! never retried.

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};

use super::auth::BoxError;
use super::error::Failure;

/// A file sent as one part of a `multipart/form-data` body: its bytes, or a
/// stream of them (read once, as the request goes out), with the file name
/// and content type the server sees.
///
/// ```ignore
/// // The crate's own path: a generated crate re-exports it at its root.
/// let part = FilePart::bytes(&b"id,name\n1,Ada\n"[..])
///     .file_name("people.csv")
///     .content_type("text/csv");
/// ```
#[derive(Clone)]
pub struct FilePart {
    source: Source,
    file_name: Option<String>,
    content_type: Option<String>,
}

/// A file's stream, taken by the first send.
type Once = Arc<Mutex<Option<BoxStream<'static, Result<Bytes, BoxError>>>>>;

#[derive(Clone)]
enum Source {
    Bytes(Bytes),
    /// Its length when known.
    Stream(Once, Option<u64>),
}

impl std::fmt::Debug for FilePart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let source = match &self.source {
            Source::Bytes(b) => format!("{} bytes", b.len()),
            Source::Stream(_, Some(n)) => format!("a stream of {n} bytes"),
            Source::Stream(_, None) => "a stream".to_owned(),
        };
        f.debug_struct("FilePart")
            .field("source", &source)
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .finish()
    }
}

impl FilePart {
    /// A file from bytes in memory.
    pub fn bytes(data: impl Into<Bytes>) -> FilePart {
        FilePart {
            source: Source::Bytes(data.into()),
            file_name: None,
            content_type: None,
        }
    }

    /// A file read from a stream as the request is sent (a file on disk
    /// through `tokio_util::io::ReaderStream`, say), without holding it in
    /// memory. `length`, when known, is sent as the part's size. A request
    /// with a streamed part is sent once: it is not retried.
    pub fn stream<S, E>(stream: S, length: Option<u64>) -> FilePart
    where
        S: futures::Stream<Item = Result<Bytes, E>> + Send + 'static,
        E: Into<BoxError> + 'static,
    {
        FilePart {
            source: Source::Stream(Arc::new(Mutex::new(Some(stream.map_err(Into::into).boxed()))), length),
            file_name: None,
            content_type: None,
        }
    }

    /// The file name the server sees (`filename=` of the part).
    pub fn file_name(mut self, name: impl Into<String>) -> FilePart {
        self.file_name = Some(name.into());
        self
    }

    /// The part's content type; without one, the spec's `encoding` for the
    /// field, or `application/octet-stream`.
    pub fn content_type(mut self, content_type: impl Into<String>) -> FilePart {
        self.content_type = Some(content_type.into());
        self
    }
}

impl From<Bytes> for FilePart {
    fn from(data: Bytes) -> FilePart {
        FilePart::bytes(data)
    }
}

impl From<Vec<u8>> for FilePart {
    fn from(data: Vec<u8>) -> FilePart {
        FilePart::bytes(data)
    }
}

/// The parts of a `multipart/form-data` body, in order. Generated
/// operations fill one from their form's fields; an operation whose spec
/// does not describe its parts takes one built by hand.
#[derive(Debug, Clone, Default)]
pub struct Multipart {
    parts: Vec<(String, Part)>,
}

#[derive(Debug, Clone)]
enum Part {
    Text(String, Option<String>),
    File(FilePart, String),
}

impl Multipart {
    pub fn new() -> Multipart {
        Multipart::default()
    }

    /// A text field.
    pub fn text(mut self, name: &str, value: impl Into<String>) -> Multipart {
        self.push_text(name, value.into(), None);
        self
    }

    /// A field whose text has a content type of its own.
    pub fn text_as(mut self, name: &str, value: impl Into<String>, content_type: &str) -> Multipart {
        self.push_text(name, value.into(), Some(content_type));
        self
    }

    /// A value as a JSON part (`application/json`, or `content_type`).
    pub fn json<T: serde::Serialize>(
        mut self,
        name: &str,
        value: &T,
        content_type: Option<&str>,
    ) -> Result<Multipart, Failure> {
        self.push_json(name, value, content_type)?;
        Ok(self)
    }

    /// A file; `default_type` is its content type unless the file names
    /// one.
    pub fn file(mut self, name: &str, file: FilePart, default_type: &str) -> Multipart {
        self.push_file(name, &file, default_type);
        self
    }

    /// A text part, in place (what generated forms call).
    #[doc(hidden)]
    pub fn push_text(&mut self, name: &str, value: String, content_type: Option<&str>) {
        self.parts
            .push((name.to_owned(), Part::Text(value, content_type.map(str::to_owned))));
    }

    /// A text part per value, under one name.
    #[doc(hidden)]
    pub fn push_texts<I: IntoIterator<Item = String>>(&mut self, name: &str, values: I, content_type: Option<&str>) {
        for v in values {
            self.push_text(name, v, content_type);
        }
    }

    /// A value as a JSON part, in place.
    #[doc(hidden)]
    pub fn push_json<T: serde::Serialize>(
        &mut self,
        name: &str,
        value: &T,
        content_type: Option<&str>,
    ) -> Result<(), Failure> {
        let text = serde_json::to_string(value)
            .map_err(|e| Failure::InvalidRequest(format!("cannot serialize the part `{name}` of the body: {e}")))?;
        self.push_text(name, text, Some(content_type.unwrap_or("application/json")));
        Ok(())
    }

    /// A file part, in place.
    #[doc(hidden)]
    pub fn push_file(&mut self, name: &str, file: &FilePart, default_type: &str) {
        self.parts
            .push((name.to_owned(), Part::File(file.clone(), default_type.to_owned())));
    }

    /// A file part per file, under one name.
    #[doc(hidden)]
    pub fn push_files(&mut self, name: &str, files: &[FilePart], default_type: &str) {
        for f in files {
            self.push_file(name, f, default_type);
        }
    }

    /// Whether the body can be sent more than once (no part is a stream).
    pub(crate) fn resendable(&self) -> bool {
        self.parts.iter().all(|(_, p)| {
            !matches!(
                p,
                Part::File(
                    FilePart {
                        source: Source::Stream(..),
                        ..
                    },
                    _
                )
            )
        })
    }

    /// reqwest's form of the parts, for one send. A streamed part already
    /// sent cannot be sent again.
    pub(crate) fn form(&self) -> Result<reqwest::multipart::Form, Failure> {
        let mut form = reqwest::multipart::Form::new();
        for (name, part) in &self.parts {
            let built = match part {
                Part::Text(text, None) => reqwest::multipart::Part::text(text.clone()),
                Part::Text(text, Some(ct)) => reqwest::multipart::Part::text(text.clone())
                    .mime_str(ct)
                    .map_err(|_| Failure::InvalidRequest(format!("part `{name}`: `{ct}` is not a content type")))?,
                Part::File(file, default_type) => {
                    let body = match &file.source {
                        Source::Bytes(b) => {
                            reqwest::multipart::Part::stream_with_length(reqwest::Body::from(b.clone()), b.len() as u64)
                        }
                        Source::Stream(slot, length) => {
                            let stream = slot.lock().ok().and_then(|mut s| s.take()).ok_or_else(|| {
                                Failure::InvalidRequest(format!(
                                    "part `{name}`: its stream was already sent; a streamed file is sent once"
                                ))
                            })?;
                            let body = reqwest::Body::wrap_stream(stream);
                            match length {
                                Some(n) => reqwest::multipart::Part::stream_with_length(body, *n),
                                None => reqwest::multipart::Part::stream(body),
                            }
                        }
                    };
                    let ct = file.content_type.as_deref().unwrap_or(default_type);
                    let body = body
                        .mime_str(ct)
                        .map_err(|_| Failure::InvalidRequest(format!("part `{name}`: `{ct}` is not a content type")))?;
                    match &file.file_name {
                        Some(f) => body.file_name(f.clone()),
                        None => body.file_name(name.clone()),
                    }
                }
            };
            form = form.part(name.clone(), built);
        }
        Ok(form)
    }
}

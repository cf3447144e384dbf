//! The hand-written part of the client: HTTP execution with auth, timeouts
//! and retries, errors, entity tags, tri-state fields and paging. It is the
//! same in every generated crate; only `models` and `operations` vary.
//!
//! A generated crate depends on a copy of this crate written beside it as a
//! package of its own (`runtime/`, the default), or on this crate itself
//! (`--runtime-path`), and names it `runtime`; or it holds a copy of these
//! files as its `runtime` module (`--runtime module`). The items its
//! generated code calls are public here for that reason; in a module copy
//! they stay inside a private module.

// Not every spec uses every piece (form bodies, text responses, …).
#![allow(dead_code, unused_imports, unused_macros)]
// `Error` keeps the whole response of a failed call; it is returned, not stored.
#![allow(clippy::result_large_err)]

mod auth;
mod base64;
mod call;
pub mod client;
mod encode;
mod error;
mod etag;
mod events;
mod multipart;
mod nullable;
#[doc(hidden)]
pub mod object;
mod paging;
mod sign_in;

// public: the names every generated crate re-exports at its root (the
// generator reads the `pub use` lines of this block).
pub use auth::{BoxError, Credential, KeyIn, SchemeCredential, StaticToken, TokenFuture, TokenProvider, token_fn};
pub use base64::Base64;
pub use call::Call;
pub use client::{Client, ClientBuildError, ClientBuilder, RetryPolicy};
pub use error::{ApiError, Error, ErrorDetails, RawResponse};
pub use etag::ETag;
pub use events::{DecodeData, Event, EventStream, JsonLines};
pub use multipart::{FilePart, Multipart};
pub use nullable::Nullable;
pub use paging::{ByteStream, Page, Response};
pub use sign_in::{ClientCredentials, SignInError};

// What generated code calls, through its `runtime` path; not re-exported.
#[doc(hidden)]
pub use client::Request;
#[doc(hidden)]
pub use encode::{FormStyle, ObjectStyle, Query, object_text, push_path_segment};
#[doc(hidden)]
pub use error::{Failure, root_cause};
#[doc(hidden)]
pub use events::{json_data, open, text_data};
#[doc(hidden)]
pub use paging::pages;

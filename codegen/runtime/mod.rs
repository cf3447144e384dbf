//! The hand-written part of the client: HTTP execution with auth, timeouts
//! and retries, errors, entity tags, tri-state fields and paging. It is the
//! same in every generated crate; only `models` and `operations` vary.

// Not every spec uses every piece (form bodies, text responses, …).
#![allow(dead_code, unused_imports, unused_macros)]
// `Error` keeps the whole response of a failed call; it is returned, not stored.
#![allow(clippy::result_large_err)]

mod auth;
mod base64;
pub(crate) mod client;
mod encode;
mod error;
mod etag;
mod nullable;
mod paging;

pub use auth::{BoxError, StaticToken, TokenFuture, TokenProvider, token_fn};
pub use base64::Base64;
pub use client::{Client, ClientBuildError, ClientBuilder, RetryPolicy};
pub use error::{ApiError, Error, ErrorDetails, RawResponse};
pub use etag::ETag;
pub use nullable::Nullable;
pub use paging::{ByteStream, Page, Response};

pub(crate) use client::Request;
pub(crate) use encode::{ObjectStyle, Query, push_path_segment};
pub(crate) use paging::pages;

/// Makes a request builder awaitable: `.await` is `.send().await`.
macro_rules! into_future {
    ($builder:ident => $output:ty) => {
        impl<'a> ::std::future::IntoFuture for $builder<'a> {
            type Output = $output;
            type IntoFuture = ::std::pin::Pin<
                ::std::boxed::Box<dyn ::std::future::Future<Output = Self::Output> + ::std::marker::Send + 'a>,
            >;
            fn into_future(self) -> Self::IntoFuture {
                ::std::boxed::Box::pin(self.send())
            }
        }
    };
}
pub(crate) use into_future;

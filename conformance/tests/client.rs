//! The generated client (`bc-api`) against the reference server and against
//! small servers that misbehave on purpose: every operation, the etag round
//! trip, a typed 409, paging, the token kept from other origins, retries
//! after 429, token refresh after 401, timeouts, the PDF.
//!
//! The tests are in `support/client_cases.rs`; `client_runtime_crate.rs`
//! runs them against the crate generated to depend on the runtime crate.

#[path = "support/client_cases.rs"]
mod cases;

//! The client tests of `client.rs`, against `bc-api-runtime-crate`: the
//! same spec generated to depend on the runtime crate (`runtime/`) instead
//! of holding a copy of it. Both crates must behave the same.

extern crate bc_api_runtime_crate as bc_api;

#[path = "support/client_cases.rs"]
mod cases;

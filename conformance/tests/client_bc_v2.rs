//! The client tests of `client.rs`, against `bc-api-v2`: the client
//! generated from Business Central's own `$metadata` (every entity, a Cargo
//! feature each; only `companies` and `customer-contacts` are compiled
//! here). Its customerContacts operations must behave as those of the
//! client generated from our hand-written spec.

extern crate bc_api_v2 as bc_api;

#[path = "support/client_cases.rs"]
mod cases;

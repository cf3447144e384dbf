//! A crate whose API client is not a dependency but a module of its own,
//! written by its build script from an OpenAPI spec:
//!
//! ```ignore
//! // build.rs
//! openapi_client_gen::Build::new("../../spec/customer-contacts.yaml")
//!     .module("bc")
//!     .generate()
//!     .unwrap_or_else(|e| panic!("{e}"));
//! ```

/// The Business Central customerContacts client, generated at build time.
pub mod bc {
    include!(concat!(env!("OUT_DIR"), "/bc.rs"));
}

/// Something a crate would build on the generated client: the last names
/// of every contact of a company, through every page.
pub async fn last_names(client: &bc::Client, company: uuid::Uuid) -> Result<Vec<String>, String> {
    use futures::TryStreamExt;
    client
        .list_customer_contacts(company)
        .stream()
        .map_ok(|c| c.last_name.unwrap_or_default())
        .try_collect()
        .await
        .map_err(|e| e.to_string())
}

//! Generates the Business Central client into `$OUT_DIR/bc.rs` from the
//! project's spec, again whenever the spec changes.

fn main() {
    openapi_client_gen::Build::new("../../spec/customer-contacts.yaml")
        .module("bc")
        .generate()
        .unwrap_or_else(|e| panic!("{e}"));
}

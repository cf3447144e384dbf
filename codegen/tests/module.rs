//! A build script's module is built from its root, not rewritten: every
//! path of the code is rooted at the module, and the spec's own strings
//! (enum values, defaults) that look like such paths are sent as written.

use std::str::FromStr;

use proc_macro2::{TokenStream, TokenTree};

/// Every string literal of `tokens`, unescaped.
fn strings(tokens: TokenStream, out: &mut Vec<String>) {
    for t in tokens {
        match t {
            TokenTree::Group(g) => strings(g.stream(), out),
            TokenTree::Literal(l) => {
                if let Ok(syn::Lit::Str(s)) = syn::parse_str::<syn::Lit>(&l.to_string()) {
                    out.push(s.value());
                }
            }
            _ => {}
        }
    }
}

#[test]
fn a_modules_strings_are_the_specs_and_its_paths_its_own() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/hostile_names.yaml"
    ))
    .expect("fixture");
    let config = codegen::Config::new("fixture", "hostile_names.yaml");
    let module = codegen::generate_module(&text, &config, "api").expect("generates").text;
    let tokens = TokenStream::from_str(&module).expect("the module lexes");
    let mut literals = Vec::new();
    strings(tokens, &mut literals);
    for value in [
        "crate::models::Shadowing",
        "crate::",
        "crate::api::x",
        "crate::runtime::Client",
    ] {
        assert!(
            literals.iter().any(|l| l == value),
            "the spec's value `{value}` is not in the module as written"
        );
    }
    for rewritten in [
        "crate::api::models::Shadowing",
        "crate::api::",
        "crate::api::api::x",
        "crate::api::runtime::Client",
    ] {
        assert!(
            !literals.iter().any(|l| l == rewritten),
            "the module holds `{rewritten}`, a spec value rewritten"
        );
    }
    // The code's own paths start at the module.
    assert!(module.contains("crate::api::models::ShadowingTarget"), "{module}");
    assert!(module.contains("impl crate::api::Client {"), "{module}");
    assert!(!module.contains("crate::models::Shadowing {"));
    // Doc examples name a crate that is not there: not compiled.
    assert!(module.contains("/// ```ignore") && !module.contains("```no_run"));
}

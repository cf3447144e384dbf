//! Arbitrary and mutated specs never make the generator panic: it returns
//! files or diagnostics, whatever it is fed. `PROPTEST_CASES` raises the
//! number of cases for a longer run.

#[path = "support/synthetic.rs"]
mod synthetic;

use proptest::prelude::*;
use serde_json::Value;

fn seeds() -> Vec<String> {
    let mut out = vec![
        include_str!("../../spec/customer-contacts.yaml").to_owned(),
        include_str!("fixtures/names.yaml").to_owned(),
        include_str!("fixtures/composition.yaml").to_owned(),
        include_str!("fixtures/recursive.yaml").to_owned(),
        include_str!("fixtures/params.yaml").to_owned(),
        include_str!("fixtures/responses.yaml").to_owned(),
        include_str!("fixtures/enums.yaml").to_owned(),
        include_str!("fixtures/additional_properties.yaml").to_owned(),
        include_str!("fixtures/read_write_only.yaml").to_owned(),
        include_str!("fixtures/formats.yaml").to_owned(),
        include_str!("fixtures/openapi31.yaml").to_owned(),
        include_str!("fixtures/swagger2.yaml").to_owned(),
    ];
    out.push(synthetic::synthetic_spec(8));
    out
}

/// OData CSDL documents: the converter's input.
fn csdl_seeds() -> Vec<&'static str> {
    vec![
        include_str!("fixtures/csdl/trippin.xml"),
        include_str!("fixtures/csdl/northwind-v2.xml"),
        include_str!("fixtures/csdl/business-central.xml"),
        include_str!("fixtures/csdl/people.json"),
    ]
}

/// `bytes` with `len` bytes at `start` cut (`op` 0), repeated (1) or
/// replaced by `junk` (2).
fn mutate(bytes: &[u8], start: usize, len: usize, junk: &str, op: u8) -> String {
    let start = start.min(bytes.len());
    let end = (start + len).min(bytes.len());
    let mut mutated = Vec::with_capacity(bytes.len() + junk.len());
    mutated.extend_from_slice(&bytes[..start]);
    match op {
        0 => mutated.extend_from_slice(&bytes[end..]),
        1 => {
            mutated.extend_from_slice(&bytes[start..end]);
            mutated.extend_from_slice(&bytes[start..]);
        }
        _ => {
            mutated.extend_from_slice(junk.as_bytes());
            mutated.extend_from_slice(&bytes[end..]);
        }
    }
    String::from_utf8_lossy(&mutated).into_owned()
}

fn generate(text: &str) {
    let mut config = codegen::Config::new("fuzzed", "fuzzed.yaml");
    let _ = codegen::generate(text, &config);
    config.skip_unsupported = true;
    let _ = codegen::generate(text, &config);
    config.lenient = true;
    let _ = codegen::generate(text, &config);
}

/// A JSON value to put somewhere in a spec.
fn arb_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "[a-zA-Z0-9#/_${}().'-]{0,12}".prop_map(Value::String),
        prop_oneof![
            Just("#/components/schemas/nope"),
            Just("#/components/schemas/customerContact"),
            Just("object"),
            Just("array"),
            Just("string"),
            Just("uuid"),
            Just("3.1.0"),
            Just("é1"),
            Just("{id}"),
            Just("cookie"),
        ]
        .prop_map(|s| Value::String(s.to_owned())),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("type".to_owned()),
                    Just("$ref".to_owned()),
                    Just("items".to_owned()),
                    Just("properties".to_owned()),
                    Just("allOf".to_owned()),
                    Just("oneOf".to_owned()),
                    Just("enum".to_owned()),
                    Just("required".to_owned()),
                    Just("nullable".to_owned()),
                    Just("additionalProperties".to_owned()),
                    Just("discriminator".to_owned()),
                    Just("in".to_owned()),
                    Just("name".to_owned()),
                    Just("schema".to_owned()),
                    "[a-z@.$]{1,8}",
                ],
                inner,
                0..4
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Every JSON pointer of a value's nodes.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    match v {
        Value::Object(m) => {
            for (k, c) in m {
                pointers(c, format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")), out);
            }
        }
        Value::Array(a) => {
            for (i, c) in a.iter().enumerate() {
                pointers(c, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    /// Any text at all.
    #[test]
    fn arbitrary_text(text in "\\PC{0,400}") {
        generate(&text);
    }

    /// A valid spec with bytes cut, repeated or replaced.
    #[test]
    fn mutated_text(seed in 0usize..64, at in any::<prop::sample::Index>(), len in 0usize..40, junk in "[ \\t\\n:{}\\[\\]\\-#&*!|>'\"a-z0-9]{0,20}", op in 0u8..3) {
        let seeds = seeds();
        let text = &seeds[seed % seeds.len()];
        let bytes = text.as_bytes();
        let start = at.index(bytes.len().max(1)).min(bytes.len());
        let end = (start + len).min(bytes.len());
        let mut mutated = Vec::with_capacity(bytes.len() + junk.len());
        mutated.extend_from_slice(&bytes[..start]);
        match op {
            0 => {}
            1 => mutated.extend_from_slice(&bytes[start..end]),
            _ => mutated.extend_from_slice(junk.as_bytes()),
        }
        if op != 1 {
            mutated.extend_from_slice(&bytes[end..]);
        } else {
            mutated.extend_from_slice(&bytes[start..]);
        }
        generate(&String::from_utf8_lossy(&mutated));
    }

    /// A CSDL document with bytes cut, repeated or replaced: converted (in
    /// both OpenAPI versions, with and without Business Central's rules)
    /// and generated.
    #[test]
    fn mutated_csdl(seed in 0usize..16, at in any::<prop::sample::Index>(), len in 0usize..40, junk in "[ <>/=\"'a-zA-Z0-9.()_:$@{},\\[\\]]{0,24}", op in 0u8..3) {
        let seeds = csdl_seeds();
        let text = seeds[seed % seeds.len()];
        let mutated = mutate(text.as_bytes(), at.index(text.len().max(1)), len, &junk, op);
        convert_every_way(&mutated);
    }

    /// A CSDL document with one attribute value replaced: a type that does
    /// not exist, a collection of nothing, a number where a name goes, a
    /// name of another kind of element.
    #[test]
    fn mutated_csdl_attribute(seed in 0usize..16, at in any::<prop::sample::Index>(), value in prop::sample::select(vec![
        "", "Collection(", "Collection()", "Collection(Edm.String", "Edm.Nothing", "Trippin.Person", "Trippin.City",
        "Microsoft.NAV.company", "Trippin.PersonGender", "-1", "true", "max", "variable", "x/y", "Core.Computed",
        "Trippin.GetNearestAirport", "NorthwindModel.FK_Products_Categories", "Collection(Collection(Edm.Int32))",
    ])) {
        let seeds = csdl_seeds();
        let text = seeds[seed % seeds.len()];
        let quotes: Vec<usize> = text.match_indices("=\"").map(|(i, _)| i + 2).collect();
        if quotes.is_empty() {
            return Ok(());
        }
        let start = quotes[at.index(quotes.len())];
        let end = text[start..].find('"').map_or(text.len(), |e| start + e);
        convert_every_way(&format!("{}{value}{}", &text[..start], &text[end..]));
    }

    /// A valid spec with one node replaced by an arbitrary value.
    #[test]
    fn mutated_structure(seed in 0usize..64, at in any::<prop::sample::Index>(), value in arb_value()) {
        let seeds = seeds();
        let doc: Value = serde_yaml::from_str(&seeds[seed % seeds.len()]).expect("seeds parse");
        let mut all = Vec::new();
        pointers(&doc, String::new(), &mut all);
        let target = &all[at.index(all.len())];
        let mut doc = doc;
        if target.is_empty() {
            doc = value;
        } else if let Some(slot) = doc.pointer_mut(target) {
            *slot = value;
        }
        generate(&serde_json::to_string(&doc).expect("json"));
    }
}

fn convert_every_way(text: &str) {
    for business_central in [None, Some(true), Some(false)] {
        for openapi in [codegen::OpenApiVersion::V3_0, codegen::OpenApiVersion::V3_1] {
            let options = codegen::ConvertOptions {
                business_central,
                openapi,
                ..codegen::ConvertOptions::default()
            };
            let _ = codegen::convert(text, "fuzzed.xml", &options);
        }
    }
    generate(text);
}

/// Generates `text` on a thread with a 2 MiB stack (what a build script or
/// a small worker may have): the diagnostics, or `None` when it generated.
/// A stack overflow aborts the whole test binary, so a pass means none.
fn on_small_stack(name: &str, text: String) -> Option<String> {
    let config = codegen::Config::new("deep", name);
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || codegen::generate(&text, &config).err().map(|d| d.to_string()))
        .expect("a thread")
        .join()
        .expect("no panic")
}

/// Depth is bounded once, when reading, whatever the reader: JSON, YAML
/// through serde, and YAML through the fallback reader (taken for values
/// serde refuses, here an integer beyond 64 bits). 10,000 levels deep, each
/// is refused where the nesting passes the bound; nothing overflows.
#[test]
fn a_10000_deep_document_is_refused_where_it_gets_too_deep() {
    const DEEP: usize = 10_000;
    let head = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n";
    let mut block = format!("{head}x-deep:\n");
    for i in 0..DEEP {
        block.push_str(&" ".repeat(2 + 2 * i));
        block.push_str("x:\n");
    }
    let flow = format!("{head}x-deep: {}{}\n", "[".repeat(DEEP), "]".repeat(DEEP));
    let beyond_64_bits = format!(
        "{head}x-big: 99999999999999999999999\nx-deep: {}{}\n",
        "[".repeat(DEEP),
        "]".repeat(DEEP)
    );
    let json = format!(
        "{{\"openapi\": \"3.0.3\", \"info\": {{\"title\": \"t\", \"version\": \"1\"}}, \"paths\": {{}}, \"x-deep\": {}{}}}",
        "[".repeat(DEEP),
        "]".repeat(DEEP)
    );
    for (name, text, at) in [
        ("block.yaml", block, "block.yaml:132:"),
        ("flow.yaml", flow, "flow.yaml:4:"),
        ("beyond-64-bits.yaml", beyond_64_bits, "beyond-64-bits.yaml:5:"),
        ("deep.json", json, "deep.json:1:"),
    ] {
        let found = on_small_stack(name, text).expect("refused");
        assert!(found.starts_with(at), "{name}: {found}");
        assert!(
            found.contains("error: the document nests mappings and sequences more than 128 deep"),
            "{name}: {found}"
        );
    }
}

/// The deepest document the readers take, nested in the places every
/// stage walks (inline schemas in properties, in a response), goes through
/// upgrade, hoisting, validation, the typed read and lowering on a 2 MiB
/// stack.
#[test]
fn the_deepest_document_read_goes_through_every_stage() {
    // Each inline schema is two levels (`properties`, then the property).
    let levels = 55;
    let mut schema = String::from("{type: string}");
    for _ in 0..levels {
        schema = format!("{{type: object, properties: {{p: {schema}}}}}");
    }
    for version in ["openapi: 3.0.3", "openapi: 3.1.0", "swagger: '2.0'"] {
        let text = if version.starts_with("swagger") {
            format!(
                "{version}\ninfo: {{title: t, version: '1'}}\npaths:\n  /a:\n    get:\n      responses:\n        '200':\n          description: ok\n          schema: {schema}\n"
            )
        } else {
            format!(
                "{version}\ninfo: {{title: t, version: '1'}}\npaths:\n  /a:\n    get:\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {schema}\n"
            )
        };
        let found = on_small_stack("deep.yaml", text);
        assert_eq!(found, None, "{version}");
    }
}

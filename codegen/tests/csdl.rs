//! The OData front end: CSDL fixtures converted to OpenAPI and generated
//! (both snapshotted), the 3.1 form, detection, and located diagnostics for
//! every kind of bad input. Business Central's own `$metadata` is in
//! `csdl_business_central.rs`.

#[path = "support/emitted.rs"]
mod support;

use codegen::{ConvertOptions, OpenApiVersion, Severity};
use support::emitted;

fn fixture_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/csdl")
}

fn convert(text: &str) -> Result<codegen::Converted, codegen::Diagnostics> {
    codegen::convert(text, "metadata.xml", &ConvertOptions::default())
}

#[test]
fn fixtures_convert_and_generate() {
    insta::glob!("fixtures/csdl/*.{xml,json}", |path| {
        let text = std::fs::read_to_string(path).expect("fixture");
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("fixture");
        let converted = codegen::convert(&text, name, &ConvertOptions::default())
            .unwrap_or_else(|d| panic!("{name} does not convert:\n{d}"));
        assert!(converted.warnings.is_empty(), "{name}: {:?}", converted.warnings);
        let yaml = converted.to_text(false).expect("yaml");
        insta::assert_snapshot!(format!("{name}.openapi"), yaml);
        insta::assert_snapshot!(format!("{name}.code"), emitted(name, &text));
    });
}

#[test]
fn the_same_document_gives_the_same_bytes() {
    let text = std::fs::read_to_string(fixture_dir().join("trippin.xml")).expect("fixture");
    let a = convert(&text).expect("converts").to_text(true).expect("json");
    let b = convert(&text).expect("converts").to_text(true).expect("json");
    assert_eq!(a, b);
}

#[test]
fn what_the_converter_makes_of_trippin() {
    let text = std::fs::read_to_string(fixture_dir().join("trippin.xml")).expect("fixture");
    let c = convert(&text).expect("converts");
    assert!(!c.business_central);
    let doc = &c.document;
    let paths = doc["paths"].as_object().expect("paths");
    let methods = |p: &str| -> Vec<&str> {
        let mut m: Vec<&str> = paths[p]
            .as_object()
            .unwrap_or_else(|| panic!("no path {p}"))
            .keys()
            .map(String::as_str)
            .filter(|k| *k != "parameters")
            .collect();
        m.sort_unstable();
        m
    };
    // Restrictions: Airports is read-only, Airlines takes no inserts, the
    // singleton is neither created nor deleted nor (here) updated.
    assert_eq!(methods("/Airports"), ["get"]);
    assert_eq!(methods("/Airports('{airportIcaoCode}')"), ["get"]);
    assert_eq!(methods("/Airlines"), ["get"]);
    assert_eq!(methods("/Airlines('{airlineAirlineCode}')"), ["delete", "get", "patch"]);
    assert_eq!(methods("/Me"), ["get"]);
    // A media entity's bytes.
    assert_eq!(methods("/Photos({photoId})/$value"), ["get"]);
    assert_eq!(methods("/People"), ["get", "post"]);
    // NavigationRestrictions: the trips of a person cannot be deleted there.
    assert_eq!(
        methods("/People('{personUserName}')/Trips({tripTripId})"),
        ["get", "patch"]
    );
    // Containment two levels deep, no more.
    assert!(paths.contains_key("/People('{personUserName}')/Trips({tripTripId})/PlanItems({planItemPlanItemId})"));
    assert!(
        !paths
            .keys()
            .any(|p| p.matches('(').count() > 4 && p.contains("PlanItems(") && p.ends_with("/Airline"))
    );
    // Functions take their parameters in the path, actions in a body.
    assert_eq!(
        methods("/GetNearestAirport(lat={getNearestAirportLat},lon={getNearestAirportLon})"),
        ["get"]
    );
    let share = &paths["/People('{personUserName}')/Trippin.Models.ShareTrip"]["post"];
    assert_eq!(
        share["requestBody"]["content"]["application/json"]["schema"]["required"],
        serde_json::json!(["userName", "tripId"])
    );
    // Optimistic concurrency: People's updates and deletes require If-Match,
    // Airlines' (no annotation) do not.
    let if_match = |p: &str, m: &str| {
        paths[p][m]["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|p| p["$ref"] == "#/components/parameters/ifMatch")
    };
    assert!(if_match("/People('{personUserName}')", "patch"));
    assert!(if_match("/People('{personUserName}')", "delete"));
    assert!(!if_match("/Airlines('{airlineAirlineCode}')", "patch"));
    let schemas = &doc["components"]["schemas"];
    let person = &schemas["Person"]["properties"];
    assert_eq!(person["@odata.etag"]["readOnly"], true);
    // Computed is read-only; Immutable only in the update's view; a stream
    // is a link; non-containment navigations are what $expand fills in.
    assert_eq!(person["Concurrency"]["readOnly"], true);
    assert!(person["UserName"].get("readOnly").is_none());
    assert_eq!(schemas["PersonUpdate"]["properties"]["UserName"]["readOnly"], true);
    assert_eq!(person["Photo@odata.mediaReadLink"]["readOnly"], true);
    assert_eq!(person["Friends"]["items"]["$ref"], "#/components/schemas/Person");
    assert!(person.get("Trips").is_none());
    // Validation and facets.
    assert_eq!(person["Age"]["minimum"], 0);
    assert_eq!(person["Age"]["maximum"], 150);
    assert_eq!(person["UserName"]["pattern"], "^[a-z]+$");
    assert_eq!(person["FirstName"]["maxLength"], 50);
    assert_eq!(person["LastName"]["nullable"], true);
    assert!(person["FirstName"].get("nullable").is_none());
    assert_eq!(person["Gender"]["default"], "Unknown");
    // Inheritance is flattened: an employee has a person's properties.
    assert!(schemas["Employee"]["properties"].get("UserName").is_some());
    assert!(schemas["Flight"]["properties"].get("PlanItemId").is_some());
    // Every Edm primitive a precise schema.
    let trip = &schemas["Trip"]["properties"];
    assert_eq!(trip["ShareId"]["format"], "uuid");
    assert_eq!(trip["StartDate"]["format"], "date");
    assert_eq!(trip["StartsAt"]["format"], "date-time");
    assert_eq!(trip["DepartsAt"]["format"], "time");
    assert_eq!(trip["Duration"]["format"], "duration");
    assert_eq!(trip["Ticket"]["format"], "base64url");
    assert_eq!(trip["Seats"]["maximum"], 255);
    assert_eq!(trip["Delta"]["minimum"], -128);
    assert_eq!(trip["Legs"]["maximum"], 32767);
    assert_eq!(trip["Budget"]["format"], "float");
    assert_eq!(trip["Distance"]["format"], "double");
    assert_eq!(schemas["Employee"]["properties"]["Cost"]["format"], "decimal");
    assert_eq!(schemas["Employee"]["properties"]["Cost"]["maximum"], 1e15);
    assert_eq!(
        schemas["PersonGender"]["enum"],
        serde_json::json!(["Male", "Female", "Unknown"])
    );
    assert!(
        schemas["Feature"]["pattern"]
            .as_str()
            .is_some_and(|p| p.contains("Feature2"))
    );
    // Paging, $search where the set allows it, $count unless refused.
    let list = paths["/People"]["get"]["parameters"].as_array().expect("params");
    let refs: Vec<&str> = list.iter().filter_map(|p| p["$ref"].as_str()).collect();
    assert!(refs.contains(&"#/components/parameters/search"));
    assert!(refs.contains(&"#/components/parameters/count"));
    let airlines: Vec<&str> = paths["/Airlines"]["get"]["parameters"]
        .as_array()
        .expect("params")
        .iter()
        .filter_map(|p| p["$ref"].as_str())
        .collect();
    assert!(!airlines.contains(&"#/components/parameters/top"));
    assert!(!airlines.contains(&"#/components/parameters/count"));
    assert!(
        schemas["PersonCollection"]["properties"]
            .get("@odata.nextLink")
            .is_some()
    );
}

#[test]
fn version_2_wraps_in_d_and_pages_with_next() {
    let text = std::fs::read_to_string(fixture_dir().join("northwind-v2.xml")).expect("fixture");
    let c = convert(&text).expect("converts");
    let doc = &c.document;
    let schemas = &doc["components"]["schemas"];
    assert_eq!(schemas["ProductCollection"]["required"], serde_json::json!(["d"]));
    assert!(
        schemas["ProductCollection"]["properties"]["d"]["properties"]
            .get("__next")
            .is_some()
    );
    // V2's JSON writes 64-bit integers and decimals as strings.
    assert_eq!(schemas["Product"]["properties"]["Stamp"]["type"], "string");
    assert_eq!(schemas["Product"]["properties"]["UnitPrice"]["type"], "string");
    // Associations give navigations their types: `$expand` lists them.
    let expand = &doc["components"]["parameters"]["ProductExpand"]["schema"]["items"]["enum"];
    assert_eq!(*expand, serde_json::json!(["Category"]));
    // sap: annotations: Products cannot be deleted, Order_Details neither
    // created nor updated, and they do not page.
    let paths = &doc["paths"];
    assert!(paths["/Products({productProductId})"].get("delete").is_none());
    assert!(paths["/Products({productProductId})"].get("put").is_some());
    assert!(paths["/Order_Details"].get("post").is_none());
    let composite = "/Order_Details(OrderID={orderDetailOrderId},ProductID={orderDetailProductId})";
    assert!(paths[composite].get("put").is_none());
    // ConcurrencyMode="Fixed" makes updates require If-Match.
    assert_eq!(
        paths["/Products({productProductId})"]["put"]["parameters"][0]["$ref"],
        "#/components/parameters/ifMatch"
    );
    // Function imports: GET with query parameters, POST by m:HttpMethod.
    assert!(paths["/TopProducts"].get("get").is_some());
    assert!(paths["/Restock"].get("post").is_some());
    // The client pages through d/__next.
    let code = emitted("northwind-v2.xml", &text);
    assert!(code.contains("(self.d.results, self.d.next)"), "no V2 page impl");
}

#[test]
fn csdl_json_reads_like_xml() {
    let text = std::fs::read_to_string(fixture_dir().join("people.json")).expect("fixture");
    let c = convert(&text).expect("converts");
    let doc = &c.document;
    let person = &doc["components"]["schemas"]["Person"]["properties"];
    // In CSDL JSON an absent `$Nullable` is false.
    assert!(person["Name"].get("nullable").is_none());
    assert_eq!(person["Born"]["nullable"], true);
    assert_eq!(person["Id"]["readOnly"], true);
    assert_eq!(person["Name"]["description"], "The full name.");
    assert_eq!(person["Name"]["maxLength"], 80);
    // The container takes keys as path segments.
    assert!(doc["paths"]["/People/{personId}"].get("delete").is_none());
    assert!(doc["paths"].get("/People/{personId}/Notes/{noteId}").is_some());
    assert!(doc["paths"].get("/Headcount()").is_some());
    assert_eq!(
        doc["components"]["schemas"]["Note"]["properties"]["Kind"]["enum"],
        serde_json::json!(["call", "visit"])
    );
}

#[test]
fn keys_as_segments_are_bare() {
    let text = r#"{"$Version": "4.01", "$EntityContainer": "S.C",
        "S": {"T": {"$Kind": "EntityType", "$Key": ["code"], "code": {}},
              "C": {"$Kind": "EntityContainer", "@Org.OData.Capabilities.V1.KeyAsSegmentSupported": true,
                    "Ts": {"$Collection": true, "$Type": "S.T"}}}}"#;
    let c = convert(text).expect("converts");
    assert!(
        c.document["paths"].get("/Ts/{tCode}").is_some(),
        "{:#}",
        c.document["paths"]
    );
}

#[test]
fn openapi_3_1_is_written_on_request() {
    let text = std::fs::read_to_string(fixture_dir().join("trippin.xml")).expect("fixture");
    let options = ConvertOptions {
        openapi: OpenApiVersion::V3_1,
        ..ConvertOptions::default()
    };
    let c = codegen::convert(&text, "trippin.xml", &options).expect("converts");
    let doc = &c.document;
    assert_eq!(doc["openapi"], "3.1.0");
    let text31 = c.to_text(false).expect("yaml");
    assert!(!text31.contains("nullable"), "3.1 has no nullable");
    assert_eq!(
        doc["components"]["schemas"]["Person"]["properties"]["LastName"]["type"],
        serde_json::json!(["string", "null"])
    );
    assert_eq!(
        doc["components"]["schemas"]["Employee"]["properties"]["Cost"]["exclusiveMaximum"],
        1e15
    );
    // Our own generator reads it back.
    codegen::generate(&text31, &codegen::Config::new("trippin", "trippin.yaml")).expect("3.1 generates");
}

#[test]
fn options_choose_roots_depth_and_rules() {
    let text = std::fs::read_to_string(fixture_dir().join("business-central.xml")).expect("fixture");
    let bc = convert(&text).expect("converts");
    assert!(bc.business_central);
    let shallow = codegen::convert(
        &text,
        "bc.xml",
        &ConvertOptions {
            levels: 1,
            ..ConvertOptions::default()
        },
    )
    .expect("converts");
    assert!(shallow.paths < bc.paths);
    assert!(
        !shallow.document["paths"]
            .as_object()
            .expect("paths")
            .keys()
            .any(|p| p.contains("/salesOrderLines(") && p.contains("/salesOrders("))
    );
    // Without the rules: every entity set is a root, restrictions of
    // contained paths default to everything, nothing requires If-Match.
    let plain = codegen::convert(
        &text,
        "bc.xml",
        &ConvertOptions {
            business_central: Some(false),
            ..ConvertOptions::default()
        },
    )
    .expect("converts");
    assert!(plain.document["paths"].get("/customers").is_some());
    assert!(plain.document["components"]["parameters"].get("ifMatch").is_none());
    assert!(plain.document["components"].get("securitySchemes").is_none());
    let keep = codegen::convert(
        &text,
        "bc.xml",
        &ConvertOptions {
            keep: vec!["nowhere".into()],
            ..ConvertOptions::default()
        },
    )
    .expect_err("an unknown root");
    assert!(keep.to_string().contains("`nowhere`"), "{keep}");
}

/// Business Central's rules one by one, for a service that is not Business
/// Central's: each changes what it says and nothing else.
#[test]
fn each_rule_on_its_own() {
    let text = std::fs::read_to_string(fixture_dir().join("trippin.xml")).expect("fixture");
    let with = |names: &[&str]| {
        let mut rules = codegen::Rules::default();
        for n in names {
            rules.enable(n).expect("a rule");
        }
        let options = ConvertOptions {
            rules,
            ..ConvertOptions::default()
        };
        codegen::convert(&text, "trippin.xml", &options)
            .expect("converts")
            .document
    };
    let plain = with(&[]);
    let airline = "/Airlines('{airlineAirlineCode}')";
    let has_if_match = |d: &serde_json::Value| {
        d["paths"][airline]["patch"]["parameters"]
            .as_array()
            .is_some_and(|p| p.iter().any(|p| p["$ref"] == "#/components/parameters/ifMatch"))
    };
    assert!(!has_if_match(&plain));
    let if_match = with(&["if-match"]);
    assert!(has_if_match(&if_match));
    assert_eq!(
        if_match["components"]["schemas"]["Airline"]["required"],
        serde_json::json!(["@odata.etag"])
    );
    assert!(
        if_match["components"].get("securitySchemes").is_none(),
        "only the rule asked for"
    );

    let person = |d: &serde_json::Value, p: &str| d["components"]["schemas"]["Person"]["properties"][p].clone();
    assert_eq!(person(&plain, "LastName")["nullable"], true);
    assert!(person(&with(&["no-nulls"]), "LastName").get("nullable").is_none());
    assert!(person(&plain, "UserName").get("readOnly").is_none());
    assert_eq!(person(&with(&["keys-read-only"]), "UserName")["readOnly"], true);

    // TripPin's sets contain nothing of each other: the same roots either way.
    assert_eq!(
        with(&["roots"])["paths"].as_object().map(|p| p.len()),
        plain["paths"].as_object().map(|p| p.len())
    );
    let service = with(&["service"]);
    assert!(service["components"]["securitySchemes"].get("entraId").is_some());
    assert!(service["components"]["responses"].get("conflict").is_some());

    let mut rules = codegen::Rules::default();
    let e = rules.enable("everything").expect_err("not a rule");
    assert!(e.contains("roots, restrictions, if-match"), "{e}");
}

#[test]
fn detection_by_content() {
    assert!(codegen::is_csdl("\u{feff}<?xml version=\"1.0\"?><edmx:Edmx/>"));
    assert!(codegen::is_csdl("  \n<edmx:Edmx Version=\"4.0\"/>"));
    assert!(codegen::is_csdl("{\"$Version\": \"4.01\", \"x\": {}}"));
    assert!(!codegen::is_csdl(
        "{\"openapi\": \"3.0.0\", \"info\": {\"x\": \"$Version\"}}"
    ));
    assert!(!codegen::is_csdl("openapi: 3.0.0\n"));
    assert!(!codegen::is_csdl("{\"swagger\": \"2.0\"}"));
}

/// The diagnostics of a document that must not convert, as `line:column: message`.
fn errors(text: &str) -> Vec<String> {
    let d = convert(text).expect_err("must not convert");
    let out: Vec<String> =
        d.0.iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| format!("{}:{}: {}", d.line, d.column, d.message))
            .collect();
    // Nothing is generated either.
    assert!(codegen::generate(text, &codegen::Config::new("x", "metadata.xml")).is_err());
    out
}

const HEAD: &str = r#"<?xml version="1.0"?>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">
<edmx:DataServices>
<Schema Namespace="S" xmlns="http://docs.oasis-open.org/odata/ns/edm">
"#;
const TAIL: &str = "</Schema>\n</edmx:DataServices>\n</edmx:Edmx>\n";

fn doc(body: &str) -> String {
    format!("{HEAD}{body}{TAIL}")
}

#[test]
fn malformed_xml_is_located() {
    let e = errors(&doc(
        "<EntityType Name=\"A\">\n<Key><PropertyRef Name=\"id\"/></Key>\n</EntityTyp>\n",
    ));
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e[0].starts_with("7:"), "{e:?}");
    assert!(e[0].contains("malformed XML"), "{e:?}");
}

#[test]
fn every_reference_problem_is_reported_at_once_where_it_is_written() {
    let text = doc(r#"<EntityType Name="A">
<Key><PropertyRef Name="nope"/></Key>
<Property Name="id" Type="Edm.Guid" Nullable="false"/>
<Property Name="b" Type="S.Missing"/>
</EntityType>
<EntityType Name="B" BaseType="S.C"><Key><PropertyRef Name="id"/></Key><Property Name="id" Type="Edm.Int32"/></EntityType>
<EntityType Name="C" BaseType="S.B"/>
<EntityContainer Name="E"><EntitySet Name="As" EntityType="S.A"/><EntitySet Name="Xs" EntityType="S.X"/></EntityContainer>
"#);
    let e = errors(&text);
    assert_eq!(e.len(), 4, "{e:#?}");
    assert!(
        e.iter().any(|m| m.starts_with("6:25:") && m.contains("`nope`")),
        "{e:#?}"
    );
    assert!(
        e.iter().any(|m| m.starts_with("8:26:") && m.contains("`S.Missing`")),
        "{e:#?}"
    );
    assert!(
        e.iter().any(|m| m.contains("cycle") && m.contains("S.B → S.C → S.B")),
        "{e:#?}"
    );
    assert!(e.iter().any(|m| m.starts_with("12:") && m.contains("`S.X`")), "{e:#?}");
}

#[test]
fn an_unknown_term_is_a_warning_and_foreign_ones_are_ignored() {
    let text = format!(
        "{}{}",
        HEAD.replace(
            "<edmx:DataServices>",
            "<edmx:Reference Uri=\"x\"><edmx:Include Namespace=\"Org.OData.Core.V1\" Alias=\"Core\"/></edmx:Reference>\n<edmx:DataServices>"
        ),
        r#"<EntityType Name="A"><Key><PropertyRef Name="id"/></Key>
<Property Name="id" Type="Edm.Guid" Nullable="false"><Annotation Term="Core.Descripton" String="typo"/></Property>
<Annotation Term="Vendor.Anything" Bool="true"/>
</EntityType>
<EntityContainer Name="E"><EntitySet Name="As" EntityType="S.A"/></EntityContainer>
"#
    ) + TAIL;
    let c = convert(&text).expect("converts");
    assert_eq!(c.warnings.len(), 1, "{:?}", c.warnings);
    assert!(c.warnings[0].message.contains("Org.OData.Core.V1.Descripton"));
    assert_eq!((c.warnings[0].line, c.warnings[0].column), (7, 72));
}

#[test]
fn no_dtd_no_entity_expansion() {
    let text = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"><edmx:DataServices/></edmx:Edmx>"#;
    let e = errors(text);
    assert!(e[0].contains("DTD"), "{e:?}");
}

#[test]
fn a_100_mb_document_is_refused_before_reading() {
    let mut text = doc("");
    let filler = format!("<!-- {} -->\n", "x".repeat(1 << 20));
    while text.len() < 100 << 20 {
        text.push_str(&filler);
    }
    let e = errors(&text);
    assert_eq!(e.len(), 1);
    assert!(e[0].starts_with("1:1:") && e[0].contains("64 MiB"), "{e:?}");
}

#[test]
fn ten_thousand_levels_are_refused_on_a_small_stack() {
    let mut body = String::new();
    for _ in 0..10_000 {
        body.push_str("<Annotation Term=\"X.Y\"><Record>");
    }
    for _ in 0..10_000 {
        body.push_str("</Record></Annotation>");
    }
    let text = doc(&format!("<EntityType Name=\"A\">{body}</EntityType>"));
    let e = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || errors(&text))
        .expect("thread")
        .join()
        .expect("no overflow");
    assert_eq!(e.len(), 1);
    assert!(e[0].contains("nest more than 64"), "{e:?}");
    assert!(e[0].starts_with("5:"), "{e:?}");
}

#[test]
fn not_csdl_at_all() {
    let e = errors("<html><body>Sign in</body></html>");
    assert!(e[0].contains("expected the root element edmx:Edmx"), "{e:?}");
    let e = errors("{\"$Version\": \"4.01\", ");
    assert!(e[0].starts_with("1:") && e[0].contains("malformed CSDL JSON"), "{e:?}");
    let e = errors("{\"$Version\": \"2.0\"}");
    assert!(e[0].contains("4.0 or 4.01"), "{e:?}");
    // A CSDL JSON problem is found by pointer and located in the text.
    let e = errors(
        "{\"$Version\": \"4.01\",\n \"S\": {\"T\": {\"$Kind\": \"EntityType\", \"$Key\": [\"id\"],\n  \"id\": {\"$Type\": \"S.Nothing\"}}}}",
    );
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e[0].starts_with("3:3:") && e[0].contains("`S.Nothing`"), "{e:?}");
}

#[test]
fn bad_facets_and_names_are_located() {
    let e = errors(&doc(r#"<EntityType Name="A"><Key><PropertyRef Name="id"/></Key>
<Property Name="id" Type="Edm.Guid" Nullable="maybe"/>
<Property Name="n" Type="Edm.String" MaxLength="lots"/>
<Property Type="Edm.String"/>
</EntityType>
<EnumType Name="E"><Member Name="a" Value="one"/></EnumType>
"#));
    assert_eq!(e.len(), 4, "{e:#?}");
    assert!(e.iter().any(|m| m.starts_with("6:") && m.contains("`maybe`")));
    assert!(e.iter().any(|m| m.starts_with("7:") && m.contains("`lots`")));
    assert!(e.iter().any(|m| m.starts_with("8:") && m.contains("no Name")));
    assert!(e.iter().any(|m| m.starts_with("10:") && m.contains("`one`")));
}

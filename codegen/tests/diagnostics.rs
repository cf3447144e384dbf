//! Broken specs give every problem, located, in one run, and no files.

fn diagnose(text: &str) -> Vec<String> {
    let config = codegen::Config::new("broken", "broken.yaml");
    match codegen::generate(text, &config) {
        Ok(_) => panic!("a broken spec generated"),
        Err(d) => d.0.iter().map(ToString::to_string).collect(),
    }
}

/// Generates a spec that must generate with `configure`d options; the
/// output and its warnings as text.
fn generate_with(text: &str, configure: impl FnOnce(&mut codegen::Config)) -> (codegen::Output, Vec<String>) {
    let mut config = codegen::Config::new("broken", "broken.yaml");
    configure(&mut config);
    let out = codegen::generate(text, &config).unwrap_or_else(|d| panic!("does not generate:\n{d}"));
    let warnings = out.warnings.iter().map(ToString::to_string).collect();
    (out, warnings)
}

/// The text of one emitted file.
fn file<'a>(out: &'a codegen::Output, path: &str) -> &'a str {
    &out.files.iter().find(|f| f.path == path).expect("emitted").contents
}

#[test]
fn yaml_syntax_error_is_located() {
    let d = diagnose("openapi: 3.0.3\ninfo: {title: x, version: 1\npaths: {}\n");
    assert_eq!(d.len(), 1, "{d:?}");
    assert!(d[0].starts_with("broken.yaml:3:"), "{d:?}");
    assert!(d[0].contains("error: invalid YAML"), "{d:?}");
}

#[test]
fn every_problem_is_reported_at_once() {
    let spec = r##"openapi: 3.0.3
info:
  title: Broken
  version: "1"
paths:
  /a/{id}:
    get:
      parameters:
        - name: q
          in: cookie
          schema: {type: string}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Missing"
  /b:
    post:
      callbacks:
        done: {}
      responses:
        "2XX":
          description: ok
          content:
            application/json:
              schema:
                type: [string, "null"]
components:
  schemas:
    Thing:
      type: object
      properties:
        n: {type: integer, exclusiveMinimum: 3}
        m: {type: strnig}
"##;
    let d = diagnose(spec);
    let expected = [
        "broken.yaml:7:5: error: the path has `{id}` but the operation declares no path parameter `id` (at /paths/~1a~1{id}/get)",
        "broken.yaml:9:11: error: the cookie parameter `q` is not supported (pass --skip-unsupported to leave the operation out) (at /paths/~1a~1{id}/get/parameters/0)",
        "broken.yaml:18:17: error: unresolved reference `#/components/schemas/Missing`: no such component (at /paths/~1a~1{id}/get/responses/200/content/application~1json/schema/$ref)",
        "broken.yaml:29:17: error: expected `type` to be a single string, found a sequence (a list of types is OpenAPI 3.1; use `nullable: true`) (at /paths/~1b/post/responses/2XX/content/application~1json/schema/type)",
        "broken.yaml:35:28: error: expected `exclusiveMinimum` to be true or false, found the number 3 (a number here is OpenAPI 3.1) (at /components/schemas/Thing/properties/n/exclusiveMinimum)",
        "broken.yaml:36:13: error: expected `type` to be string, number, integer, boolean, array or object, found `strnig` (at /components/schemas/Thing/properties/m/type)",
    ];
    let errors: Vec<&String> = d.iter().filter(|l| l.contains(": error: ")).collect();
    for e in expected {
        assert!(
            d.iter().any(|l| l == e),
            "missing diagnostic:\n{e}\nall:\n{}",
            d.join("\n")
        );
    }
    // A callback is no longer a problem: the operation is generated.
    assert!(!d.iter().any(|l| l.contains("callbacks")), "{d:#?}");
    assert_eq!(errors.len(), expected.len(), "{d:#?}");
}

#[test]
fn callbacks_keep_their_operation_and_give_models() {
    let spec = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/callbacks.yaml"))
        .expect("fixture");
    let out = codegen::generate(&spec, &codegen::Config::new("cb", "callbacks.yaml")).expect("generates");
    let warnings: Vec<String> = out.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(warnings.len(), 2, "{warnings:#?}");
    assert!(
        warnings[0].starts_with("callbacks.yaml:23:9: warning: callback `onEvent` is sent by the API to you")
            && warnings[0].contains("POST {$request.body#/callbackUrl}/events")
            && warnings[0].contains("the model `SubscribeOnEventPostBody` decodes what it sends"),
        "{warnings:#?}"
    );
    assert!(
        warnings[1].contains("`onCancel`") && warnings[1].contains("`Cancellation`"),
        "{warnings:#?}"
    );
    let ops = out
        .files
        .iter()
        .find(|f| f.path == "src/operations.rs")
        .expect("operations");
    assert!(ops.contents.contains("pub fn subscribe("));
    let models = out.files.iter().find(|f| f.path == "src/models.rs").expect("models");
    assert!(models.contents.contains("pub struct SubscribeOnEventPostBody"));
}

#[test]
fn unsupported_operations_can_be_skipped() {
    let spec = r#"openapi: 3.0.3
info: {title: Skip, version: "1"}
paths:
  /a:
    get:
      operationId: withCookie
      parameters:
        - {name: session, in: cookie, schema: {type: string}}
      responses:
        "204": {description: ok}
  /b:
    get:
      operationId: fine
      responses:
        "204": {description: ok}
"#;
    let mut config = codegen::Config::new("skip", "skip.yaml");
    assert!(codegen::generate(spec, &config).is_err());
    config.skip_unsupported = true;
    let out = codegen::generate(spec, &config).expect("generates with the operation left out");
    let warning = out
        .warnings
        .iter()
        .map(ToString::to_string)
        .find(|w| w.contains("cookie"))
        .expect("a warning");
    assert_eq!(
        warning,
        "skip.yaml:8:11: warning: the cookie parameter `session` is not supported; the operation at /paths/~1a/get is skipped (--skip-unsupported) (at /paths/~1a/get/parameters/0)"
    );
    let ops = out
        .files
        .iter()
        .find(|f| f.path == "src/operations.rs")
        .expect("operations");
    assert!(ops.contents.contains("pub fn fine("));
    assert!(!ops.contents.contains("with_cookie"));
}

#[test]
fn not_a_version_the_generator_reads() {
    assert_eq!(diagnose("swagger: '1.2'\ninfo: {title: x, version: '1'}\npaths: {}\n"), vec![
        "broken.yaml:1:1: error: expected `swagger: \"2.0\"` (or OpenAPI 3.0.x or 3.1.x), found \"1.2\" (at /swagger)".to_owned()
    ]);
    assert_eq!(diagnose("openapi: 3.2.0\ninfo: {title: x, version: '1'}\npaths: {}\n"), vec![
        "broken.yaml:1:1: error: expected OpenAPI 3.0.x or 3.1.x (or `swagger: \"2.0\"`), found version 3.2.0 (at /openapi)".to_owned()
    ]);
    assert_eq!(
        diagnose("- a\n- b\n"),
        vec!["broken.yaml:1:1: error: expected the document to be a mapping, found a sequence (at /)".to_owned()]
    );
    assert_eq!(
        diagnose(""),
        vec!["broken.yaml:1:1: error: expected the document to be a mapping, found null (at /)".to_owned()]
    );
}

#[test]
fn reference_loops_and_wrong_sections() {
    let spec = r##"openapi: 3.0.3
info: {title: x, version: "1"}
paths:
  /a:
    get:
      parameters:
        - $ref: "#/components/schemas/A"
      responses:
        "200":
          $ref: "#/components/responses/R"
components:
  responses:
    R: {$ref: "#/components/responses/S"}
    S: {$ref: "#/components/responses/R"}
  schemas:
    A: {type: string}
"##;
    let d = diagnose(spec);
    assert!(d.iter().any(|l| l == "broken.yaml:7:11: error: expected a reference to `#/components/parameters/...`, found `#/components/schemas/A` (at /paths/~1a/get/parameters/0/$ref)"), "{d:#?}");
    let cycles: Vec<&String> = d.iter().filter(|l| l.contains("form a cycle")).collect();
    assert_eq!(cycles.len(), 1, "one cycle, reported once: {d:#?}");
    assert!(cycles[0].contains("#/components/responses/R") && cycles[0].contains("#/components/responses/S"));
}

#[test]
fn json_is_read_as_json_and_located() {
    // A syntax error names JSON, with its line and column.
    let d = diagnose("{\n  \"openapi\": \"3.0.3\",\n  \"info\": {\"title\": \"x\" \"version\": \"1\"}\n}");
    assert_eq!(d.len(), 1, "{d:?}");
    assert!(d[0].starts_with("broken.yaml:3:"), "{d:?}");
    assert!(d[0].contains("error: invalid JSON"), "{d:?}");
    // A problem past a surrogate-pair escape (which the YAML parser refuses)
    // is located in the JSON text.
    let spec = "{\n  \"openapi\": \"3.0.3\",\n  \"info\": {\"title\": \"\\ud83d\\udc4d\", \"version\": \"1\"},\n  \"paths\": {\n    \"/x\": {\"get\": {\"responses\": {\"200\": {\"description\": \"ok\", \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/Nope\"}}}}}}}\n  }\n}";
    let d = diagnose(spec);
    assert_eq!(d.len(), 1, "{d:?}");
    assert!(d[0].starts_with("broken.yaml:5:"), "{d:?}");
    assert!(d[0].contains("Nope"), "{d:?}");
}

#[test]
fn json_with_a_byte_order_mark_and_emoji_generates() {
    let spec = "\u{feff}{\"openapi\":\"3.0.3\",\"info\":{\"title\":\"\\ud83d\\udc4d\",\"version\":\"1\"},\"paths\":{\"/x\":{\"get\":{\"operationId\":\"getX\",\"responses\":{\"200\":{\"description\":\"\\ud83d\\udc4d ok\"}}}}}}";
    let out = codegen::generate(spec, &codegen::Config::new("emoji", "emoji.json")).expect("generates");
    assert!(out.files.iter().any(|f| f.contents.contains("get_x")));
}

#[test]
fn what_published_yaml_does_is_read() {
    // Components before openapi, integer response codes, an empty path item,
    // and `$ref`s inside extensions that point at files that are not there.
    let spec = r##"components:
  schemas:
    Pet: {type: object, properties: {id: {type: integer}}}
openapi: 3.0.3
info: {title: t, version: "1"}
x-extra: {$ref: "./missing.yaml#/nothing"}
paths:
  /empty: {}
  /pets:
    get:
      operationId: listPets
      x-codegen: {$ref: "other-file.json"}
      responses:
        200:
          description: ok
          content:
            application/json:
              schema: {type: array, items: {$ref: "#/components/schemas/Pet"}}
"##;
    let out = codegen::generate(spec, &codegen::Config::new("published", "published.yaml")).expect("generates");
    assert!(out.files.iter().any(|f| f.contents.contains("list_pets")));
}

#[test]
fn a_cycle_of_references_is_reported_with_its_chain() {
    let spec = r##"openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a:
    get:
      parameters:
        - $ref: "#/components/parameters/A"
      responses:
        "204": {description: ok}
components:
  parameters:
    A: {$ref: "#/components/parameters/B"}
    B: {$ref: "#/components/parameters/A"}
"##;
    let d = diagnose(spec);
    assert!(
        d.iter().any(|l| l.contains(
            "cycle with nothing in between: #/components/parameters/A → #/components/parameters/B → #/components/parameters/A"
        )),
        "{d:#?}"
    );
}

#[test]
fn references_anywhere_in_the_document_are_followed() {
    let spec = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/refs_anywhere.yaml"
    ))
    .expect("fixture");
    let out = codegen::generate(&spec, &codegen::Config::new("refs", "refs_anywhere.yaml")).expect("generates");
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
    let models = file(&out, "src/models.rs");
    // A parameter's schema, a member of a response's oneOf and a property
    // became components; a pointer to a `$ref` is its target.
    for t in [
        "pub enum State",
        "pub struct OutcomeOneOf0",
        "pub type RunId = String",
        "pub struct Step",
    ] {
        assert!(models.contains(t), "{t} missing");
    }
    assert!(!models.contains("RunStepOneOf1"), "a pointer to a $ref made a copy");
    // A mistake inside a hoisted schema is still located where it is written.
    let broken = spec.replace(
        "enum: [queued, running, done]",
        "enum: [queued, running, done], minLength: x",
    );
    let d = diagnose(&broken);
    assert!(
        d.iter()
            .any(|l| l.contains("(at /components/parameters/state/schema/minLength)")),
        "{d:#?}"
    );
}

#[test]
fn a_response_pointing_at_a_request_body_is_read_under_lenient() {
    let spec = r##"openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a:
    put:
      operationId: putA
      requestBody: {$ref: "#/components/requestBodies/Data"}
      responses:
        "200": {$ref: "#/components/requestBodies/Data"}
components:
  requestBodies:
    Data:
      required: true
      content:
        application/json:
          schema: {type: object, properties: {v: {type: string}}}
"##;
    let d = diagnose(spec);
    assert!(d.iter().any(|l| l.contains("pass --lenient")), "{d:#?}");
    let (out, w) = generate_with(spec, |c| c.lenient = true);
    assert!(
        w.iter()
            .any(|l| l.starts_with("broken.yaml:9:") && l.contains("(--lenient)")),
        "{w:#?}"
    );
    // The 200 decodes the request body's content.
    let ops = file(&out, "src/operations.rs");
    assert!(
        ops.contains("crate::Response<crate::models::PutAResponse, ()>"),
        "{ops}"
    );
    let models = file(&out, "src/models.rs");
    assert!(
        models.contains("pub struct PutAResponse") && models.contains("pub v:"),
        "{models}"
    );
}

#[test]
fn authors_mistakes_are_warnings_under_lenient() {
    let spec = r##"openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /items:
    parameters:
      - {name: itemId, in: path, required: true, schema: {type: string}}
    get:
      operationId: listItems
      security: [{ghost: []}]
      responses:
        "204": {description: ok}
"##;
    let d = diagnose(spec);
    assert!(
        d.iter()
            .any(|l| l.contains("path parameter `itemId` is declared but the path has no `{itemId}` (pass --lenient")),
        "{d:#?}"
    );
    assert!(
        d.iter()
            .any(|l| l.contains("unknown security scheme `ghost`") && l.contains("pass --lenient")),
        "{d:#?}"
    );
    let (out, w) = generate_with(spec, |c| c.lenient = true);
    assert_eq!(w.len(), 2, "{w:#?}");
    assert!(
        w[0].starts_with("broken.yaml:7:5: warning: path parameter `itemId`"),
        "{w:#?}"
    );
    assert!(
        w[1].starts_with("broken.yaml:9:") && w[1].contains("counts as none"),
        "{w:#?}"
    );
    let ops = file(&out, "src/operations.rs");
    assert!(
        ops.contains("pub fn list_items(&self)"),
        "the dropped path parameter is not an argument"
    );
    let compact: String = ops.split_whitespace().collect();
    assert!(
        compact.contains("Method::GET,path,&[],"),
        "an undeclared scheme asks for no token"
    );
}

#[path = "support/synthetic.rs"]
mod synthetic;

#[test]
fn deep_nesting_sets_the_recursion_limit_rustc_needs() {
    let out =
        codegen::generate(&synthetic::deep_spec(150), &codegen::Config::new("deep", "deep.yaml")).expect("generates");
    let lib = file(&out, "src/lib.rs");
    assert!(
        lib.contains("#![recursion_limit = \"512\"]"),
        "{}",
        &lib[..lib.len().min(600)]
    );
    let shallow =
        codegen::generate(&synthetic::deep_spec(10), &codegen::Config::new("deep", "deep.yaml")).expect("generates");
    let lib = &shallow
        .files
        .iter()
        .find(|f| f.path == "src/lib.rs")
        .expect("lib")
        .contents;
    assert!(!lib.contains("recursion_limit"));
}

#[test]
fn a_very_long_reference_chain_does_not_overflow_the_stack() {
    // Tests run on 2 MiB stacks: no part of generation may recurse once per
    // level of a chain of references.
    let spec = synthetic::deep_spec(3_000);
    let out = codegen::generate(&spec, &codegen::Config::new("deep", "deep.yaml")).expect("generates");
    assert!(out.files.iter().any(|f| f.contents.contains("pub struct Level2999")));
    // The same chain written deepest first: each component refers to one
    // not yet read.
    let (head, levels) = spec.split_once("    Level0:\n").expect("levels");
    let mut blocks: Vec<String> = levels.split("    Level").map(str::to_owned).collect();
    blocks[0] = format!("0:\n{}", blocks[0]);
    blocks.reverse();
    let reversed = format!(
        "{head}{}",
        blocks.iter().map(|b| format!("    Level{b}")).collect::<String>()
    );
    let out = codegen::generate(&reversed, &codegen::Config::new("deep", "deep.yaml")).expect("generates");
    assert!(out.files.iter().any(|f| f.contents.contains("pub struct Level0")));
}

#[test]
fn validation_and_lowering_report_in_one_run_each_problem_once() {
    // A validation error (an unknown type) and a lowering error (a
    // parameter whose schema cannot be sent) in one document; the shared
    // parameter is used by three operations.
    let spec = r##"openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a:
    get:
      parameters: [{$ref: "#/components/parameters/filter"}]
      responses: {"204": {description: ok}}
  /b:
    get:
      parameters: [{$ref: "#/components/parameters/filter"}]
      responses: {"204": {description: ok}}
  /c:
    get:
      parameters: [{$ref: "#/components/parameters/filter"}]
      responses: {"204": {description: ok}}
components:
  parameters:
    filter:
      name: filter
      in: query
      schema:
        type: object
        properties:
          nested: {type: object, properties: {deeper: {type: object}}}
  schemas:
    Thing:
      type: object
      properties:
        m: {type: strnig}
"##;
    let d = diagnose(spec);
    let errors: Vec<&String> = d.iter().filter(|l| l.contains(": error: ")).collect();
    assert!(errors.iter().any(|l| l.contains("found `strnig`")), "{d:#?}");
    let param: Vec<&&String> = errors
        .iter()
        .filter(|l| l.contains("(at /components/parameters/filter/schema)"))
        .collect();
    assert_eq!(param.len(), 1, "once, at the declaration: {d:#?}");
    assert!(param[0].contains("(3 places use it)"), "{d:#?}");
    assert!(param[0].starts_with("broken.yaml:21:7:"), "{d:#?}");
}

#[test]
fn skip_unsupported_skips_what_lowering_cannot_do_too() {
    // A parameter that cannot be written as text is found while lowering:
    // --skip-unsupported leaves that operation out and keeps the other.
    let spec = r##"openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /bad:
    get:
      operationId: bad
      parameters:
        - name: deep
          in: query
          schema: {type: object, properties: {inner: {type: object, properties: {x: {type: string}}}}}
      responses: {"204": {description: ok}}
  /good:
    get:
      operationId: good
      responses: {"204": {description: ok}}
"##;
    // One policy, whichever stage finds it: the error names the flag, as
    // validation's do.
    let d = diagnose(spec);
    assert!(
        d.iter().any(|l| l.contains("cannot be written as text")
            && l.contains("(pass --skip-unsupported to leave the operation out)")),
        "{d:#?}"
    );
    let (out, w) = generate_with(spec, |c| c.skip_unsupported = true);
    assert!(
        w.iter()
            .any(|l| l.contains("the operation at /paths/~1bad/get is skipped (--skip-unsupported)")),
        "{w:#?}"
    );
    let ops = file(&out, "src/operations.rs");
    assert!(ops.contains("pub fn good(") && !ops.contains("pub fn bad("));
}

/// A Swagger 2.0 document is rebuilt in 3.0's layout, but each problem is
/// reported where the user wrote it: in `definitions`, in a body
/// parameter's schema, at a form field, at a `collectionFormat`.
#[test]
fn swagger2_problems_point_into_the_file_as_written() {
    let spec = r##"swagger: "2.0"
info: {title: x, version: "1"}
paths:
  /pets:
    post:
      parameters:
        - name: body
          in: body
          schema:
            type: object
            properties:
              size: {type: integr}
        - name: ids
          in: header
          type: array
          items: {type: string}
          collectionFormat: ssv
      responses:
        204: {description: ok}
  /pets/{id}/photo:
    post:
      consumes: [multipart/form-data]
      parameters:
        - {name: id, in: path, required: true, type: string}
        - {name: file, in: formData, type: file}
        - {name: caption, in: formData, type: string, maxLength: many}
      responses:
        204: {description: ok}
definitions:
  Pet:
    type: object
    required: [name]
    properties:
      name: {type: string, enum: []}
"##;
    assert_eq!(diagnose(spec), vec![
        "broken.yaml:12:22: error: expected `type` to be string, number, integer, boolean, array or object, found `integr` (at /paths/~1pets/post/parameters/0/schema/properties/size/type)".to_owned(),
        "broken.yaml:17:11: error: `collectionFormat: ssv` in a header parameter cannot be sent (csv is supported everywhere; multi, ssv, tsv and pipes in a query) (at /paths/~1pets/post/parameters/1/collectionFormat)".to_owned(),
        "broken.yaml:26:55: error: expected `maxLength` to be a non-negative integer, found the string \"many\" (at /paths/~1pets~1{id}~1photo/post/parameters/2/maxLength)".to_owned(),
        "broken.yaml:34:28: error: expected `enum` to list at least one value (--lenient reads an empty one as absent) (at /definitions/Pet/properties/name/enum)".to_owned(),
    ]);
}

/// An OpenAPI 3.1 document's problems are located in it too: in a
/// webhook's payload, in `$defs`, at a `$ref` that YAML read as a comment.
#[test]
fn openapi31_problems_point_into_the_file_as_written() {
    let spec = r##"openapi: 3.1.0
info: {title: x, version: "1"}
webhooks:
  ping:
    post:
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                at: {type: [strin, "null"]}
      responses:
        "200": {description: ok}
components:
  schemas:
    A:
      type: object
      properties:
        b: {$ref: "#/components/schemas/A/$defs/B"}
        c:
          $ref: #/components/schemas/C
      $defs:
        B:
          type: object
          properties:
            n: {type: integer, minimum: low}
"##;
    let d = diagnose(spec);
    assert_eq!(d, vec![
        "broken.yaml:4:3: warning: webhook `ping` is a request the API sends to you, not one a client makes: no method is generated for POST; the schema `PingWebhook` describes what it sends and is generated as a model (at /webhooks/ping)".to_owned(),
        "broken.yaml:12:22: error: expected `type` to be string, number, integer, boolean, array or object, found `strin` (at /webhooks/ping/post/requestBody/content/application~1json/schema/properties/at/type)".to_owned(),
        "broken.yaml:22:11: error: `$ref` has no value: YAML reads an unquoted `#…` as a comment; quote the reference, or pass --lenient to read it as any JSON value (at /components/schemas/A/properties/c/$ref)".to_owned(),
        "broken.yaml:27:32: error: expected `minimum` to be a number, found the string \"low\" (at /components/schemas/A/$defs/B/properties/n/minimum)".to_owned(),
    ]);
}

/// `--lenient` reads a lost `$ref` as any JSON value, with the warning in
/// place of the error.
#[test]
fn openapi31_lost_reference_under_lenient() {
    let spec = "openapi: 3.1.0\ninfo: {title: x, version: \"1\"}\npaths: {}\ncomponents:\n  schemas:\n    A:\n      type: object\n      properties:\n        c:\n          $ref: #/components/schemas/C\n";
    let (out, w) = generate_with(spec, |c| c.lenient = true);
    assert_eq!(w, vec!["broken.yaml:10:11: warning: `$ref` has no value: YAML reads an unquoted `#…` as a comment, so the reference was lost; read as any JSON value (--lenient); quote the reference (at /components/schemas/A/properties/c/$ref)".to_owned()]);
    let models = file(&out, "src/models.rs");
    assert!(models.contains("pub c: Option<::serde_json::Value>"), "{models}");
}

/// A nullable reference is rewritten once, in the upgrade, before
/// validation, and what moved is recorded: a problem inside it points where
/// the user wrote it, in each version's way of writing one.
#[test]
fn a_nullable_reference_points_where_it_was_written() {
    // 3.0: `nullable` beside the `$ref` (which 3.0 ignores).
    let v30 = r##"openapi: 3.0.3
info: {title: t, version: "1"}
paths: {}
components:
  schemas:
    A:
      type: object
      properties:
        b:
          nullable: true
          $ref: "#/components/schemas/Missing"
"##;
    let d = diagnose(v30);
    assert!(
        d.iter().any(|l| l.starts_with("broken.yaml:11:")
            && l.contains("unresolved reference `#/components/schemas/Missing`")
            && l.ends_with("(at /components/schemas/A/properties/b/$ref)")),
        "{d:#?}"
    );
    assert!(
        d.iter()
            .any(|l| l.contains("1 `$ref`(s) carry `nullable: true` beside them")),
        "{d:#?}"
    );
    // 3.1: `anyOf` with `null`, the one member left an inline schema.
    let v31 = r##"openapi: 3.1.0
info: {title: t, version: "1"}
paths: {}
components:
  schemas:
    A:
      type: object
      properties:
        b:
          anyOf:
            - type: "null"
            - type: object
              properties:
                c: {type: string}
              discriminator: {propertyName: c}
"##;
    let (_, warnings) = generate_with(v31, |_| {});
    assert!(
        warnings.iter().any(|w| w.starts_with("broken.yaml:15:")
            && w.contains("a `discriminator` without `oneOf` or `anyOf` is ignored")
            && w.ends_with("(at /components/schemas/A/properties/b/anyOf/1/discriminator)")),
        "{warnings:#?}"
    );
}

/// Two more mistakes of authors, refused with a hint and read under
/// `--lenient`: a path parameter without `required: true` (required, as
/// OpenAPI means) and `responses: {}` (the response given raw).
#[test]
fn an_optional_path_parameter_and_no_responses_under_lenient() {
    let spec = r##"openapi: 3.0.3
info: {title: L, version: "1"}
paths:
  /items/{id}:
    get:
      operationId: getItem
      parameters:
        - {name: id, in: path, schema: {type: string}}
      responses:
        "200": {description: ok}
  /raw:
    get:
      operationId: getRaw
      responses: {}
"##;
    let d = diagnose(spec);
    assert_eq!(d.len(), 2, "{d:#?}");
    assert!(
        d[0].starts_with("broken.yaml:8:11: error:") && d[0].contains("(--lenient reads it as required)"),
        "{d:#?}"
    );
    assert!(
        d[1].starts_with("broken.yaml:14:7: error:") && d[1].contains("(--lenient gives the response raw)"),
        "{d:#?}"
    );
    let (out, w) = generate_with(spec, |c| c.lenient = true);
    assert_eq!(w.len(), 2, "{w:#?}");
    assert!(
        w[0].starts_with("broken.yaml:8:11: warning: path parameter `id` has no `required: true`"),
        "{w:#?}"
    );
    assert!(
        w[1].starts_with("broken.yaml:14:7: warning: the operation documents no response"),
        "{w:#?}"
    );
    let ops = file(&out, "src/operations.rs");
    assert!(
        ops.contains("pub fn get_item(&self, id: impl Into<String>)"),
        "the id is required"
    );
    assert!(ops.contains("crate::Response<::bytes::Bytes, ()>"), "the raw response");
}

/// A path key with a query string (Azure DevOps writes them): its slots are
/// query parameters, named before their `=`; fixed pairs stay in the path;
/// a problem inside still points into the key as written.
#[test]
fn a_query_string_in_a_path_key_gives_query_parameters() {
    let spec = r##"openapi: 3.0.3
info: {title: Q, version: "1"}
paths:
  /repos/{repo}/items?api-version=7.1&includeParent={includeParent}&$top={top}:
    get:
      operationId: getItems
      parameters:
        - {name: repo, in: path, required: true, schema: {type: string}}
        - {name: includeParent, in: path, required: true, schema: {type: boolean}}
      responses:
        "200": {description: ok}
"##;
    let (out, w) = generate_with(spec, |_| {});
    assert!(w.is_empty(), "{w:#?}");
    let ops = file(&out, "src/operations.rs");
    assert!(
        ops.contains(
            "pub fn get_items(\n        &self,\n        repo: impl Into<String>,\n        include_parent: bool,\n    )"
        ),
        "{ops}"
    );
    assert!(ops.contains("\"includeParent\""), "sent by the name before `=`");
    assert!(
        ops.contains("\"$top\""),
        "an undeclared slot is an optional text parameter"
    );
    assert!(ops.contains("api-version=7.1"), "the fixed pair stays");
    let broken = spec.replace("type: boolean", "type: bool");
    let d = diagnose(&broken);
    assert!(
        d.iter()
            .any(|l| l.starts_with("broken.yaml:9:") && l.contains("/paths/~1repos~1{repo}~1items?api-version=7.1&includeParent={includeParent}&$top={top}/get/parameters/1")),
        "{d:#?}"
    );
}

/// YAML anchors, aliases and merge keys are read, by both YAML readers
/// (the second is taken for values serde refuses, such as an integer beyond
/// 64 bits); aliases that expand without bound are refused where they start.
#[test]
fn anchors_aliases_and_merge_keys() {
    let spec = r##"openapi: 3.0.3
info: {title: A, version: "1"}
x-defs:
  ok: &ok
    description: ok
    content:
      application/json:
        schema: {type: object, properties: {a: {type: string}}}
paths:
  /a:
    get:
      operationId: getA
      responses:
        "200": *ok
  /b:
    get:
      operationId: getB
      responses:
        "200":
          <<: *ok
          description: merged
"##;
    let big = spec.replace("x-defs:\n", "x-big: -9223372036854776000\nx-defs:\n");
    for text in [spec.to_owned(), big] {
        let (out, w) = generate_with(&text, |_| {});
        assert!(w.is_empty(), "{w:#?}");
        let ops = file(&out, "src/operations.rs");
        assert!(
            ops.contains("crate::Response<crate::models::GetAResponse, ()>"),
            "the alias"
        );
        assert!(
            ops.contains("crate::Response<crate::models::GetBResponse, ()>"),
            "the merge key"
        );
    }
    let mut laughs = String::from(
        "openapi: 3.0.3\ninfo: {title: A, version: \"1\"}\nx-a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n",
    );
    let mut previous = 'a';
    for name in "bcdefghi".chars() {
        let items = vec![format!("*{previous}"); 9].join(", ");
        laughs.push_str(&format!("x-{name}: &{name} [{items}]\n"));
        previous = name;
    }
    laughs.push_str("paths: {}\n");
    let d = diagnose(&laughs);
    assert_eq!(d.len(), 1, "{d:#?}");
    assert!(
        d[0].starts_with("broken.yaml:8:") && d[0].contains("aliases expand to more than 200000 nodes"),
        "{d:#?}"
    );
}

/// `Accept` lists every media type the client reads of the documented
/// responses, errors included, JSON types by their own names; a type it
/// cannot read (XML beside JSON) is left out.
#[test]
fn accept_lists_what_every_documented_response_can_be() {
    let spec = r##"openapi: 3.0.3
info: {title: A, version: "1"}
paths:
  /things:
    get:
      operationId: listThings
      responses:
        "200":
          description: ok
          content:
            application/vnd.things+json: {schema: {type: array, items: {type: string}}}
        "404":
          description: missing
          content:
            application/problem+json: {schema: {type: object, properties: {title: {type: string}}}}
            application/xml: {schema: {type: object}}
        default:
          description: other
          content:
            text/plain: {schema: {type: string}}
"##;
    let (out, _) = generate_with(spec, |_| {});
    let ops = file(&out, "src/operations.rs");
    assert!(
        ops.contains("Some(\"application/vnd.things+json, application/problem+json, text/plain\")"),
        "{ops}"
    );
}

#[test]
fn content_left_empty_by_an_indentation_slip_under_lenient() {
    let spec = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /hook:\n    post:\n      requestBody:\n        content:\n        text/plain:\n          schema: {type: string}\n      responses:\n        '204': {description: done}\n";
    let strict = diagnose(spec);
    assert_eq!(
        strict,
        [
            "broken.yaml:7:9: error: expected `content` to be a mapping, found null (at /paths/~1hook/post/requestBody/content)"
        ]
    );
    let (out, warnings) = generate_with(spec, |c| c.lenient = true);
    assert_eq!(
        warnings,
        [
            "broken.yaml:7:9: warning: `content` is empty and `text/plain` written beside it; read as its member (--lenient) (at /paths/~1hook/post/requestBody/content)"
        ]
    );
    let ops = file(&out, "src/operations.rs");
    assert!(ops.contains("req.body(\"text/plain\""), "the text body is offered");
}

#[test]
fn a_schema_that_names_a_response_under_lenient() {
    let spec = r##"openapi: 3.0.3
info: {title: x, version: "1"}
paths:
  /a:
    get:
      parameters:
        - name: f
          in: query
          schema:
            $ref: "#/components/parameters/Filter"
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  error:
                    $ref: "#/components/responses/Problem"
components:
  parameters:
    Filter: {name: filter, in: query, schema: {type: string, enum: [on, off]}}
  responses:
    Problem:
      description: A problem.
      content:
        application/problem+json:
          schema:
            type: object
            properties:
              title: {type: string}
"##;
    let strict = diagnose(spec);
    assert!(
        strict.iter().any(|l| l == "broken.yaml:20:21: error: expected a reference to `#/components/schemas/...`, found `#/components/responses/Problem`; pass --lenient to read the schema it holds (at /paths/~1a/get/responses/200/content/application~1json/schema/properties/error/$ref)"),
        "{strict:#?}"
    );
    let (out, warnings) = generate_with(spec, |c| c.lenient = true);
    assert_eq!(
        warnings,
        [
            "broken.yaml:10:13: warning: `#/components/parameters/Filter` is a parameter where a schema is expected; read as the schema it holds (--lenient) (at /paths/~1a/get/parameters/0/schema/$ref)",
            "broken.yaml:20:21: warning: `#/components/responses/Problem` is a response where a schema is expected; read as the schema it holds (--lenient) (at /paths/~1a/get/responses/200/content/application~1json/schema/properties/error/$ref)",
        ]
    );
    let models = file(&out, "src/models.rs");
    assert!(
        models.contains("pub struct Problem {") && models.contains("pub title: Option<String>"),
        "{models}"
    );
    assert!(models.contains("pub enum Filter {"), "{models}");
    assert!(models.contains("pub error: Option<crate::models::Problem>"), "{models}");
}

//! Builds a synthetic OpenAPI 3.0 spec of any size: resources of four
//! operations each (list with OData options, get, patch with `If-Match`,
//! delete), each resource with its own schema (formats, an enum, a nested
//! object, read-only fields). Used by the compile test and `cargo xtask bench`.

use std::fmt::Write;

/// A spec with `operations` operations (rounded up to a multiple of four).
#[allow(dead_code)]
pub fn synthetic_spec(operations: usize) -> String {
    let resources = operations.div_ceil(4);
    let mut s = String::from(
        "openapi: 3.0.3\ninfo:\n  title: Synthetic\n  version: \"1\"\nservers:\n  - url: http://127.0.0.1:8080/api\nsecurity:\n  - bearer: []\npaths:\n",
    );
    for r in 0..resources {
        let _ = write!(
            s,
            r##"  /companies({{companyId}})/resource{r}s:
    parameters:
      - $ref: "#/components/parameters/companyId"
    get:
      operationId: listResource{r}
      summary: List resource {r}
      parameters:
        - {{name: $top, in: query, schema: {{type: integer, format: int32}}}}
        - {{name: $filter, in: query, schema: {{type: string}}}}
        - {{name: $select, in: query, explode: false, schema: {{type: array, items: {{type: string}}}}}}
        - {{name: Prefer, in: header, schema: {{type: string}}}}
      responses:
        "200":
          description: a page
          content:
            application/json:
              schema:
                type: object
                required: [value]
                properties:
                  value: {{type: array, items: {{$ref: "#/components/schemas/resource{r}"}}}}
                  "@odata.nextLink": {{type: string}}
        "401": {{$ref: "#/components/responses/error"}}
  /companies({{companyId}})/resource{r}s({{id}}):
    parameters:
      - $ref: "#/components/parameters/companyId"
      - {{name: id, in: path, required: true, schema: {{type: string, format: uuid}}}}
    get:
      operationId: getResource{r}
      responses:
        "200":
          description: one
          headers:
            ETag: {{schema: {{type: string}}}}
          content:
            application/json:
              schema: {{$ref: "#/components/schemas/resource{r}"}}
        "404": {{$ref: "#/components/responses/error"}}
    patch:
      operationId: updateResource{r}
      parameters:
        - {{name: If-Match, in: header, required: true, schema: {{type: string}}}}
      requestBody:
        required: true
        content:
          application/json:
            schema: {{$ref: "#/components/schemas/resource{r}"}}
      responses:
        "200":
          description: updated
          content:
            application/json:
              schema: {{$ref: "#/components/schemas/resource{r}"}}
        "409": {{$ref: "#/components/responses/error"}}
    delete:
      operationId: deleteResource{r}
      parameters:
        - {{name: If-Match, in: header, required: true, schema: {{type: string}}}}
      responses:
        "204": {{description: deleted}}
        "409": {{$ref: "#/components/responses/error"}}
"##
        );
    }
    s.push_str("components:\n  securitySchemes:\n    bearer: {type: http, scheme: bearer}\n  parameters:\n    companyId: {name: companyId, in: path, required: true, schema: {type: string, format: uuid}}\n");
    s.push_str("  responses:\n    error:\n      description: an error\n      content:\n        application/json:\n          schema: {$ref: \"#/components/schemas/error\"}\n");
    s.push_str("  schemas:\n    error:\n      type: object\n      required: [error]\n      properties:\n        error:\n          type: object\n          required: [code, message]\n          properties:\n            code: {type: string}\n            message: {type: string}\n");
    for r in 0..resources {
        let _ = write!(
            s,
            r##"    resource{r}:
      type: object
      required: [id]
      properties:
        "@odata.etag": {{type: string, readOnly: true}}
        id: {{type: string, format: uuid, readOnly: true}}
        number: {{type: string, maxLength: 20}}
        displayName: {{type: string, nullable: true}}
        amount: {{type: number, format: double}}
        quantity: {{type: integer, format: int32}}
        blocked: {{type: boolean}}
        lastModifiedDateTime: {{type: string, format: date-time, readOnly: true}}
        status: {{type: string, enum: [Draft, Open, Closed, In Progress]}}
        address:
          type: object
          properties:
            street: {{type: string}}
            city: {{type: string}}
            countryCode: {{type: string}}
        tags: {{type: array, items: {{type: string}}}}
"##
        );
    }
    s
}

/// A spec whose schemas nest `depth` levels deep through acyclic `$ref`s:
/// each level holds a list of the one before, and one operation returns the
/// deepest. Such chains once overflowed rustc's drop-check.
#[allow(dead_code)]
pub fn deep_spec(depth: usize) -> String {
    let mut s = String::from(
        "openapi: 3.0.3\ninfo: {title: Deep nesting, version: \"1\"}\npaths:\n  /deep:\n    get:\n      operationId: getDeep\n      responses:\n        \"200\":\n          description: the deepest level\n          content:\n            application/json:\n              schema: {$ref: \"#/components/schemas/Level",
    );
    let _ = write!(
        s,
        "{}\"}}\ncomponents:\n  schemas:\n    Level0:\n      type: object\n      properties:\n        name: {{type: string}}\n",
        depth - 1
    );
    for level in 1..depth {
        let _ = write!(
            s,
            "    Level{level}:\n      type: object\n      properties:\n        name: {{type: string}}\n        children:\n          type: array\n          items: {{$ref: \"#/components/schemas/Level{}\"}}\n",
            level - 1
        );
    }
    s
}

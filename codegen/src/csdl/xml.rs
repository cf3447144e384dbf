//! CSDL XML (`<edmx:Edmx>`, OData V4/4.01, and V2/V3 with `Version="1.0"`)
//! read into the [`Model`]. Element by element, every problem located by
//! line and column; what the converter does not use is skipped unread.

use std::collections::HashMap;

use roxmltree::{Document, Node, ParsingOptions};

use super::model::*;
use super::{Found, MAX_BYTES, MAX_NESTING};

const EDMX_V4: &str = "http://docs.oasis-open.org/odata/ns/edmx";
const EDM_V4: &str = "http://docs.oasis-open.org/odata/ns/edm";
const EDMX_V2: &str = "http://schemas.microsoft.com/ado/2007/06/edmx";
/// The metadata namespace of V2/V3 (`m:HttpMethod`, `m:IsDefaultEntityContainer`).
const METADATA_V2: &str = "http://schemas.microsoft.com/ado/2007/08/dataservices/metadata";
/// SAP Gateway's annotations on V2 entity sets (`sap:creatable="false"`).
const SAP: &str = "http://www.sap.com/Protocols/SAPData";

/// Reads the XML text; problems go to `found`. `None` when it cannot be read
/// as CSDL at all.
pub(crate) fn read(text: &str, found: &mut Found) -> Option<Model> {
    if text.len() > MAX_BYTES {
        found.error(
            Pos {
                line: 1,
                column: 1,
                path: String::new(),
            },
            format!(
                "the document is {} bytes, more than the {} MiB the converter reads (the largest published $metadata is a few MiB)",
                text.len(),
                MAX_BYTES >> 20
            ),
        );
        return None;
    }
    // No DTD: no entity expansion, so no "billion laughs".
    let options = ParsingOptions {
        allow_dtd: false,
        ..ParsingOptions::default()
    };
    let doc = match Document::parse_with_options(text, options) {
        Ok(doc) => doc,
        Err(e) => {
            let p = e.pos();
            found.error(
                Pos {
                    line: p.row as usize,
                    column: p.col as usize,
                    path: String::new(),
                },
                format!("malformed XML: {e}"),
            );
            return None;
        }
    };
    let reader = Reader {
        doc: &doc,
        aliases: HashMap::new(),
    };
    if let Some(deep) = reader.too_deep() {
        found.error(
            reader.pos(deep, String::new()),
            format!("elements nest more than {MAX_NESTING} deep here; CSDL nests a dozen levels, and the converter reads at most {MAX_NESTING}"),
        );
        return None;
    }
    let root = doc.root_element();
    let version = match (root.tag_name().namespace(), root.tag_name().name()) {
        (Some(EDMX_V4), "Edmx") => Version::V4,
        (Some(EDMX_V2), "Edmx") => Version::V2,
        (ns, name) => {
            found.error(
                reader.pos(root, String::new()),
                format!(
                    "expected the root element edmx:Edmx of OData CSDL (namespace {EDMX_V4}, or {EDMX_V2} for V2 and V3), found `{name}`{}",
                    ns.map(|n| format!(" in namespace {n}")).unwrap_or_default()
                ),
            );
            return None;
        }
    };
    let mut reader = reader;
    reader.collect_aliases(root);
    let mut model = Model {
        version: Some(version),
        ..Model::default()
    };
    let Some(services) = root
        .children()
        .find(|n| n.is_element() && n.tag_name().name() == "DataServices")
    else {
        found.error(
            reader.pos(root, String::new()),
            "edmx:Edmx has no edmx:DataServices, so no schema".to_owned(),
        );
        return None;
    };
    for schema in services.children().filter(|n| is_edm(n, "Schema")) {
        reader.schema(schema, version, &mut model, found);
    }
    if model.namespaces.is_empty() {
        found.error(
            reader.pos(services, String::new()),
            "edmx:DataServices holds no Schema".to_owned(),
        );
        return None;
    }
    Some(model)
}

/// An element of the EDM namespace of either version (the V2/V3 ones vary
/// by year; V4's is fixed), by local name.
fn is_edm(n: &Node, name: &str) -> bool {
    n.is_element()
        && n.tag_name().name() == name
        && n.tag_name().namespace().is_some_and(|ns| {
            ns == EDM_V4 || ns.starts_with("http://schemas.microsoft.com/ado/") && ns.ends_with("/edm")
        })
}

struct Reader<'a, 'input> {
    doc: &'a Document<'input>,
    /// Alias → namespace, for every schema and included vocabulary.
    aliases: HashMap<String, String>,
}

impl<'a, 'input> Reader<'a, 'input> {
    fn pos(&self, n: Node, path: String) -> Pos {
        let p = self.doc.text_pos_at(n.range().start);
        Pos {
            line: p.row as usize,
            column: p.col as usize,
            path,
        }
    }

    /// Where an attribute's value is, else its element.
    fn attr_pos(&self, n: Node, attr: &str, path: String) -> Pos {
        match n.attribute_node(attr) {
            Some(a) => {
                let p = self.doc.text_pos_at(a.range_value().start);
                Pos {
                    line: p.row as usize,
                    column: p.col as usize,
                    path,
                }
            }
            None => self.pos(n, path),
        }
    }

    /// The first element deeper than [`MAX_NESTING`], in one pass.
    fn too_deep(&self) -> Option<Node<'a, 'input>> {
        let mut depth: HashMap<u32, usize> = HashMap::new();
        for n in self.doc.descendants().filter(|n| n.is_element()) {
            let d = n
                .parent_element()
                .and_then(|p| depth.get(&p.id().get()).copied())
                .unwrap_or(0)
                + 1;
            if d > MAX_NESTING {
                return Some(n);
            }
            if n.has_children() {
                depth.insert(n.id().get(), d);
            }
        }
        None
    }

    fn collect_aliases(&mut self, root: Node) {
        for r in root
            .children()
            .filter(|n| n.is_element() && n.tag_name().name() == "Reference")
        {
            for inc in r
                .children()
                .filter(|n| n.is_element() && n.tag_name().name() == "Include")
            {
                if let (Some(ns), Some(alias)) = (inc.attribute("Namespace"), inc.attribute("Alias")) {
                    self.aliases.insert(alias.to_owned(), ns.to_owned());
                }
            }
        }
        for ds in root
            .children()
            .filter(|n| n.is_element() && n.tag_name().name() == "DataServices")
        {
            for s in ds.children().filter(|n| is_edm(n, "Schema")) {
                if let (Some(ns), Some(alias)) = (s.attribute("Namespace"), s.attribute("Alias")) {
                    self.aliases.insert(alias.to_owned(), ns.to_owned());
                }
            }
        }
    }

    /// A qualified name with its alias replaced by the namespace.
    fn qualify(&self, name: &str) -> String {
        qualify(&self.aliases, name)
    }

    fn type_ref(&self, raw: &str) -> TypeRef {
        let raw = raw.trim();
        match raw.strip_prefix("Collection(").and_then(|r| r.strip_suffix(')')) {
            Some(inner) => TypeRef {
                name: self.qualify(inner.trim()),
                collection: true,
            },
            None => TypeRef {
                name: self.qualify(raw),
                collection: false,
            },
        }
    }

    fn facets(&self, n: Node, path: &str, found: &mut Found) -> Facets {
        let mut f = Facets::default();
        if let Some(v) = n.attribute("Nullable") {
            match v {
                "true" => f.nullable = Some(true),
                "false" => f.nullable = Some(false),
                other => found.error(
                    self.attr_pos(n, "Nullable", path.to_owned()),
                    format!("Nullable must be `true` or `false`, found `{other}`"),
                ),
            }
        }
        if let Some(v) = n.attribute("MaxLength") {
            if v != "max" && v != "Max" {
                match v.parse() {
                    Ok(m) => f.max_length = Some(m),
                    Err(_) => found.error(
                        self.attr_pos(n, "MaxLength", path.to_owned()),
                        format!("MaxLength must be a non-negative integer or `max`, found `{v}`"),
                    ),
                }
            }
        }
        if let Some(v) = n.attribute("Precision") {
            match v.parse() {
                Ok(p) => f.precision = Some(p),
                Err(_) => found.error(
                    self.attr_pos(n, "Precision", path.to_owned()),
                    format!("Precision must be a non-negative integer, found `{v}`"),
                ),
            }
        }
        if let Some(v) = n.attribute("Scale") {
            if v.eq_ignore_ascii_case("variable") || v.eq_ignore_ascii_case("floating") {
                f.scale = Some(None);
            } else {
                match v.parse() {
                    Ok(s) => f.scale = Some(Some(s)),
                    Err(_) => found.error(
                        self.attr_pos(n, "Scale", path.to_owned()),
                        format!("Scale must be a non-negative integer or `variable`, found `{v}`"),
                    ),
                }
            }
        }
        f.default = n.attribute("DefaultValue").map(str::to_owned);
        f
    }

    fn schema(&self, s: Node, version: Version, model: &mut Model, found: &mut Found) {
        let Some(ns) = s.attribute("Namespace") else {
            found.error(self.pos(s, String::new()), "a Schema has no Namespace".to_owned());
            return;
        };
        model.namespaces.push(ns.to_owned());
        // V2/V3: associations give navigation properties their types.
        let mut associations: HashMap<String, HashMap<String, (String, bool)>> = HashMap::new();
        if version == Version::V2 {
            for a in s.children().filter(|n| is_edm(n, "Association")) {
                let Some(name) = a.attribute("Name") else { continue };
                let ends = a
                    .children()
                    .filter(|n| is_edm(n, "End"))
                    .filter_map(|e| {
                        Some((
                            e.attribute("Role")?.to_owned(),
                            (
                                self.qualify(e.attribute("Type")?),
                                e.attribute("Multiplicity") == Some("*"),
                            ),
                        ))
                    })
                    .collect();
                associations.insert(format!("{ns}.{name}"), ends);
            }
        }
        for n in s.children().filter(|n| n.is_element()) {
            let local = n.tag_name().name();
            let name = n.attribute("Name");
            let qualified = name.map(|name| format!("{ns}.{name}"));
            match (local, qualified) {
                ("EntityType" | "ComplexType", Some(q)) => {
                    let t = self.structured(n, q, local == "EntityType", version, &associations, found);
                    model.structured.push(t);
                }
                ("EnumType", Some(q)) => model.enums.push(self.enum_type(n, q, found)),
                ("TypeDefinition", Some(q)) => {
                    let underlying = n.attribute("UnderlyingType").map(|u| self.qualify(u));
                    let Some(underlying) = underlying else {
                        found.error(self.pos(n, q), "a TypeDefinition has no UnderlyingType".to_owned());
                        continue;
                    };
                    model.type_definitions.push(TypeDefinition {
                        facets: self.facets(n, &q, found),
                        annotations: self.inline_annotations(n, &q, found),
                        pos: self.pos(n, q.clone()),
                        name: q,
                        underlying,
                    });
                }
                ("Action" | "Function", Some(q)) => {
                    let op = self.operation(n, &q, local == "Action", found);
                    model.operations.push((q, op));
                }
                ("EntityContainer", Some(q)) => self.container(n, &q, ns, version, model, found),
                ("Annotations", _) => self.external_annotations(n, model, found),
                (
                    "EntityType" | "ComplexType" | "EnumType" | "TypeDefinition" | "Action" | "Function"
                    | "EntityContainer",
                    None,
                ) => {
                    found.error(self.pos(n, ns.to_owned()), format!("a {local} has no Name"));
                }
                _ => {}
            }
        }
    }

    fn structured(
        &self,
        n: Node,
        q: String,
        entity: bool,
        version: Version,
        associations: &HashMap<String, HashMap<String, (String, bool)>>,
        found: &mut Found,
    ) -> Structured {
        let mut key = Vec::new();
        for k in n.children().filter(|c| is_edm(c, "Key")) {
            for r in k.children().filter(|c| is_edm(c, "PropertyRef")) {
                match r.attribute("Name") {
                    Some(name) => key.push((name.to_owned(), self.attr_pos(r, "Name", q.clone()))),
                    None => found.error(self.pos(r, q.clone()), "a PropertyRef has no Name".to_owned()),
                }
            }
        }
        let mut properties = Vec::new();
        let mut navigations = Vec::new();
        for c in n.children().filter(|c| c.is_element()) {
            let local = c.tag_name().name();
            if local != "Property" && local != "NavigationProperty" {
                continue;
            }
            let Some(name) = c.attribute("Name") else {
                found.error(self.pos(c, q.clone()), format!("a {local} of {q} has no Name"));
                continue;
            };
            let path = format!("{q}/{name}");
            if local == "Property" {
                let Some(ty) = c.attribute("Type") else {
                    found.error(self.pos(c, path), format!("the property `{name}` has no Type"));
                    continue;
                };
                properties.push(Property {
                    name: name.to_owned(),
                    ty: self.type_ref(ty),
                    facets: self.facets(c, &path, found),
                    annotations: self.inline_annotations(c, &path, found),
                    pos: self.attr_pos(c, "Type", path),
                });
                continue;
            }
            let ty = match (version, c.attribute("Type")) {
                (_, Some(ty)) => self.type_ref(ty),
                (Version::V2, None) => {
                    let relationship = c.attribute("Relationship").map(|r| self.qualify(r));
                    let end = relationship
                        .as_ref()
                        .and_then(|r| associations.get(r))
                        .and_then(|ends| ends.get(c.attribute("ToRole").unwrap_or_default()));
                    match end {
                        Some((ty, many)) => TypeRef {
                            name: ty.clone(),
                            collection: *many,
                        },
                        None => {
                            found.error(
                                self.attr_pos(c, "Relationship", path),
                                format!(
                                    "the navigation property `{name}` names the association `{}` and role `{}`, which the schema does not declare",
                                    relationship.unwrap_or_default(),
                                    c.attribute("ToRole").unwrap_or_default()
                                ),
                            );
                            continue;
                        }
                    }
                }
                (Version::V4, None) => {
                    found.error(
                        self.pos(c, path),
                        format!("the navigation property `{name}` has no Type"),
                    );
                    continue;
                }
            };
            navigations.push(NavProperty {
                name: name.to_owned(),
                ty,
                nullable: c.attribute("Nullable").map(|v| v == "true"),
                contains_target: c.attribute("ContainsTarget") == Some("true"),
                partner: c.attribute("Partner").map(str::to_owned),
                annotations: self.inline_annotations(c, &path, found),
                pos: self.attr_pos(c, "Type", path),
            });
        }
        let mut annotations = self.inline_annotations(n, &q, found);
        // V2/V3 mark the properties an entity's version is computed from
        // (`ConcurrencyMode="Fixed"`): the V4 term says the same.
        let fixed: Vec<Expr> = n
            .children()
            .filter(|c| is_edm(c, "Property") && c.attribute("ConcurrencyMode") == Some("Fixed"))
            .filter_map(|c| Some(Expr::Path(c.attribute("Name")?.to_owned())))
            .collect();
        if !fixed.is_empty() {
            annotations.insert(
                super::vocabulary::core("OptimisticConcurrency"),
                Expr::Collection(fixed),
            );
        }
        Structured {
            base: n.attribute("BaseType").map(|b| self.qualify(b)),
            is_abstract: n.attribute("Abstract") == Some("true"),
            open: n.attribute("OpenType") == Some("true"),
            // V4 writes `HasStream`, V2 and V3 `m:HasStream`.
            has_stream: n.attribute("HasStream") == Some("true")
                || n.attribute((METADATA_V2, "HasStream")) == Some("true"),
            key,
            properties,
            navigations,
            annotations,
            pos: self.pos(n, q.clone()),
            name: q,
            entity,
        }
    }

    fn enum_type(&self, n: Node, q: String, found: &mut Found) -> EnumType {
        let mut members = Vec::new();
        for m in n.children().filter(|c| is_edm(c, "Member")) {
            let Some(name) = m.attribute("Name") else {
                found.error(self.pos(m, q.clone()), format!("a Member of {q} has no Name"));
                continue;
            };
            // JSON writes members by name; the value is only checked.
            if let Some(v) = m.attribute("Value").filter(|v| v.parse::<i64>().is_err()) {
                found.error(
                    self.attr_pos(m, "Value", format!("{q}/{name}")),
                    format!("an enum member's Value must be an integer, found `{v}`"),
                );
            }
            members.push(EnumMember {
                annotations: self.inline_annotations(m, &format!("{q}/{name}"), found),
                name: name.to_owned(),
            });
        }
        EnumType {
            is_flags: n.attribute("IsFlags") == Some("true"),
            members,
            annotations: self.inline_annotations(n, &q, found),
            name: q,
        }
    }

    fn operation(&self, n: Node, q: &str, action: bool, found: &mut Found) -> Operation {
        let mut parameters = Vec::new();
        for p in n.children().filter(|c| is_edm(c, "Parameter")) {
            let (Some(name), Some(ty)) = (p.attribute("Name"), p.attribute("Type")) else {
                found.error(
                    self.pos(p, q.to_owned()),
                    format!("a Parameter of {q} lacks a Name or a Type"),
                );
                continue;
            };
            let path = format!("{q}/{name}");
            parameters.push(Parameter {
                name: name.to_owned(),
                ty: self.type_ref(ty),
                facets: self.facets(p, &path, found),
                pos: self.attr_pos(p, "Type", path),
            });
        }
        let returns = n.children().find(|c| is_edm(c, "ReturnType")).and_then(|r| {
            Some((
                self.type_ref(r.attribute("Type")?),
                r.attribute("Nullable").map(|v| v == "true"),
            ))
        });
        Operation {
            name: q.to_owned(),
            action,
            bound: n.attribute("IsBound") == Some("true"),
            parameters,
            returns,
            annotations: self.inline_annotations(n, q, found),
            pos: self.pos(n, q.to_owned()),
        }
    }

    fn container(&self, n: Node, q: &str, ns: &str, version: Version, model: &mut Model, found: &mut Found) {
        if model.container.is_some() {
            // V2 services may declare several; the default one is first by convention.
            if n.attribute((METADATA_V2, "IsDefaultEntityContainer")) != Some("true") {
                return;
            }
        }
        model.container = Some(q.to_owned());
        let own = self.inline_annotations(n, q, found);
        if !own.is_empty() {
            model.external.entry(q.to_owned()).or_default().extend(own);
        }
        for c in n.children().filter(|c| c.is_element()) {
            let local = c.tag_name().name();
            let Some(name) = c.attribute("Name") else { continue };
            let path = format!("{q}/{name}");
            match local {
                "EntitySet" | "Singleton" => {
                    let ty = c.attribute(if local == "EntitySet" { "EntityType" } else { "Type" });
                    let Some(ty) = ty else {
                        found.error(self.pos(c, path), format!("the {local} `{name}` names no entity type"));
                        continue;
                    };
                    let mut annotations = self.inline_annotations(c, &path, found);
                    if version == Version::V2 {
                        sap_restrictions(c, &mut annotations);
                    }
                    model.entity_sets.push(EntitySet {
                        name: name.to_owned(),
                        ty: self.qualify(ty),
                        singleton: local == "Singleton",
                        annotations,
                        pos: self.attr_pos(c, if local == "EntitySet" { "EntityType" } else { "Type" }, path),
                    });
                }
                "ActionImport" | "FunctionImport" if version == Version::V4 => {
                    let attr = if local == "ActionImport" { "Action" } else { "Function" };
                    let Some(op) = c.attribute(attr) else {
                        found.error(self.pos(c, path), format!("the {local} `{name}` names no {attr}"));
                        continue;
                    };
                    model.imports.push(Import {
                        name: name.to_owned(),
                        operation: self.qualify(op),
                        pos: self.attr_pos(c, attr, path),
                    });
                }
                "FunctionImport" => {
                    // V2/V3: the import is the operation; its method is `m:HttpMethod`.
                    let operation = format!("{ns}.{name}");
                    let mut op = self.operation(c, &operation, false, found);
                    op.action = c.attribute((METADATA_V2, "HttpMethod")).is_some_and(|m| m != "GET");
                    if let Some(ret) = c.attribute("ReturnType") {
                        op.returns = Some((self.type_ref(ret), None));
                    }
                    model.operations.push((operation.clone(), op));
                    model.imports.push(Import {
                        name: name.to_owned(),
                        operation,
                        pos: self.pos(c, path),
                    });
                }
                _ => {}
            }
        }
    }

    fn external_annotations(&self, n: Node, model: &mut Model, found: &mut Found) {
        let Some(target) = n.attribute("Target") else {
            found.error(
                self.pos(n, String::new()),
                "an Annotations element has no Target".to_owned(),
            );
            return;
        };
        if n.attribute("Qualifier").is_some() {
            return;
        }
        // The target's first segment may be an alias.
        let (head, rest) = target.split_once('/').map_or((target, ""), |(h, r)| (h, r));
        let head = self.qualify(head.split('(').next().unwrap_or(head));
        let target = if rest.is_empty() {
            head
        } else {
            format!("{head}/{rest}")
        };
        let annotations = self.inline_annotations(n, &target, found);
        model.external.entry(target).or_default().extend(annotations);
    }

    /// The unqualified `<Annotation>` children of `n`.
    fn inline_annotations(&self, n: Node, path: &str, found: &mut Found) -> Annotations {
        let mut out = Annotations::new();
        for a in n.children().filter(|c| is_edm(c, "Annotation")) {
            if a.attribute("Qualifier").is_some() {
                continue;
            }
            let Some(term) = a.attribute("Term") else {
                found.error(self.pos(a, path.to_owned()), "an Annotation has no Term".to_owned());
                continue;
            };
            let term = self.qualify(term);
            super::vocabulary::check_term(&term, || self.attr_pos(a, "Term", path.to_owned()), found);
            out.insert(term, self.expr(a));
        }
        out
    }

    /// An annotation's value: an attribute (`Bool="true"`) or a child
    /// element (`<Record>`, `<Collection>`, …). Bounded by the document's
    /// nesting, checked before reading.
    fn expr(&self, n: Node) -> Expr {
        for (attr, value) in n.attributes().map(|a| (a.name(), a.value())) {
            if let Some(e) = constant(attr, value, self) {
                return e;
            }
        }
        match n.children().find(|c| c.is_element()) {
            Some(c) => self.element_expr(c),
            // A term without a value is its default: `true` for the tags
            // the converter reads (`Core.Computed`, `Core.Immutable`).
            None if n.tag_name().name() == "Annotation" => Expr::Bool(true),
            None => Expr::Other,
        }
    }

    fn element_expr(&self, c: Node) -> Expr {
        let text = || c.text().unwrap_or_default().trim().to_owned();
        match c.tag_name().name() {
            "Record" => Expr::Record(
                c.children()
                    .filter(|p| is_edm(p, "PropertyValue"))
                    .filter_map(|p| Some((p.attribute("Property")?.to_owned(), self.expr(p))))
                    .collect(),
            ),
            "Collection" => Expr::Collection(
                c.children()
                    .filter(|e| e.is_element())
                    .map(|e| self.element_expr(e))
                    .collect(),
            ),
            "Null" => Expr::Null,
            name => constant(name, &text(), self).unwrap_or(Expr::Other),
        }
    }
}

/// A constant expression by its attribute or element name.
fn constant(kind: &str, value: &str, reader: &Reader) -> Option<Expr> {
    Some(match kind {
        "Bool" => Expr::Bool(value == "true"),
        "String" => Expr::String(value.to_owned()),
        "Int" => Expr::Int(value.parse().ok()?),
        "Decimal" | "Float" => Expr::Number(value.parse().ok()?),
        "EnumMember" => Expr::EnumMember(
            value
                .split_whitespace()
                .map(|m| reader.qualify_member(m))
                .collect::<Vec<_>>()
                .join(" "),
        ),
        "Path" | "PropertyPath" | "NavigationPropertyPath" | "AnnotationPath" => Expr::Path(value.to_owned()),
        "Date" | "DateTimeOffset" | "TimeOfDay" | "Duration" | "Guid" => Expr::String(value.to_owned()),
        _ => return None,
    })
}

impl Reader<'_, '_> {
    /// `Core.Permission/Read` → `Org.OData.Core.V1.Permission/Read`.
    fn qualify_member(&self, m: &str) -> String {
        match m.split_once('/') {
            Some((ty, member)) => format!("{}/{member}", self.qualify(ty)),
            None => m.to_owned(),
        }
    }
}

/// SAP Gateway writes V2 entity sets' capabilities as attributes:
/// `sap:creatable`, `sap:updatable`, `sap:deletable`, `sap:pageable`,
/// `sap:searchable`. They become the V4 terms.
fn sap_restrictions(n: Node, annotations: &mut Annotations) {
    let restriction = |term: &str, property: &str, value: bool| {
        (
            format!("Org.OData.Capabilities.V1.{term}"),
            Expr::Record(vec![(property.to_owned(), Expr::Bool(value))]),
        )
    };
    for (attr, term, property) in [
        ("creatable", "InsertRestrictions", "Insertable"),
        ("updatable", "UpdateRestrictions", "Updatable"),
        ("deletable", "DeleteRestrictions", "Deletable"),
        ("searchable", "SearchRestrictions", "Searchable"),
    ] {
        if let Some(v) = n.attribute((SAP, attr)) {
            let (k, v) = restriction(term, property, v == "true");
            annotations.insert(k, v);
        }
    }
    if n.attribute((SAP, "pageable")) == Some("false") {
        annotations.insert("Org.OData.Capabilities.V1.TopSupported".to_owned(), Expr::Bool(false));
        annotations.insert("Org.OData.Capabilities.V1.SkipSupported".to_owned(), Expr::Bool(false));
    }
}

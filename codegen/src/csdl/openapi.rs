//! The model written as an OpenAPI 3.0 document: a schema per type, paths
//! from the roots along containment navigations, operations as the
//! capability restrictions allow, OData's query options, paging, entity
//! tags and error shapes.

use std::collections::{BTreeMap, HashMap, HashSet};

use heck::{ToLowerCamelCase, ToUpperCamelCase};
use serde_json::{Map, Value, json};

use super::check::{Index, Kind, base_chain, kind};
use super::model::*;
use super::vocabulary::{capabilities, core, validation};
use super::{ConvertOptions, Found, Rules};

/// Business Central's online service root for API v2.0.
const BC_SERVER: &str = "https://api.businesscentral.dynamics.com/v2.0/{tenant}/{environment}/api/v2.0";
const BC_SCOPE: &str = "https://api.businesscentral.dynamics.com/.default";
/// Business Central's mark of a navigation that leads back to its parent.
const BC_PARTNER: &str = "Microsoft.NAV.IsBidirectionalPartnerNavigation";

pub(crate) struct Built {
    pub(crate) document: Value,
    pub(crate) paths: usize,
    pub(crate) operations: usize,
}

pub(crate) fn build(model: &Model, options: &ConvertOptions, rules: Rules, found: &mut Found) -> Built {
    let index = Index::new(model);
    let mut b = Builder {
        model,
        index: &index,
        rules,
        v2: model.version == Some(Version::V2),
        levels: options.levels,
        names: HashMap::new(),
        taken: HashSet::new(),
        schemas: Map::new(),
        parameters: Map::new(),
        paths: BTreeMap::new(),
        op_ids: HashSet::new(),
        operations: 0,
        tags: Vec::new(),
        derived: HashMap::new(),
        error_schema: String::new(),
    };
    b.name_types();
    for t in &model.structured {
        let schema = b.structured_schema(t);
        let name = b.names[&t.name].clone();
        b.schemas.insert(name, schema);
    }
    for e in &model.enums {
        let schema = b.enum_schema(e);
        let name = b.names[&e.name].clone();
        b.schemas.insert(name, schema);
    }
    b.error_schemas();
    b.walk(options, found);
    b.finish(options)
}

/// What may be done with the entities of a path.
#[derive(Debug, Clone)]
struct Restrictions {
    readable: bool,
    insertable: bool,
    updatable: bool,
    deletable: bool,
    filterable: bool,
    sortable: bool,
    countable: bool,
    top: bool,
    skip: bool,
    searchable: bool,
    expandable: bool,
    /// An `If-Match` is required on PATCH and DELETE.
    etag: bool,
    description: Option<String>,
}

/// A place in the tree of paths being built.
#[derive(Debug, Clone)]
struct At {
    path: String,
    /// The path parameters so far (component names), in order.
    params: Vec<String>,
    /// What operation ids start from below here (`CustomerContact`).
    base: String,
    tag: String,
    /// Containment navigations followed from the root.
    depth: usize,
}

struct Builder<'m> {
    model: &'m Model,
    index: &'m Index,
    rules: Rules,
    v2: bool,
    levels: usize,
    /// Qualified type name → component name.
    names: HashMap<String, String>,
    taken: HashSet<String>,
    schemas: Map<String, Value>,
    parameters: Map<String, Value>,
    paths: BTreeMap<String, Map<String, Value>>,
    op_ids: HashSet<String>,
    operations: usize,
    tags: Vec<(String, String)>,
    /// (qualified type, what) → component name of a derived schema
    /// (`Update`, `Collection`, `Entry`).
    derived: HashMap<(String, &'static str), String>,
    /// The component name of the error body.
    error_schema: String,
}

fn short(name: &str) -> &str {
    name.rsplit_once('.').map_or(name, |(_, s)| s)
}

/// A component name: OpenAPI allows letters, digits, `.`, `-` and `_`.
fn component_name(raw: &str) -> String {
    raw.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn reference(kind: &str, name: &str) -> Value {
    json!({ "$ref": format!("#/components/{kind}/{name}") })
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

impl<'m> Builder<'m> {
    /// Component names: a type's own name, qualified (dots kept) when two
    /// namespaces define the same one.
    fn name_types(&mut self) {
        let all: Vec<&str> = self
            .model
            .structured
            .iter()
            .map(|t| t.name.as_str())
            .chain(self.model.enums.iter().map(|e| e.name.as_str()))
            .collect();
        let mut count: HashMap<&str, usize> = HashMap::new();
        for n in &all {
            *count.entry(short(n)).or_default() += 1;
        }
        for n in all {
            let name = if count[short(n)] > 1 {
                component_name(n)
            } else {
                component_name(short(n))
            };
            let name = self.claim(name);
            self.names.insert(n.to_owned(), name);
        }
    }

    /// `name`, or `name2`, `name3`… when taken.
    fn claim(&mut self, name: String) -> String {
        let mut candidate = name.clone();
        let mut i = 2;
        while !self.taken.insert(candidate.clone()) {
            candidate = format!("{name}{i}");
            i += 1;
        }
        candidate
    }

    /// Annotations of a model element: its own, and those written apart
    /// for its target.
    fn annotations(&self, target: &str, own: &Annotations) -> Annotations {
        let mut all = own.clone();
        if let Some(more) = self.model.external.get(target) {
            for (k, v) in more {
                all.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
        all
    }

    fn description(a: &Annotations) -> Option<String> {
        let d = a.get(&core("Description")).and_then(Expr::as_str);
        let l = a.get(&core("LongDescription")).and_then(Expr::as_str);
        match (d, l) {
            (Some(d), Some(l)) => Some(format!("{d}\n\n{l}")),
            (Some(d), None) => Some(d.to_owned()),
            (None, Some(l)) => Some(l.to_owned()),
            (None, None) => None,
        }
    }

    fn structured_of(&self, name: &str) -> Option<&'m Structured> {
        self.index.structured.get(name).map(|&i| &self.model.structured[i])
    }

    /// A primitive type's schema, its facets applied.
    fn primitive(&self, name: &str, f: &Facets) -> Value {
        let mut s = match name {
            "Edm.String" => json!({"type": "string"}),
            "Edm.Guid" => json!({"type": "string", "format": "uuid"}),
            "Edm.Boolean" => json!({"type": "boolean"}),
            "Edm.Byte" => json!({"type": "integer", "format": "int32", "minimum": 0, "maximum": 255}),
            "Edm.SByte" => json!({"type": "integer", "format": "int32", "minimum": -128, "maximum": 127}),
            "Edm.Int16" => json!({"type": "integer", "format": "int32", "minimum": -32768, "maximum": 32767}),
            "Edm.Int32" => json!({"type": "integer", "format": "int32"}),
            // V2's JSON writes 64-bit integers and decimals as strings.
            "Edm.Int64" if self.v2 => json!({"type": "string", "format": "int64", "pattern": "^-?[0-9]+$"}),
            "Edm.Int64" => json!({"type": "integer", "format": "int64"}),
            "Edm.Decimal" if self.v2 => {
                json!({"type": "string", "format": "decimal", "pattern": "^-?[0-9]+(\\.[0-9]+)?$"})
            }
            "Edm.Decimal" => {
                let mut d = json!({"type": "number", "format": "decimal"});
                // Precision p and scale s: fewer than p - s digits before the point.
                // Scale s: at most s digits after the point. Said in words:
                // `multipleOf` on binary floats fails validators on values
                // that have them (0.07 is no multiple of 0.01 in floats).
                if let Some(Some(s)) = f.scale {
                    d["description"] = json!(match s {
                        0 => "A whole number.".to_owned(),
                        1 => "At most 1 digit after the decimal point.".to_owned(),
                        s => format!("At most {s} digits after the decimal point."),
                    });
                }
                if let (Some(p), Some(Some(s))) = (f.precision, f.scale) {
                    if p > s && p - s <= 15 {
                        let bound = 10f64.powi((p - s) as i32);
                        d["maximum"] = json!(bound);
                        d["exclusiveMaximum"] = json!(true);
                        d["minimum"] = json!(-bound);
                        d["exclusiveMinimum"] = json!(true);
                    }
                }
                d
            }
            "Edm.Single" => json!({"type": "number", "format": "float"}),
            "Edm.Double" => json!({"type": "number", "format": "double"}),
            "Edm.Date" => json!({"type": "string", "format": "date"}),
            "Edm.DateTimeOffset" => json!({"type": "string", "format": "date-time"}),
            // V2's `/Date(1700000000000)/`.
            "Edm.DateTime" => json!({"type": "string"}),
            "Edm.TimeOfDay" => {
                json!({"type": "string", "format": "time", "pattern": "^[0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]+)?)?$"})
            }
            "Edm.Duration" | "Edm.Time" => {
                json!({"type": "string", "format": "duration", "pattern": "^-?P([0-9]+D)?(T([0-9]+H)?([0-9]+M)?([0-9]+(\\.[0-9]+)?S)?)?$"})
            }
            "Edm.Binary" => json!({"type": "string", "format": "base64url"}),
            "Edm.Stream" => json!({"type": "string", "format": "binary"}),
            n if n.starts_with("Edm.Geo") => json!({"type": "object", "description": "A GeoJSON value."}),
            _ => json!({}),
        };
        if let Some(m) = f.max_length {
            if s["type"] == "string" && s.get("format").is_none() {
                s["maxLength"] = json!(m);
            }
        }
        s
    }

    /// The schema of a value of type `name` (not a collection), without
    /// nullability: a primitive, or a reference to a component.
    fn type_schema(&self, name: &str, f: &Facets) -> Value {
        match kind(self.model, self.index, name) {
            Kind::Primitive => self.primitive(name, f),
            Kind::Entity | Kind::Complex | Kind::Enum => reference("schemas", &self.names[name]),
            Kind::Definition => {
                let d = &self.model.type_definitions[self.index.definitions[name]];
                let mut facets = d.facets.clone();
                facets.max_length = f.max_length.or(facets.max_length);
                facets.precision = f.precision.or(facets.precision);
                facets.scale = f.scale.or(facets.scale);
                let mut s = self.primitive(&d.underlying, &facets);
                let a = self.annotations(&d.name, &d.annotations);
                self.validation(&mut s, &a);
                s
            }
            Kind::Foreign | Kind::Unknown => json!({}),
        }
    }

    /// Validation terms as schema keywords.
    fn validation(&self, s: &mut Value, a: &Annotations) {
        let Some(obj) = s.as_object_mut() else { return };
        if obj.contains_key("$ref") {
            return;
        }
        let number = |e: &Expr| match e {
            Expr::Int(i) => Some(json!(i)),
            Expr::Number(n) => Some(json!(n)),
            _ => None,
        };
        if let Some(m) = a.get(&validation("Minimum")).and_then(number) {
            obj.insert("minimum".into(), m);
        }
        if let Some(m) = a.get(&validation("Maximum")).and_then(number) {
            obj.insert("maximum".into(), m);
        }
        if let Some(p) = a.get(&validation("Pattern")).and_then(Expr::as_str) {
            obj.insert("pattern".into(), json!(p));
        }
        if let Some(Expr::Collection(values)) = a.get(&validation("AllowedValues")) {
            let listed: Vec<Value> = values
                .iter()
                .filter_map(|v| match v.field("Value")? {
                    Expr::String(s) => Some(json!(s)),
                    Expr::Int(i) => Some(json!(i)),
                    Expr::Number(n) => Some(json!(n)),
                    _ => None,
                })
                .collect();
            if !listed.is_empty() {
                obj.insert("enum".into(), Value::Array(listed));
            }
        }
    }

    /// The default value, typed as the schema is.
    fn default_value(s: &Value, raw: &str) -> Option<Value> {
        match s.get("type").and_then(Value::as_str) {
            Some("boolean") => raw.parse::<bool>().ok().map(Value::Bool),
            Some("integer") => raw.parse::<i64>().ok().map(|i| json!(i)),
            Some("number") => raw.parse::<f64>().ok().filter(|n| n.is_finite()).map(|n| json!(n)),
            Some("string") => Some(json!(raw)),
            _ => None,
        }
    }

    /// Whether a property may be null in the service's JSON: as declared
    /// (`Nullable` is true when absent), except under Business Central's
    /// rules: AL values have no null (blank text is `""`, a blank GUID is
    /// all zeros, a blank date `0001-01-01`).
    fn nullable(&self, declared: Option<bool>) -> bool {
        !self.rules.no_nulls && declared != Some(false)
    }

    /// A structural property's schema, with what its annotations say.
    fn property_schema(&self, owner: &str, p: &Property, read_only: bool) -> Value {
        let a = self.annotations(&format!("{owner}/{}", p.name), &p.annotations);
        let mut inner = self.type_schema(&p.ty.name, &p.facets);
        self.validation(&mut inner, &a);
        let mut s = if p.ty.collection {
            json!({"type": "array", "items": inner})
        } else {
            inner
        };
        let mut extra = Map::new();
        if !p.ty.collection && self.nullable(p.facets.nullable) {
            extra.insert("nullable".into(), json!(true));
        }
        if let Some(d) = Self::description(&a) {
            // After what the type says of itself (a decimal's scale).
            let d = match s.get("description").and_then(Value::as_str) {
                Some(of_type) => format!("{d} {of_type}"),
                None => d,
            };
            extra.insert("description".into(), json!(d));
        }
        let computed = a.get(&core("Computed")).and_then(Expr::as_bool) == Some(true)
            || a.get(&core("Permissions"))
                .and_then(Expr::as_str)
                .is_some_and(|p| p == "Read" || p.ends_with("Permission/Read"));
        if read_only || computed {
            extra.insert("readOnly".into(), json!(true));
        }
        let default = p.facets.default.as_deref().and_then(|raw| {
            if kind(self.model, self.index, &p.ty.name) == Kind::Enum {
                Some(json!(raw))
            } else {
                Self::default_value(&s, raw)
            }
        });
        if let Some(d) = default {
            extra.insert("default".into(), d);
        }
        if extra.is_empty() {
            return s;
        }
        if s.get("$ref").is_some() {
            s = json!({"allOf": [s]});
        }
        if let Some(obj) = s.as_object_mut() {
            obj.extend(extra);
        }
        s
    }

    /// Whether a type's entities carry an entity tag: always under Business
    /// Central's rules, else when the type, or a set holding it, declares
    /// `Core.OptimisticConcurrency`.
    fn has_etag(&self, t: &Structured) -> bool {
        if !t.entity {
            return false;
        }
        if self.rules.if_match {
            return true;
        }
        let key = core("OptimisticConcurrency");
        base_chain(self.model, self.index, t)
            .iter()
            .any(|c| self.annotations(&c.name, &c.annotations).contains_key(&key))
            || self.model.entity_sets.iter().any(|s| {
                s.ty == t.name
                    && self
                        .annotations(&self.set_target(&s.name), &s.annotations)
                        .contains_key(&key)
            })
    }

    fn set_target(&self, set: &str) -> String {
        format!("{}/{set}", self.model.container.as_deref().unwrap_or_default())
    }

    /// The key property names of an entity type (its own or a base's).
    fn key(&self, t: &'m Structured) -> Vec<(&'m Structured, &'m Property)> {
        let chain = base_chain(self.model, self.index, t);
        let Some(key) = chain.iter().find(|c| !c.key.is_empty()).map(|c| &c.key) else {
            return Vec::new();
        };
        key.iter()
            .filter_map(|(name, _)| {
                chain
                    .iter()
                    .find_map(|c| c.properties.iter().find(|p| p.name == *name).map(|p| (*c, p)))
            })
            .collect()
    }

    /// An entity or complex type's schema: its properties and its bases'
    /// (flattened, nearest last), the entity tag, stream links, and
    /// non-containment navigations (what `$expand` fills in).
    fn structured_schema(&self, t: &'m Structured) -> Value {
        let chain = base_chain(self.model, self.index, t);
        let keys: Vec<&str> = self.key(t).iter().map(|(_, p)| p.name.as_str()).collect();
        let frozen = self.read_only_entity(t);
        let mut props = Map::new();
        let mut required = Vec::new();
        if self.has_etag(t) && !self.v2 {
            props.insert(
                "@odata.etag".into(),
                json!({"type": "string", "readOnly": true, "description": "The entity's version; send it back in `If-Match`."}),
            );
            // Business Central sends it with every entity.
            if self.rules.if_match {
                required.push(json!("@odata.etag"));
            }
        }
        if self.v2 && t.entity {
            props.insert(
                "__metadata".into(),
                json!({"type": "object", "readOnly": true, "description": "The entity's URI, type and version (`etag`).",
                       "properties": {"uri": {"type": "string"}, "type": {"type": "string"}, "etag": {"type": "string"}}}),
            );
        }
        for c in chain.iter().rev() {
            for p in &c.properties {
                if p.ty.name == "Edm.Stream" {
                    if !self.v2 {
                        props.insert(
                            format!("{}@odata.mediaReadLink", p.name),
                            json!({"type": "string", "format": "uri", "readOnly": true,
                                   "description": format!("Where the `{}` stream is read.", p.name)}),
                        );
                    }
                    continue;
                }
                // Business Central assigns keys (SystemIds) itself.
                let read_only = frozen || self.rules.keys_read_only && keys.contains(&p.name.as_str());
                props.insert(p.name.clone(), self.property_schema(&c.name, p, read_only));
            }
            if !self.v2 {
                for n in c.navigations.iter().filter(|n| !n.contains_target) {
                    // A type of a document this one only references has no schema here.
                    let Some(name) = self.names.get(&n.ty.name) else {
                        continue;
                    };
                    let target = reference("schemas", name);
                    let mut s = if n.ty.collection {
                        json!({"type": "array", "items": target, "readOnly": true})
                    } else {
                        json!({"allOf": [target], "readOnly": true})
                    };
                    if !n.ty.collection && self.nullable(n.nullable) {
                        s["nullable"] = json!(true);
                    }
                    let a = self.annotations(&format!("{}/{}", c.name, n.name), &n.annotations);
                    let expand = format!("Filled in when `$expand` names `{}`.", n.name);
                    s["description"] = json!(match Self::description(&a) {
                        Some(d) => format!("{d} {expand}"),
                        None => expand,
                    });
                    props.insert(n.name.clone(), s);
                }
            }
        }
        let mut s = json!({"type": "object"});
        let a = self.annotations(&t.name, &t.annotations);
        if let Some(d) = Self::description(&a) {
            s["description"] = json!(d);
        }
        if !required.is_empty() {
            s["required"] = Value::Array(required);
        }
        s["properties"] = Value::Object(props);
        s
    }

    /// Whether no entity of the type can be written: entity sets hold it
    /// and none of them takes inserts or updates (a report, a ledger). Its
    /// properties are then read-only.
    fn read_only_entity(&self, t: &Structured) -> bool {
        let mut sets = self.model.entity_sets.iter().filter(|s| s.ty == t.name).peekable();
        sets.peek().is_some()
            && sets.all(|s| {
                let r = self.restrictions(s);
                !r.insertable && !r.updatable
            })
    }

    fn enum_schema(&self, e: &EnumType) -> Value {
        let names: Vec<&str> = e.members.iter().map(|m| m.name.as_str()).collect();
        let mut s = if e.is_flags {
            // Several members, comma-separated.
            let one = format!(
                "({})",
                names.iter().map(|n| regex_escape(n)).collect::<Vec<_>>().join("|")
            );
            json!({"type": "string", "pattern": format!("^{one}(, ?{one})*$")})
        } else {
            json!({"type": "string", "enum": names})
        };
        let a = self.annotations(&e.name, &e.annotations);
        let mut about: Vec<String> = Self::description(&a).into_iter().collect();
        for m in &e.members {
            let a = self.annotations(&format!("{}/{}", e.name, m.name), &m.annotations);
            if let Some(d) = Self::description(&a) {
                about.push(format!("- `{}`: {d}", m.name));
            }
        }
        if !about.is_empty() {
            s["description"] = json!(about.join("\n"));
        }
        s
    }

    fn error_schemas(&mut self) {
        let detail = if self.v2 {
            json!({"type": "object", "description": "What went wrong.", "required": ["code", "message"], "properties": {
                "code": {"type": "string", "description": "A code the service defines."},
                "message": {"type": "object", "required": ["value"], "properties": {
                    "lang": {"type": "string"}, "value": {"type": "string", "description": "A human-readable message."}}},
                "innererror": {"type": "object", "description": "Details the service adds."}
            }})
        } else {
            json!({"type": "object", "description": "What went wrong.", "required": ["code", "message"], "properties": {
                "code": {"type": "string", "description": "A code the service defines."},
                "message": {"type": "string", "description": "A human-readable message."},
                "target": {"type": "string", "description": "The part of the request the error is about, when known."},
                "details": {"type": "array", "items": {"type": "object", "required": ["code", "message"], "properties": {
                    "code": {"type": "string"}, "message": {"type": "string"}, "target": {"type": "string"}}}}
            }})
        };
        let name = self.claim("odataErrorDetail".into());
        self.schemas.insert(name.clone(), detail);
        let error = self.claim("odataError".into());
        self.schemas.insert(
            error.clone(),
            json!({"type": "object", "description": "The body of every error response.", "required": ["error"],
                   "properties": {"error": reference("schemas", &name)}}),
        );
        self.error_schema = error;
    }

    /// The request view of a PATCH (V4) or PUT (V2): the structural
    /// properties, keys and `Core.Immutable` ones read-only, nothing else
    /// accepted unless the type is open.
    fn update_schema(&mut self, t: &'m Structured) -> String {
        if let Some(n) = self.derived.get(&(t.name.clone(), "Update")) {
            return n.clone();
        }
        let keys: Vec<&str> = self.key(t).iter().map(|(_, p)| p.name.as_str()).collect();
        let mut props = Map::new();
        for c in base_chain(self.model, self.index, t).iter().rev() {
            for p in c.properties.iter().filter(|p| p.ty.name != "Edm.Stream") {
                let a = self.annotations(&format!("{}/{}", c.name, p.name), &p.annotations);
                let immutable = a.get(&core("Immutable")).and_then(Expr::as_bool) == Some(true);
                props.insert(
                    p.name.clone(),
                    self.property_schema(&c.name, p, immutable || keys.contains(&p.name.as_str())),
                );
            }
        }
        let mut s = json!({"type": "object",
            "description": format!("The body of an update of a `{}`: the properties to change.", short(&t.name))});
        if !t.open {
            s["additionalProperties"] = json!(false);
        }
        s["properties"] = Value::Object(props);
        let name = self.claim(format!("{}Update", self.names[&t.name]));
        self.schemas.insert(name.clone(), s);
        self.derived.insert((t.name.clone(), "Update"), name.clone());
        name
    }

    /// A page of a collection: V4's `value` and `@odata.nextLink`, V2's
    /// `d.results` and `d.__next`.
    fn collection_schema(&mut self, t: &str, countable: bool) -> String {
        if let Some(n) = self.derived.get(&(t.to_owned(), "Collection")) {
            return n.clone();
        }
        let item = reference("schemas", &self.names[t]);
        let s = if self.v2 {
            let mut inner = json!({"type": "object", "required": ["results"], "properties": {
                "results": {"type": "array", "items": item},
                "__next": {"type": "string", "description": "The next page, to be requested as given; absent on the last page."}
            }});
            if countable {
                inner["properties"]["__count"] = json!({"type": "string", "description": "How many entities the whole collection has, with `$inlinecount=allpages`."});
            }
            json!({"type": "object", "description": format!("One page of `{}` entities.", short(t)), "required": ["d"],
                   "properties": {"d": inner}})
        } else {
            let mut s = json!({"type": "object", "description": format!("One page of `{}` entities.", short(t)), "required": ["value"], "properties": {
                "@odata.context": {"type": "string", "description": "The OData context URL of the collection."},
                "value": {"type": "array", "items": item},
                "@odata.nextLink": {"type": "string", "format": "uri", "description": "The next page, to be requested exactly as given; absent on the last page."}
            }});
            if countable {
                s["properties"]["@odata.count"] = json!({"type": "integer", "format": "int64", "description": "How many entities the whole collection has, with `$count=true`."});
            }
            s
        };
        let name = self.claim(format!("{}Collection", self.names[t]));
        self.schemas.insert(name.clone(), s);
        self.derived.insert((t.to_owned(), "Collection"), name.clone());
        name
    }

    /// The body of one entity: the entity itself (V4), or V2's `{d: …}`.
    fn entry_schema(&mut self, t: &str) -> Value {
        if !self.v2 {
            return reference("schemas", &self.names[t]);
        }
        if let Some(n) = self.derived.get(&(t.to_owned(), "Entry")) {
            return reference("schemas", n);
        }
        let s = json!({"type": "object", "required": ["d"], "properties": {"d": reference("schemas", &self.names[t])}});
        let name = self.claim(format!("{}Entry", self.names[t]));
        self.schemas.insert(name.clone(), s);
        self.derived.insert((t.to_owned(), "Entry"), name.clone());
        reference("schemas", &name)
    }

    /// A parameter component, made once.
    fn parameter(&mut self, name: &str, make: impl FnOnce(&Self) -> Value) -> Value {
        if !self.parameters.contains_key(name) {
            let p = make(self);
            self.parameters.insert(name.to_owned(), p);
        }
        reference("parameters", name)
    }

    /// The restrictions of an entity set or singleton, from its annotations.
    fn restrictions(&self, set: &EntitySet) -> Restrictions {
        let a = self.annotations(&self.set_target(&set.name), &set.annotations);
        let flag = |term: &str, property: Option<&str>, default: bool| {
            let v = a.get(&capabilities(term));
            let v = match property {
                Some(p) => v.and_then(|r| r.field(p)),
                None => v,
            };
            v.and_then(Expr::as_bool).unwrap_or(default)
        };
        let t = self.structured_of(&set.ty);
        // Business Central declares the restrictions of every API page's
        // entity set; a set without them (`entityDefinitions`) is one of its
        // own, read-only.
        let write = !self.rules.restrictions
            || ["InsertRestrictions", "UpdateRestrictions", "DeleteRestrictions"]
                .iter()
                .any(|t| a.contains_key(&capabilities(t)));
        Restrictions {
            readable: flag("ReadRestrictions", Some("Readable"), true),
            insertable: flag("InsertRestrictions", Some("Insertable"), write),
            updatable: flag("UpdateRestrictions", Some("Updatable"), write),
            deletable: flag("DeleteRestrictions", Some("Deletable"), write),
            filterable: flag("FilterRestrictions", Some("Filterable"), true),
            sortable: flag("SortRestrictions", Some("Sortable"), true),
            // Business Central's support of `$count` is not documented.
            countable: flag("CountRestrictions", Some("Countable"), !self.rules.service),
            top: flag("TopSupported", None, true),
            skip: flag("SkipSupported", None, true),
            searchable: flag("SearchRestrictions", Some("Searchable"), false),
            expandable: flag("ExpandRestrictions", Some("Expandable"), true),
            etag: t.is_some_and(|t| self.has_etag(t)),
            description: Self::description(&a),
        }
    }

    /// What a contained navigation allows: under Business Central's rules,
    /// the restrictions of the entity set of its type; otherwise what the
    /// parent's `NavigationRestrictions` say of it, everything by default.
    fn nav_restrictions(
        &self,
        parent: Option<&Restrictions>,
        parent_set: Option<&EntitySet>,
        nav: &NavProperty,
    ) -> Restrictions {
        let t = self.structured_of(&nav.ty.name);
        let etag = t.is_some_and(|t| self.has_etag(t));
        if self.rules.restrictions {
            if let Some(set) = self.model.entity_sets.iter().find(|s| s.ty == nav.ty.name) {
                return self.restrictions(set);
            }
        }
        let mut r = Restrictions {
            readable: true,
            insertable: true,
            updatable: true,
            deletable: true,
            filterable: true,
            sortable: true,
            countable: !self.rules.service,
            top: true,
            skip: true,
            searchable: parent.is_some_and(|p| p.searchable),
            expandable: true,
            etag,
            description: None,
        };
        let Some(set) = parent_set else { return r };
        let a = self.annotations(&self.set_target(&set.name), &set.annotations);
        let Some(Expr::Collection(restricted)) = a
            .get(&capabilities("NavigationRestrictions"))
            .and_then(|n| n.field("RestrictedProperties"))
        else {
            return r;
        };
        for rp in restricted {
            if rp.field("NavigationProperty").and_then(Expr::as_str) != Some(nav.name.as_str()) {
                continue;
            }
            let nested =
                |term: &str, property: &str| rp.field(term).and_then(|v| v.field(property)).and_then(Expr::as_bool);
            if let Some(v) = nested("InsertRestrictions", "Insertable") {
                r.insertable = v;
            }
            if let Some(v) = nested("UpdateRestrictions", "Updatable") {
                r.updatable = v;
            }
            if let Some(v) = nested("DeleteRestrictions", "Deletable") {
                r.deletable = v;
            }
            if let Some(v) = nested("ReadRestrictions", "Readable") {
                r.readable = v;
            }
            if rp
                .field("Navigability")
                .and_then(Expr::as_str)
                .is_some_and(|n| n.ends_with("/None"))
            {
                r.readable = false;
                r.insertable = false;
                r.updatable = false;
                r.deletable = false;
            }
        }
        r
    }

    fn walk(&mut self, options: &ConvertOptions, found: &mut Found) {
        let contained: HashSet<&str> = self
            .model
            .structured
            .iter()
            .flat_map(|t| {
                t.navigations
                    .iter()
                    .filter(|n| n.contains_target)
                    .map(|n| n.ty.name.as_str())
            })
            .collect();
        let roots: Vec<&'m EntitySet> =
            if options.keep.is_empty() {
                self.model
                    .entity_sets
                    .iter()
                    .filter(|s| !self.rules.roots || !contained.contains(s.ty.as_str()))
                    .collect()
            } else {
                let mut roots = Vec::new();
                for k in &options.keep {
                    match self.model.entity_sets.iter().find(|s| s.name == *k) {
                    Some(s) => roots.push(s),
                    None => found.error(
                        Pos::default(),
                        format!(
                            "--keep names `{k}`, which is not an entity set or singleton of the container (it has {})",
                            self.model.entity_sets.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(", ")
                        ),
                    ),
                }
                }
                roots
            };
        for set in roots {
            let Some(t) = self.structured_of(&set.ty) else { continue };
            let mut r = self.restrictions(set);
            if set.singleton {
                // A singleton is always there: it cannot be created or deleted.
                r.insertable = false;
                r.deletable = false;
            }
            let about = r
                .description
                .clone()
                .or_else(|| Self::description(&t.annotations))
                .unwrap_or_else(|| {
                    let what = if set.singleton { "singleton" } else { "entity set" };
                    format!("The `{}` {what}.", set.name)
                });
            self.tag(&set.name, Some(about));
            let at = At {
                path: String::new(),
                params: Vec::new(),
                base: String::new(),
                tag: set.name.clone(),
                depth: 0,
            };
            if set.singleton {
                self.single(&at, &set.name, t, &r, Some(set), &upper_first(&set.name));
            } else {
                self.collection(&at, &set.name, t, &r, Some(set), &upper_first(&set.name));
            }
        }
        for import in &self.model.imports {
            let Some((_, op)) = self.model.operations.iter().find(|(n, _)| *n == import.operation) else {
                continue;
            };
            if op.bound {
                continue;
            }
            let what = if op.action { "action" } else { "function" };
            self.tag(&import.name, Some(format!("The `{}` {what}.", import.name)));
            let at = At {
                path: String::new(),
                params: Vec::new(),
                base: String::new(),
                tag: import.name.clone(),
                depth: 0,
            };
            self.operation(&at, &import.name, op, "");
        }
    }

    fn tag(&mut self, name: &str, description: Option<String>) {
        if !self.tags.iter().any(|(n, _)| n == name) {
            self.tags.push((
                name.to_owned(),
                description.unwrap_or_else(|| format!("The `{name}` entity set.")),
            ));
        }
    }

    /// An operation id not taken yet.
    fn op_id(&mut self, id: String) -> String {
        let mut candidate = id.clone();
        let mut i = 2;
        while !self.op_ids.insert(candidate.clone()) {
            candidate = format!("{id}{i}");
            i += 1;
        }
        candidate
    }

    fn add(&mut self, path: &str, params: &[String], method: &str, op: Value) {
        let item = self.paths.entry(path.to_owned()).or_default();
        if !item.contains_key("parameters") && !params.is_empty() {
            item.insert(
                "parameters".into(),
                Value::Array(params.iter().map(|p| reference("parameters", p)).collect()),
            );
        }
        item.insert(method.to_owned(), op);
        self.operations += 1;
    }

    /// The responses every operation may get, and its own success.
    fn responses(&self, success: (&str, Value), item: bool, write: bool, etag: bool) -> Value {
        let mut r = Map::new();
        r.insert(success.0.into(), success.1);
        for (status, name) in [("400", "badRequest"), ("401", "unauthorized")] {
            r.insert(status.into(), reference("responses", name));
        }
        if item {
            r.insert("404".into(), reference("responses", "notFound"));
        }
        if write && etag {
            if self.rules.service {
                r.insert("409".into(), reference("responses", "conflict"));
            } else {
                r.insert("412".into(), reference("responses", "preconditionFailed"));
            }
        }
        r.insert("429".into(), reference("responses", "tooManyRequests"));
        r.insert("503".into(), reference("responses", "serviceUnavailable"));
        Value::Object(r)
    }

    fn etag_header() -> Value {
        json!({"ETag": reference("headers", "ETag")})
    }

    /// The query options of a list: paging, `$filter`, `$orderby`,
    /// `$select`, `$expand`, `$count` and `$search` as allowed.
    fn list_parameters(&mut self, t: &'m Structured, r: &Restrictions) -> Vec<Value> {
        let mut params = Vec::new();
        if r.top {
            params.push(self.parameter("top", |_| {
                json!({"name": "$top", "in": "query", "required": false, "description": "Return at most this many entities.",
                       "schema": {"type": "integer", "format": "int32", "minimum": 0}})
            }));
        }
        if r.skip {
            params.push(self.parameter("skip", |_| {
                json!({"name": "$skip", "in": "query", "required": false, "description": "Skip this many entities before the first one returned.",
                       "schema": {"type": "integer", "format": "int32", "minimum": 0}})
            }));
        }
        if r.filterable {
            params.push(self.parameter("filter", |_| {
                json!({"name": "$filter", "in": "query", "required": false,
                       "description": "An OData filter expression over the entity's properties, such as `displayName eq 'Contoso'`.",
                       "schema": {"type": "string", "minLength": 1}})
            }));
        }
        if r.countable {
            if self.v2 {
                params.push(self.parameter("inlinecount", |_| {
                    json!({"name": "$inlinecount", "in": "query", "required": false,
                           "description": "`allpages` adds the size of the whole collection (`__count`) to the page.",
                           "schema": {"type": "string", "enum": ["allpages", "none"]}})
                }));
            } else {
                params.push(self.parameter("count", |_| {
                    json!({"name": "$count", "in": "query", "required": false,
                           "description": "Add the size of the whole collection (`@odata.count`) to the page.",
                           "schema": {"type": "boolean"}})
                }));
            }
        }
        if r.searchable {
            params.push(self.parameter("search", |_| {
                json!({"name": "$search", "in": "query", "required": false, "description": "A free-text search expression.",
                       "schema": {"type": "string", "minLength": 1}})
            }));
        }
        if r.sortable {
            if let Some(p) = self.orderby(t) {
                params.push(p);
            }
        }
        params.extend(self.select_expand(t, r));
        if !self.v2 {
            params.push(self.parameter("prefer", |b| {
                let cap = if b.rules.service { " (Business Central online caps a page at 20,000)" } else { "" };
                json!({"name": "Prefer", "in": "header", "required": false,
                       "description": format!("OData preferences; `odata.maxpagesize=N` asks for pages of at most N entities{cap}."),
                       "schema": {"type": "string"}, "example": "odata.maxpagesize=100"})
            }));
        }
        params
    }

    /// The structural properties of a type and its bases, in order.
    fn properties(&self, t: &'m Structured) -> Vec<&'m Property> {
        base_chain(self.model, self.index, t)
            .iter()
            .rev()
            .flat_map(|c| c.properties.iter())
            .collect()
    }

    fn navigations(&self, t: &'m Structured) -> Vec<&'m NavProperty> {
        self.owned_navigations(t).into_iter().map(|(_, n)| n).collect()
    }

    /// The navigations of a type and its bases, with the type declaring each.
    fn owned_navigations(&self, t: &'m Structured) -> Vec<(&'m Structured, &'m NavProperty)> {
        base_chain(self.model, self.index, t)
            .iter()
            .rev()
            .flat_map(|c| c.navigations.iter().map(move |n| (*c, n)))
            .collect()
    }

    fn orderby(&mut self, t: &'m Structured) -> Option<Value> {
        let sortable: Vec<String> = self
            .properties(t)
            .iter()
            .filter(|p| {
                !p.ty.collection
                    && matches!(
                        kind(self.model, self.index, &p.ty.name),
                        Kind::Primitive | Kind::Enum | Kind::Definition
                    )
                    && p.ty.name != "Edm.Stream"
            })
            .map(|p| regex_escape(&p.name))
            .collect();
        if sortable.is_empty() {
            return None;
        }
        let name = format!("{}Orderby", self.names[&t.name]);
        let about = short(&t.name).to_owned();
        Some(self.parameter(&name, |_| {
            json!({"name": "$orderby", "in": "query", "required": false,
                   "description": format!("Sort keys, each a property of the `{about}` optionally followed by `asc` or `desc`."),
                   "style": "form", "explode": false,
                   "schema": {"type": "array", "minItems": 1, "items": {"type": "string",
                       "pattern": format!("^({})( (asc|desc))?$", sortable.join("|"))}}})
        }))
    }

    fn select_expand(&mut self, t: &'m Structured, r: &Restrictions) -> Vec<Value> {
        let mut out = Vec::new();
        let selectable: Vec<String> = self
            .properties(t)
            .iter()
            .filter(|p| p.ty.name != "Edm.Stream")
            .map(|p| p.name.clone())
            .collect();
        let about = short(&t.name).to_owned();
        if !selectable.is_empty() {
            let name = format!("{}Select", self.names[&t.name]);
            let about = about.clone();
            out.push(self.parameter(&name, |_| {
                json!({"name": "$select", "in": "query", "required": false,
                       "description": format!("The properties of the `{about}` to return; the others are left out."),
                       "style": "form", "explode": false,
                       "schema": {"type": "array", "minItems": 1, "items": {"type": "string", "enum": selectable}}})
            }));
        }
        let navs: Vec<String> = self.navigations(t).iter().map(|n| n.name.clone()).collect();
        if r.expandable && !navs.is_empty() {
            let name = format!("{}Expand", self.names[&t.name]);
            out.push(self.parameter(&name, |_| {
                json!({"name": "$expand", "in": "query", "required": false,
                       "description": format!("The navigation properties of the `{about}` to include inline."),
                       "style": "form", "explode": false,
                       "schema": {"type": "array", "minItems": 1, "items": {"type": "string", "enum": navs}}})
            }));
        }
        out
    }

    /// `If-Match`, required, where the entity has a tag; nothing otherwise.
    fn if_match(&mut self, etag: bool) -> Vec<Value> {
        if !etag {
            return Vec::new();
        }
        vec![self.parameter("ifMatch", |b| {
            let stale = if b.rules.service {
                "a stale one gets 409 `Request_EntityChanged`, a missing one 400 `BadRequest_InvalidToken`"
            } else {
                "a stale one gets 412"
            };
            json!({"name": "If-Match", "in": "header", "required": true,
                   "description": format!("The entity tag last read (the `ETag` header or the entity's version), or `*` for any version; {stale}."),
                   "schema": {"type": "string"}})
        })]
    }

    /// The key of `t` as a path segment and its parameters: `({id})`,
    /// `('{code}')` for text, `(a={a},b='{b}')` for a composite key, `/{id}`
    /// where the service takes keys as segments.
    fn key_segment(&mut self, at: &At, t: &'m Structured) -> Option<(String, Vec<String>)> {
        let key = self.key(t);
        if key.is_empty() {
            return None;
        }
        let type_name = short(&t.name).to_lower_camel_case();
        let composite = key.len() > 1;
        // A service that takes keys as segments (`/People/russell`) takes them bare.
        let key_as_segment = self
            .model
            .container
            .as_ref()
            .and_then(|c| self.model.external.get(c))
            .and_then(|a| a.get(&capabilities("KeyAsSegmentSupported")))
            .and_then(Expr::as_bool)
            == Some(true)
            && !composite;
        let mut parts = Vec::new();
        let mut names = Vec::new();
        for (owner, p) in &key {
            let mut param = format!("{type_name}{}", upper_first(&p.name.to_upper_camel_case()));
            // The same type twice in one path: its second key is numbered.
            let mut i = 2;
            while at.params.contains(&param) || names.contains(&param) {
                param = format!("{type_name}{}{i}", upper_first(&p.name.to_upper_camel_case()));
                i += 1;
            }
            let schema = {
                let mut s = self.type_schema(&p.ty.name, &Facets::default());
                if let Some(obj) = s.as_object_mut() {
                    obj.remove("maxLength");
                }
                s
            };
            let literal = match (p.ty.name.as_str(), self.v2) {
                _ if key_as_segment => format!("{{{param}}}"),
                ("Edm.String", _) => format!("'{{{param}}}'"),
                ("Edm.Guid", true) => format!("guid'{{{param}}}'"),
                ("Edm.DateTime", true) => format!("datetime'{{{param}}}'"),
                ("Edm.DateTimeOffset", true) => format!("datetimeoffset'{{{param}}}'"),
                ("Edm.Int64", true) => format!("{{{param}}}L"),
                ("Edm.Decimal", true) => format!("{{{param}}}M"),
                _ if kind(self.model, self.index, &p.ty.name) == Kind::Enum => {
                    format!("{}'{{{param}}}'", p.ty.name)
                }
                _ => format!("{{{param}}}"),
            };
            parts.push(if composite {
                format!("{}={literal}", p.name)
            } else {
                literal
            });
            let text = p.ty.name == "Edm.String" && !key_as_segment;
            let about = format!(
                "The `{}` of the `{}`{}.",
                p.name,
                short(&owner.name),
                if text {
                    ", its quotes doubled where it holds one"
                } else {
                    ""
                }
            );
            let pname = param.clone();
            self.parameter(
                &param,
                move |_| json!({"name": pname, "in": "path", "required": true, "description": about, "schema": schema}),
            );
            names.push(param);
        }
        let segment = if key_as_segment {
            format!("/{}", parts.join(""))
        } else {
            format!("({})", parts.join(","))
        };
        Some((segment, names))
    }

    /// A collection of entities at `at.path/segment`: list and create, and
    /// each entity by key with what lies below it.
    fn collection(
        &mut self,
        at: &At,
        segment: &str,
        t: &'m Structured,
        r: &Restrictions,
        set: Option<&'m EntitySet>,
        name: &str,
    ) {
        let path = format!("{}/{segment}", at.path);
        let nested = !at.params.is_empty();
        let tname = upper_first(short(&t.name));
        if r.readable {
            let collection = self.collection_schema(&t.name, r.countable);
            let params = self.list_parameters(t, r);
            let id = self.op_id(format!("list{}{}", at.base, upper_first(name)));
            let responses = self.responses(
                (
                    "200",
                    json!({"description": format!("A page of `{}` entities.", short(&t.name)),
                               "content": {"application/json": {"schema": reference("schemas", &collection)}}}),
                ),
                nested,
                false,
                false,
            );
            let op = json!({"tags": [at.tag], "operationId": id,
                "summary": format!("List the `{segment}` of {}", if nested { "the parent" } else { "the service" }),
                "description": "Returns one page; while more remain, the page links to the next one, to be followed exactly as given.",
                "parameters": params, "responses": responses});
            self.add(&path, &at.params, "get", op);
        }
        if r.insertable {
            let id = self.op_id(format!("create{}{tname}", at.base));
            let body = reference("schemas", &self.names[&t.name]);
            let entry = self.entry_schema(&t.name);
            let mut created =
                json!({"description": "The created entity.", "content": {"application/json": {"schema": entry}}});
            if r.etag && !self.v2 {
                created["headers"] = Self::etag_header();
            }
            let responses = self.responses(("201", created), nested, false, false);
            let op = json!({"tags": [at.tag], "operationId": id,
                "summary": format!("Create an entity in `{segment}`"),
                "description": "Creates an entity from the body; read-only properties are not sent.",
                "requestBody": {"required": true, "content": {"application/json": {"schema": body}}},
                "responses": responses});
            self.add(&path, &at.params, "post", op);
        }
        self.bound_operations(at, &path, t, true);
        let Some((key, key_params)) = self.key_segment(at, t) else {
            return;
        };
        let mut params = at.params.clone();
        params.extend(key_params);
        let item = At {
            path: format!("{path}{key}"),
            params,
            base: format!("{}{tname}", at.base),
            tag: at.tag.clone(),
            depth: at.depth,
        };
        self.entity(&item, t, r, set);
    }

    /// One entity at `at.path`: get, update and delete as allowed, its
    /// streams, bound operations and contained navigations.
    fn entity(&mut self, at: &At, t: &'m Structured, r: &Restrictions, set: Option<&'m EntitySet>) {
        let about = short(&t.name).to_owned();
        if r.readable {
            let id = self.op_id(format!("get{}", at.base));
            let params = self.select_expand(t, r);
            let entry = self.entry_schema(&t.name);
            let mut ok =
                json!({"description": format!("The `{about}`."), "content": {"application/json": {"schema": entry}}});
            if r.etag && !self.v2 {
                ok["headers"] = Self::etag_header();
            }
            let responses = self.responses(("200", ok), true, false, false);
            let description = if r.etag && !self.v2 {
                "Returns the entity. Its `ETag` header, equal to its `@odata.etag`, is what a later update or delete sends in `If-Match`."
            } else {
                "Returns the entity."
            };
            let op = json!({"tags": [at.tag], "operationId": id, "summary": format!("Get a `{about}`"),
                            "description": description,
                            "parameters": params, "responses": responses});
            self.add(&at.path, &at.params, "get", op);
        }
        if r.updatable {
            let id = self.op_id(format!("update{}", at.base));
            let body = self.update_schema(t);
            let params = self.if_match(r.etag);
            let (method, success) = if self.v2 {
                ("put", ("204", json!({"description": "The entity is updated."})))
            } else {
                let mut ok = json!({"description": format!("The updated `{about}`."),
                                    "content": {"application/json": {"schema": reference("schemas", &self.names[&t.name])}}});
                if r.etag {
                    ok["headers"] = Self::etag_header();
                }
                ("patch", ("200", ok))
            };
            let responses = self.responses(success, true, true, r.etag);
            let op = json!({"tags": [at.tag], "operationId": id, "summary": format!("Update a `{about}`"),
                "description": "Changes the properties the body holds and keeps the others.",
                "parameters": params,
                "requestBody": {"required": true, "content": {"application/json": {"schema": reference("schemas", &body)}}},
                "responses": responses});
            self.add(&at.path, &at.params, method, op);
        }
        if r.deletable {
            let id = self.op_id(format!("delete{}", at.base));
            let params = self.if_match(r.etag);
            let responses = self.responses(
                (
                    "204",
                    json!({"description": "The entity is deleted; the response has no body."}),
                ),
                true,
                true,
                r.etag,
            );
            let description = if r.etag {
                "Deletes the entity; `If-Match` carries its current entity tag, or `*`."
            } else {
                "Deletes the entity."
            };
            let op = json!({"tags": [at.tag], "operationId": id, "summary": format!("Delete a `{about}`"),
                            "description": description,
                            "parameters": params, "responses": responses});
            self.add(&at.path, &at.params, "delete", op);
        }
        if r.readable {
            self.streams(at, t);
        }
        self.bound_operations(at, &at.path, t, false);
        if at.depth >= self.levels {
            return;
        }
        // Business Central's `companies` is a scope, not a parent: what lies
        // below a company is named as if at the top.
        let child_base = if self.rules.service && at.depth == 0 && short(&t.name) == "company" {
            String::new()
        } else {
            at.base.clone()
        };
        for (owner, nav) in self.owned_navigations(t) {
            if !nav.contains_target {
                continue;
            }
            let Some(target) = self.structured_of(&nav.ty.name) else {
                continue;
            };
            let mut nr = self.nav_restrictions(Some(r), set, nav);
            if self.rules.restrictions {
                // Business Central marks every navigation as containment.
                // One marked as the partner of its parent's leads back to the
                // parent: no path. A single one without a partner is a
                // lookup (the order's customer): read there, written at the
                // entity's own path.
                let a = self.annotations(&format!("{}/{}", owner.name, nav.name), &nav.annotations);
                if a.get(BC_PARTNER).and_then(Expr::as_bool) == Some(true) {
                    continue;
                }
                if !nav.ty.collection && nav.partner.is_none() {
                    nr.insertable = false;
                    nr.updatable = false;
                    nr.deletable = false;
                }
            }
            let tag = if self.rules.service && at.depth == 0 && short(&t.name) == "company" {
                self.tag(
                    &nav.name,
                    nr.description
                        .clone()
                        .or_else(|| Self::description(&target.annotations)),
                );
                nav.name.clone()
            } else {
                at.tag.clone()
            };
            let child = At {
                path: at.path.clone(),
                params: at.params.clone(),
                base: child_base.clone(),
                tag,
                depth: at.depth + 1,
            };
            let nav_set = if self.rules.restrictions {
                self.model.entity_sets.iter().find(|s| s.ty == nav.ty.name)
            } else {
                None
            };
            if nav.ty.collection {
                self.collection(&child, &nav.name, target, &nr, nav_set, &nav.name);
            } else {
                nr.insertable = false;
                self.single(&child, &nav.name, target, &nr, nav_set, &upper_first(&nav.name));
            }
        }
    }

    /// A single-valued navigation or a singleton at `at.path/segment`.
    fn single(
        &mut self,
        at: &At,
        segment: &str,
        t: &'m Structured,
        r: &Restrictions,
        set: Option<&'m EntitySet>,
        name: &str,
    ) {
        let item = At {
            path: format!("{}/{segment}", at.path),
            params: at.params.clone(),
            base: format!("{}{name}", at.base),
            tag: at.tag.clone(),
            depth: at.depth,
        };
        self.entity(&item, t, r, set);
    }

    /// `GET …/{property}` for each stream property, and `GET …/$value` of
    /// a media entity: the bytes.
    fn streams(&mut self, at: &At, t: &'m Structured) {
        if base_chain(self.model, self.index, t).iter().any(|c| c.has_stream) {
            let id = self.op_id(format!("get{}Value", at.base));
            let responses = self.responses(
                (
                    "200",
                    json!({"description": "The bytes of the media entity.",
                           "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}),
                ),
                true,
                false,
                false,
            );
            let op = json!({"tags": [at.tag], "operationId": id,
                            "summary": format!("Download a `{}`", short(&t.name)),
                            "description": "Returns the bytes of the media entity.",
                            "responses": responses});
            let path = format!("{}/$value", at.path);
            self.add(&path, &at.params, "get", op);
        }
        for p in self.properties(t) {
            if p.ty.name != "Edm.Stream" {
                continue;
            }
            // `pdfDocument/pdfDocumentContent` is named `…PdfDocumentContent`.
            let own = lower_first(short(&t.name));
            let name = match p.name.strip_prefix(own.as_str()) {
                Some(rest) if !rest.is_empty() && at.base.ends_with(&upper_first(&own)) => rest.to_owned(),
                _ => upper_first(&p.name),
            };
            let id = self.op_id(format!("get{}{name}", at.base));
            let responses = self.responses(
                ("200", json!({"description": format!("The bytes of `{}`.", p.name),
                               "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}})),
                true,
                false,
                false,
            );
            let op = json!({"tags": [at.tag], "operationId": id,
                            "summary": format!("Download the `{}` of a `{}`", p.name, short(&t.name)),
                            "description": "Returns the bytes of the stream property.",
                            "responses": responses});
            let path = format!("{}/{}", at.path, p.name);
            self.add(&path, &at.params, "get", op);
        }
    }

    /// The actions and functions bound to `t` (or to a collection of it,
    /// when `collection`), or to one of its bases.
    fn bound_operations(&mut self, at: &At, path: &str, t: &'m Structured, collection: bool) {
        let chain: Vec<&str> = base_chain(self.model, self.index, t)
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        let ops: Vec<&'m (String, Operation)> = self
            .model
            .operations
            .iter()
            .filter(|(_, op)| {
                op.bound
                    && op
                        .parameters
                        .first()
                        .is_some_and(|b| b.ty.collection == collection && chain.contains(&b.ty.name.as_str()))
            })
            .collect();
        for (qualified, op) in ops {
            let at = At {
                path: path.to_owned(),
                ..at.clone()
            };
            self.operation(&at, qualified, op, if collection { "Collection" } else { "" });
        }
    }

    /// An action (POST, its parameters a JSON body) or a function (GET, its
    /// parameters in the path) at `at.path/segment`.
    fn operation(&mut self, at: &At, segment: &str, op: &'m Operation, suffix: &str) {
        let params: Vec<&Parameter> = op.parameters.iter().skip(usize::from(op.bound)).collect();
        let local = short(&op.name);
        let id = self.op_id(format!("{}{}{suffix}", lower_first(local), at.base));
        let returns = op.returns.as_ref().map(|(ty, _)| {
            let inner = self.type_schema(&ty.name, &Facets::default());
            if ty.collection {
                if self.v2 {
                    json!({"type": "object", "properties": {"d": {"type": "object", "properties": {"results": {"type": "array", "items": inner}}}}})
                } else {
                    json!({"type": "object", "required": ["value"], "properties": {"value": {"type": "array", "items": inner}}})
                }
            } else if kind(self.model, self.index, &ty.name) == Kind::Primitive && !self.v2 {
                json!({"type": "object", "required": ["value"], "properties": {"value": inner}})
            } else {
                inner
            }
        });
        let success = match returns {
            Some(schema) => (
                "200",
                json!({"description": "The result.", "content": {"application/json": {"schema": schema}}}),
            ),
            None => ("204", json!({"description": "Done; the response has no body."})),
        };
        let responses = self.responses(success, !at.params.is_empty(), false, false);
        let mut o = json!({"tags": [at.tag], "operationId": id,
            "summary": format!("{} `{local}`", if op.action { "Run the action" } else { "Call the function" }),
            "responses": responses});
        o["description"] = json!(
            Self::description(&self.annotations(&op.name, &op.annotations)).unwrap_or_else(|| {
                let on = if op.bound { " on what the path names" } else { "" };
                if op.action {
                    format!("Runs `{}`{on}; its parameters are the body's members.", op.name)
                } else {
                    format!("Calls `{}`{on}; it changes nothing.", op.name)
                }
            })
        );
        let mut path = format!("{}/{segment}", at.path);
        let mut path_params = at.params.clone();
        if op.action {
            if !params.is_empty() {
                let mut props = Map::new();
                let mut required = Vec::new();
                for p in &params {
                    let mut s = self.type_schema(&p.ty.name, &p.facets);
                    if p.ty.collection {
                        s = json!({"type": "array", "items": s});
                    }
                    if p.facets.nullable == Some(false) {
                        required.push(json!(p.name));
                    }
                    props.insert(p.name.clone(), s);
                }
                let mut body = json!({"type": "object", "properties": props});
                if !required.is_empty() {
                    body["required"] = Value::Array(required);
                }
                o["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": body}}});
            }
            self.add(&path, &at.params, "post", o);
            return;
        }
        // A function: primitive parameters in the path (V4) or the query (V2).
        let mut query = Vec::new();
        let mut inline = Vec::new();
        for p in &params {
            let schema = self.type_schema(&p.ty.name, &p.facets);
            let text = p.ty.name == "Edm.String";
            if self.v2 {
                query.push(
                    json!({"name": p.name, "in": "query", "required": p.facets.nullable == Some(false),
                    "description": if text { "Quoted as an OData literal: `'text'`." } else { "An OData literal." },
                    "schema": schema}),
                );
                continue;
            }
            let pname = format!("{}{}", lower_first(local), upper_first(&p.name));
            let pn = pname.clone();
            let about = format!("The `{}` of `{local}`.", p.name);
            self.parameter(
                &pname,
                move |_| json!({"name": pn, "in": "path", "required": true, "description": about, "schema": schema}),
            );
            inline.push(if text {
                format!("{}='{{{pname}}}'", p.name)
            } else {
                format!("{}={{{pname}}}", p.name)
            });
            path_params.push(pname);
        }
        if !self.v2 {
            path = format!("{path}({})", inline.join(","));
        }
        if !query.is_empty() {
            o["parameters"] = Value::Array(query);
        }
        self.add(&path, &path_params, "get", o);
    }

    /// What each entity set (tag) offers at its own paths, and how many
    /// operations lie below them: a list for the document's description.
    fn offers(&self) -> String {
        let mut lines = vec!["Entity sets and what they offer:".to_owned(), String::new()];
        for (tag, _) in &self.tags {
            let of_tag = |item: &Map<String, Value>, m: &str| {
                item.get(m).is_some_and(|o| o["tags"][0].as_str() == Some(tag.as_str()))
            };
            let own = self
                .paths
                .iter()
                .find(|(p, item)| p.rsplit('/').next() == Some(tag.as_str()) && item.keys().any(|m| of_tag(item, m)));
            let mut offered = Vec::new();
            let mut counted = 0;
            if let Some((path, item)) = own {
                for (m, word) in [("get", "list"), ("post", "create")] {
                    if of_tag(item, m) {
                        offered.push(word);
                        counted += 1;
                    }
                }
                let by_key = self.paths.iter().find(|(p, _)| {
                    p.strip_prefix(path.as_str())
                        .is_some_and(|rest| rest.starts_with('(') && rest.ends_with(')') && !rest.contains('/'))
                });
                if let Some((_, item)) = by_key {
                    for (m, word) in [
                        ("get", "get"),
                        ("patch", "update"),
                        ("put", "update"),
                        ("delete", "delete"),
                    ] {
                        if of_tag(item, m) {
                            offered.push(word);
                            counted += 1;
                        }
                    }
                }
            }
            let total: usize = self
                .paths
                .values()
                .map(|item| item.keys().filter(|m| of_tag(item, m)).count())
                .sum();
            let more = match total - counted {
                0 => String::new(),
                1 => "; 1 operation more below".to_owned(),
                n => format!("; {n} operations more below"),
            };
            let offered = if offered.is_empty() {
                "no operation of its own".to_owned()
            } else {
                offered.join(", ")
            };
            lines.push(format!("- `{tag}`: {offered}{more}"));
        }
        lines.join("\n")
    }

    fn finish(mut self, options: &ConvertOptions) -> Built {
        let mut responses = Map::new();
        let error = reference("schemas", &self.error_schema);
        let retry = json!({"Retry-After": reference("headers", "RetryAfter")});
        // Business Central's codes, as examples of each response.
        let codes: &[(&str, &str, &str)] = if self.rules.service {
            &[
                (
                    "badRequest",
                    "BadRequest_InvalidToken",
                    "Could not validate the client concurrency token required by the service. Please provide a valid token in the client request.",
                ),
                (
                    "unauthorized",
                    "Authentication_InvalidCredentials",
                    "The server has rejected the client credentials.",
                ),
                (
                    "notFound",
                    "Internal_RecordNotFound",
                    "The record does not exist. Identification fields and values are not known.",
                ),
                (
                    "conflict",
                    "Request_EntityChanged",
                    "Another user has already changed the record.",
                ),
                (
                    "tooManyRequests",
                    "Application_TooManyRequests",
                    "The request was throttled; try again later.",
                ),
                (
                    "serviceUnavailable",
                    "Service_Unavailable",
                    "The service is busy; try again later.",
                ),
            ]
        } else {
            &[]
        };
        let mut add = |name: &str, description: &str, retry_after: bool| {
            let mut r = json!({"description": description, "content": {"application/json": {"schema": error}}});
            if let Some((_, code, message)) = codes.iter().find(|(n, ..)| *n == name) {
                r["content"]["application/json"]["example"] = json!({"error": {"code": code, "message": message}});
            }
            if retry_after {
                r["headers"] = retry.clone();
            }
            responses.insert(name.into(), r);
        };
        add(
            "badRequest",
            "The request is malformed or a value is not allowed.",
            false,
        );
        add("unauthorized", "The credentials are missing or not accepted.", false);
        add("notFound", "No entity has the given key.", false);
        let stale = "The `If-Match` entity tag is stale; another request changed the entity first.";
        if self.rules.service {
            add("conflict", stale, false);
        } else {
            add("preconditionFailed", stale, false);
        }
        add(
            "tooManyRequests",
            "Too many requests; `Retry-After` says when to try again.",
            true,
        );
        add(
            "serviceUnavailable",
            "The service cannot take the request now; `Retry-After` says when to try again.",
            true,
        );
        // Only what some operation uses.
        let used: HashSet<String> = self
            .paths
            .values()
            .flat_map(|item| item.values())
            .flat_map(|op| {
                op.get("responses")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flat_map(|r| r.values())
            })
            .filter_map(|r| r.get("$ref").and_then(Value::as_str))
            .filter_map(|r| r.strip_prefix("#/components/responses/"))
            .map(str::to_owned)
            .collect();
        responses.retain(|name, _| used.contains(name));
        let summary = self.offers();
        let paths: Map<String, Value> = self
            .paths
            .into_iter()
            .map(|(p, item)| (p, Value::Object(item)))
            .collect();
        let path_count = paths.len();
        let title = match (self.rules.service, &self.model.container) {
            (true, _) => "Business Central API".to_owned(),
            (false, Some(c)) => short(c).to_owned(),
            (false, None) => self.model.namespaces.join(", "),
        };
        let mut doc = json!({
            "openapi": "3.0.3",
            "info": {"title": title, "version": if self.v2 { "OData V2" } else { "OData V4" },
                     "description": format!("Converted from the service's CSDL ({}) by openapi-client-gen convert{}.\n\n{summary}",
                        self.model.namespaces.join(", "),
                        if self.rules.service { ", with Business Central's rules" } else { "" })},
        });
        if self.rules.service {
            doc["servers"] = json!([{"url": options.server.clone().unwrap_or_else(|| BC_SERVER.to_owned()),
                "description": "Business Central online",
                "variables": {"tenant": {"default": "common", "description": "The Microsoft Entra tenant id or the tenant's domain name."},
                              "environment": {"default": "production", "description": "The name of the environment, such as `production` or `sandbox`."}}}]);
            if options.server.is_some() {
                doc["servers"][0].as_object_mut().map(|s| s.remove("variables"));
                doc["servers"][0]["description"] = json!("The service root");
            }
            doc["security"] = json!([{"entraId": [BC_SCOPE]}, {"bearerAuth": []}]);
            doc["info"]["contact"] = json!({"name": "Business Central API v2.0 reference",
                "url": "https://learn.microsoft.com/dynamics365/business-central/dev-itpro/api-reference/v2.0/"});
        } else {
            doc["servers"] = json!([{"url": options.server.clone().unwrap_or_else(|| "http://localhost".to_owned()),
                                     "description": "The service root"}]);
        }
        doc["tags"] = Value::Array(
            self.tags
                .iter()
                .map(|(n, d)| json!({"name": n, "description": d}))
                .collect(),
        );
        doc["paths"] = Value::Object(paths);
        let mut components = Map::new();
        if self.rules.service {
            components.insert("securitySchemes".into(), json!({
                "entraId": {"type": "oauth2",
                    "description": "Microsoft Entra ID, with the client-credentials grant of an app registration Business Central knows. Replace `{tenant}` in the token URL (written `%7Btenant%7D`) with the tenant id or domain name.",
                    "flows": {"clientCredentials": {"tokenUrl": "https://login.microsoftonline.com/%7Btenant%7D/oauth2/v2.0/token",
                        "scopes": {BC_SCOPE: "Every permission the app registration was granted in Business Central."}}}},
                "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                    "description": "A Microsoft Entra ID access token for `https://api.businesscentral.dynamics.com`."}
            }));
        }
        components.insert("parameters".into(), Value::Object(std::mem::take(&mut self.parameters)));
        components.insert("headers".into(), json!({
            "ETag": {"required": true, "description": "The entity's current version.", "schema": {"type": "string"}},
            "RetryAfter": {"description": "When to try again, in seconds or as an HTTP date.", "schema": {"type": "string"}}
        }));
        components.insert("schemas".into(), Value::Object(std::mem::take(&mut self.schemas)));
        components.insert("responses".into(), Value::Object(responses));
        doc["components"] = Value::Object(components);
        Built {
            document: doc,
            paths: path_count,
            operations: self.operations,
        }
    }
}

/// `s` with the characters regular expressions give meaning escaped.
fn regex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\^$.|?*+()[]{}".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The 3.0 document as 3.1: `nullable` becomes a `null` in `type`, an
/// exclusive bound a number.
pub(crate) fn to_3_1(doc: &mut Value) {
    doc["openapi"] = json!("3.1.0");
    fn walk(v: &mut Value, depth: usize) {
        if depth > 64 {
            return;
        }
        match v {
            Value::Object(o) => {
                if o.get("nullable") == Some(&Value::Bool(true)) {
                    o.remove("nullable");
                    match o.get("type").cloned() {
                        Some(Value::String(t)) => {
                            o.insert("type".into(), json!([t, "null"]));
                        }
                        _ => {
                            let rest = std::mem::take(o);
                            o.insert("anyOf".into(), json!([Value::Object(rest), {"type": "null"}]));
                        }
                    }
                }
                for (bound, exclusive) in [("maximum", "exclusiveMaximum"), ("minimum", "exclusiveMinimum")] {
                    if o.get(exclusive) == Some(&Value::Bool(true)) {
                        if let Some(b) = o.remove(bound) {
                            o.insert(exclusive.into(), b);
                        }
                    } else if o.get(exclusive).is_some_and(Value::is_boolean) {
                        o.remove(exclusive);
                    }
                }
                for child in o.values_mut() {
                    walk(child, depth + 1);
                }
            }
            Value::Array(a) => {
                for child in a {
                    walk(child, depth + 1);
                }
            }
            _ => {}
        }
    }
    walk(doc, 0);
}

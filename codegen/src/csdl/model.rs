//! The part of an OData service's entity model (CSDL) the converter reads,
//! the same for every way it is written (XML of V4 and 4.01, XML of V2 and
//! V3, JSON). Names are qualified by namespace, aliases already resolved.

use std::collections::{BTreeMap, HashMap};

/// Where something was written: line and column (1-based) in the XML, or a
/// JSON pointer in a CSDL JSON document (`line` 0, located from the text
/// when reported).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Pos {
    pub(crate) line: usize,
    pub(crate) column: usize,
    /// The model path of the element (`Namespace.Type/property`), or the
    /// JSON pointer.
    pub(crate) path: String,
}

/// The OData version that shapes the service's JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Version {
    /// OData V2 and V3 (`Version="1.0"` EDMX): verbose JSON, `d`, `results`,
    /// `__next`, `__metadata`.
    V2,
    /// OData 4.0 and 4.01: `value`, `@odata.nextLink`, `@odata.etag`.
    V4,
}

/// An annotation's value, as far as the vocabularies read here need.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    Bool(bool),
    String(String),
    Int(i64),
    Number(f64),
    /// An enum member (`Org.OData.Core.V1.Permission/Read`), or several.
    EnumMember(String),
    /// A path to a property or navigation.
    Path(String),
    Record(Vec<(String, Expr)>),
    Collection(Vec<Expr>),
    Null,
    /// Anything else (an `If`, `Apply`, …): read as absent.
    Other,
}

impl Expr {
    pub(crate) fn as_bool(&self) -> Option<bool> {
        match self {
            Expr::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Expr::String(s) | Expr::EnumMember(s) | Expr::Path(s) => Some(s),
            _ => None,
        }
    }

    /// A member of a record.
    pub(crate) fn field(&self, name: &str) -> Option<&Expr> {
        match self {
            Expr::Record(fields) => fields.iter().find(|(n, _)| n == name).map(|(_, v)| v),
            _ => None,
        }
    }
}

/// Annotations by their term's qualified name (`Org.OData.Core.V1.Description`),
/// qualifier-less ones only (a qualified annotation targets one audience).
pub(crate) type Annotations = BTreeMap<String, Expr>;

/// A type reference: a qualified name, and whether it is a collection of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TypeRef {
    pub(crate) name: String,
    pub(crate) collection: bool,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Facets {
    pub(crate) nullable: Option<bool>,
    pub(crate) max_length: Option<u64>,
    pub(crate) precision: Option<u32>,
    /// `Some(None)`: `Scale="variable"`.
    pub(crate) scale: Option<Option<u32>>,
    pub(crate) default: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Property {
    pub(crate) name: String,
    pub(crate) ty: TypeRef,
    pub(crate) facets: Facets,
    pub(crate) annotations: Annotations,
    pub(crate) pos: Pos,
}

#[derive(Debug, Clone)]
pub(crate) struct NavProperty {
    pub(crate) name: String,
    pub(crate) ty: TypeRef,
    pub(crate) nullable: Option<bool>,
    pub(crate) contains_target: bool,
    /// The navigation of the target type that leads back.
    pub(crate) partner: Option<String>,
    pub(crate) annotations: Annotations,
    pub(crate) pos: Pos,
}

/// An entity type or a complex type.
#[derive(Debug, Clone)]
pub(crate) struct Structured {
    pub(crate) name: String,
    pub(crate) entity: bool,
    pub(crate) base: Option<String>,
    pub(crate) is_abstract: bool,
    pub(crate) open: bool,
    /// A media entity: its bytes are at `…/$value`.
    pub(crate) has_stream: bool,
    /// The key's property names (a path for a key in a complex property).
    pub(crate) key: Vec<(String, Pos)>,
    pub(crate) properties: Vec<Property>,
    pub(crate) navigations: Vec<NavProperty>,
    pub(crate) annotations: Annotations,
    pub(crate) pos: Pos,
}

#[derive(Debug, Clone)]
pub(crate) struct EnumMember {
    pub(crate) name: String,
    pub(crate) annotations: Annotations,
}

#[derive(Debug, Clone)]
pub(crate) struct EnumType {
    pub(crate) name: String,
    pub(crate) is_flags: bool,
    pub(crate) members: Vec<EnumMember>,
    pub(crate) annotations: Annotations,
}

#[derive(Debug, Clone)]
pub(crate) struct TypeDefinition {
    pub(crate) name: String,
    pub(crate) underlying: String,
    pub(crate) facets: Facets,
    pub(crate) annotations: Annotations,
    pub(crate) pos: Pos,
}

#[derive(Debug, Clone)]
pub(crate) struct Parameter {
    pub(crate) name: String,
    pub(crate) ty: TypeRef,
    pub(crate) facets: Facets,
    pub(crate) pos: Pos,
}

/// An action (POST, may change data) or a function (GET, none).
#[derive(Debug, Clone)]
pub(crate) struct Operation {
    pub(crate) name: String,
    pub(crate) action: bool,
    pub(crate) bound: bool,
    /// For a bound one, the first is the binding parameter.
    pub(crate) parameters: Vec<Parameter>,
    pub(crate) returns: Option<(TypeRef, Option<bool>)>,
    pub(crate) annotations: Annotations,
    pub(crate) pos: Pos,
}

#[derive(Debug, Clone)]
pub(crate) struct EntitySet {
    pub(crate) name: String,
    pub(crate) ty: String,
    /// A singleton: one entity, no key.
    pub(crate) singleton: bool,
    pub(crate) annotations: Annotations,
    pub(crate) pos: Pos,
}

/// An action or function import: an unbound operation at the service root.
#[derive(Debug, Clone)]
pub(crate) struct Import {
    pub(crate) name: String,
    /// The operation's qualified name (for V2 function imports, which carry
    /// their signature themselves, the import's own operation).
    pub(crate) operation: String,
    pub(crate) pos: Pos,
}

/// Everything read from one document.
#[derive(Debug, Default)]
pub(crate) struct Model {
    pub(crate) version: Option<Version>,
    /// Namespaces of the schemas (not of referenced documents), in order.
    pub(crate) namespaces: Vec<String>,
    /// Entity and complex types by qualified name, in document order.
    pub(crate) structured: Vec<Structured>,
    pub(crate) enums: Vec<EnumType>,
    pub(crate) type_definitions: Vec<TypeDefinition>,
    /// Qualified name → overloads.
    pub(crate) operations: Vec<(String, Operation)>,
    pub(crate) container: Option<String>,
    pub(crate) entity_sets: Vec<EntitySet>,
    pub(crate) imports: Vec<Import>,
    /// Annotations written apart (`<Annotations Target=..>`), by target.
    pub(crate) external: BTreeMap<String, Annotations>,
}

/// `name` with its namespace alias (`Core.Description`, `self.Person`)
/// replaced by the namespace the alias stands for.
pub(crate) fn qualify(aliases: &HashMap<String, String>, name: &str) -> String {
    match name.rsplit_once('.') {
        Some((ns, local)) => match aliases.get(ns) {
            Some(full) => format!("{full}.{local}"),
            None => name.to_owned(),
        },
        None => name.to_owned(),
    }
}

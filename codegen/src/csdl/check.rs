//! What the model refers to must exist: every type a property, navigation,
//! parameter, entity set or base names, every key property, every imported
//! operation; and base types must not form a cycle. Each problem is located
//! where the reference is written.

use std::collections::{HashMap, HashSet};

use super::Found;
use super::model::*;

/// The primitive types of OData V4, and V2/V3's own (`Edm.DateTime`, `Edm.Time`).
pub(crate) const PRIMITIVES: &[&str] = &[
    "Edm.Binary",
    "Edm.Boolean",
    "Edm.Byte",
    "Edm.Date",
    "Edm.DateTimeOffset",
    "Edm.Decimal",
    "Edm.Double",
    "Edm.Duration",
    "Edm.Guid",
    "Edm.Int16",
    "Edm.Int32",
    "Edm.Int64",
    "Edm.SByte",
    "Edm.Single",
    "Edm.Stream",
    "Edm.String",
    "Edm.TimeOfDay",
    "Edm.Untyped",
    "Edm.PrimitiveType",
    "Edm.ComplexType",
    "Edm.EntityType",
    "Edm.AnnotationPath",
    "Edm.PropertyPath",
    "Edm.NavigationPropertyPath",
    "Edm.ModelElementPath",
    "Edm.AnyPropertyPath",
    "Edm.DateTime",
    "Edm.Time",
    "Edm.Geography",
    "Edm.GeographyPoint",
    "Edm.GeographyLineString",
    "Edm.GeographyPolygon",
    "Edm.GeographyMultiPoint",
    "Edm.GeographyMultiLineString",
    "Edm.GeographyMultiPolygon",
    "Edm.GeographyCollection",
    "Edm.Geometry",
    "Edm.GeometryPoint",
    "Edm.GeometryLineString",
    "Edm.GeometryPolygon",
    "Edm.GeometryMultiPoint",
    "Edm.GeometryMultiLineString",
    "Edm.GeometryMultiPolygon",
    "Edm.GeometryCollection",
];

/// What a qualified name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Primitive,
    Entity,
    Complex,
    Enum,
    Definition,
    /// In a namespace this document does not define (a referenced
    /// document's): read as any value.
    Foreign,
    Unknown,
}

pub(crate) fn kind(model: &Model, index: &Index, name: &str) -> Kind {
    if PRIMITIVES.contains(&name) {
        return Kind::Primitive;
    }
    if let Some(&i) = index.structured.get(name) {
        return if model.structured[i].entity {
            Kind::Entity
        } else {
            Kind::Complex
        };
    }
    if index.enums.contains_key(name) {
        return Kind::Enum;
    }
    if index.definitions.contains_key(name) {
        return Kind::Definition;
    }
    let ns = name.rsplit_once('.').map_or("", |(ns, _)| ns);
    if ns == "Edm" || model.namespaces.iter().any(|n| n == ns) {
        Kind::Unknown
    } else {
        Kind::Foreign
    }
}

/// Lookups by qualified name.
#[derive(Debug, Default)]
pub(crate) struct Index {
    pub(crate) structured: HashMap<String, usize>,
    pub(crate) enums: HashMap<String, usize>,
    pub(crate) definitions: HashMap<String, usize>,
}

impl Index {
    pub(crate) fn new(model: &Model) -> Index {
        Index {
            structured: model
                .structured
                .iter()
                .enumerate()
                .map(|(i, t)| (t.name.clone(), i))
                .collect(),
            enums: model
                .enums
                .iter()
                .enumerate()
                .map(|(i, t)| (t.name.clone(), i))
                .collect(),
            definitions: model
                .type_definitions
                .iter()
                .enumerate()
                .map(|(i, t)| (t.name.clone(), i))
                .collect(),
        }
    }
}

pub(crate) fn check(model: &Model, found: &mut Found) {
    let index = Index::new(model);
    let refer = |name: &str, want: &[Kind], what: &str, pos: &Pos, found: &mut Found| {
        let k = kind(model, &index, name);
        if k == Kind::Unknown {
            found.error(
                pos.clone(),
                format!("{what} names the type `{name}`, which the document does not define"),
            );
        } else if k == Kind::Foreign {
            found.warning(
                pos.clone(),
                format!(
                    "{what} names `{name}`, from a document this one references but does not include; read as any value"
                ),
            );
        } else if !want.contains(&k) {
            found.error(
                pos.clone(),
                format!("{what} names `{name}`, a type of the wrong kind here ({k:?})"),
            );
        }
    };
    let value_kinds = [
        Kind::Primitive,
        Kind::Complex,
        Kind::Enum,
        Kind::Definition,
        Kind::Entity,
    ];
    for t in &model.structured {
        if let Some(base) = &t.base {
            let want = if t.entity { Kind::Entity } else { Kind::Complex };
            refer(base, &[want], &format!("the base type of `{}`", t.name), &t.pos, found);
        }
        for p in &t.properties {
            refer(
                &p.ty.name,
                &value_kinds,
                &format!("the property `{}`", p.name),
                &p.pos,
                found,
            );
        }
        for n in &t.navigations {
            refer(
                &n.ty.name,
                &[Kind::Entity],
                &format!("the navigation property `{}`", n.name),
                &n.pos,
                found,
            );
        }
    }
    for d in &model.type_definitions {
        refer(
            &d.underlying,
            &[Kind::Primitive],
            &format!("the type definition `{}`", d.name),
            &d.pos,
            found,
        );
    }
    for (_, op) in &model.operations {
        for p in &op.parameters {
            refer(
                &p.ty.name,
                &value_kinds,
                &format!("the parameter `{}`", p.name),
                &p.pos,
                found,
            );
        }
        if let Some((ty, _)) = &op.returns {
            refer(
                &ty.name,
                &value_kinds,
                &format!("the return type of `{}`", op.name),
                &op.pos,
                found,
            );
        }
    }
    for s in &model.entity_sets {
        refer(
            &s.ty,
            &[Kind::Entity],
            &format!("the entity set `{}`", s.name),
            &s.pos,
            found,
        );
    }
    for i in &model.imports {
        if !model.operations.iter().any(|(name, _)| *name == i.operation) {
            found.error(
                i.pos.clone(),
                format!(
                    "the import `{}` names the operation `{}`, which the document does not define",
                    i.name, i.operation
                ),
            );
        }
    }
    cycles(model, &index, found);
    keys(model, &index, found);
}

/// Base types that lead back to themselves, each cycle reported once, at
/// the first type of it in the document.
fn cycles(model: &Model, index: &Index, found: &mut Found) {
    let mut reported: HashSet<&str> = HashSet::new();
    for t in &model.structured {
        // The chain stops where it would come back: its last base is then
        // one of its own types.
        let chain = base_chain(model, index, t);
        let back = chain
            .last()
            .and_then(|last| last.base.as_ref())
            .and_then(|b| chain.iter().position(|c| c.name == *b));
        let Some(i) = back else { continue };
        let cycle = &chain[i..];
        if i != 0 || cycle.iter().any(|c| reported.contains(c.name.as_str())) {
            continue;
        }
        let names: Vec<&str> = cycle.iter().map(|c| c.name.as_str()).collect();
        found.error(
            t.pos.clone(),
            format!("base types form a cycle: {} → {}", names.join(" → "), names[0]),
        );
        reported.extend(names);
    }
}

/// The key of every entity type (its own or a base's) names its properties.
fn keys(model: &Model, index: &Index, found: &mut Found) {
    for t in model.structured.iter().filter(|t| t.entity) {
        let chain = base_chain(model, index, t);
        let key = chain.iter().find(|c| !c.key.is_empty()).map(|c| &c.key);
        match key {
            None if !t.is_abstract && model.entity_sets.iter().any(|s| s.ty == t.name && !s.singleton) => {
                found.error(
                    t.pos.clone(),
                    format!("the entity type `{}` has no key, yet an entity set holds it", t.name),
                );
            }
            None => {}
            Some(key) => {
                for (name, pos) in key {
                    let head = name.split('/').next().unwrap_or(name);
                    if !chain.iter().any(|c| c.properties.iter().any(|p| p.name == head)) {
                        found.error(
                            pos.clone(),
                            format!(
                                "the key of `{}` names `{name}`, which is not one of its properties",
                                t.name
                            ),
                        );
                    }
                }
            }
        }
    }
}

/// `t` and its base types, nearest first; stops at a cycle or a missing base.
pub(crate) fn base_chain<'m>(model: &'m Model, index: &Index, t: &'m Structured) -> Vec<&'m Structured> {
    let mut chain = vec![t];
    let mut at = t;
    while let Some(&next) = at.base.as_ref().and_then(|b| index.structured.get(b)) {
        let next = &model.structured[next];
        if chain.iter().any(|c| std::ptr::eq(*c, next)) {
            break;
        }
        chain.push(next);
        at = next;
    }
    chain
}

//! Cargo features over the operations (one per tag, or per first path
//! segment), all on by default: with only some enabled, the crate compiles
//! those operations and the models they reach, nothing else.
//!
//! An operation's items carry `#[cfg(feature = ..)]` of its groups; a model
//! carries `#[cfg(any(..))]` of every feature whose operations reach it
//! (through parameters, bodies, responses, fields, variants and aliases),
//! none when every feature reaches it, and the `unused-schemas` feature
//! when no operation does.

use std::collections::{BTreeSet, HashMap};

use heck::ToKebabCase;

use super::common::find;
use super::text::{Code, Meta, lit};
use crate::FeatureGroups;
use crate::ir::{BodyKind, Ir, Operation, ParamType, PartKind, TypeRef};
use crate::naming::Namespace;

/// One feature of the emitted crate.
#[derive(Debug)]
pub(crate) struct Feature {
    pub(crate) name: String,
    /// What it holds, for the manifest's comment and the crate's docs.
    pub(crate) about: String,
}

/// Which items of the emitted crate each feature compiles.
#[derive(Debug, Default)]
pub(crate) struct Gates {
    /// Every feature, in the manifest's order; empty when the crate has none.
    pub(crate) features: Vec<Feature>,
    /// The features of each operation, by method name.
    ops: HashMap<String, Vec<String>>,
    /// The features of each gated model, by name.
    types: HashMap<String, Vec<String>>,
}

impl Gates {
    /// The `#[cfg(..)]` of an operation's items, if the crate has features.
    pub(crate) fn op(&self, op: &Operation) -> Option<Gate<'_>> {
        self.ops.get(&op.method_name).map(|f| Gate(f))
    }

    /// The `#[cfg(..)]` of a model, unless every feature reaches it.
    pub(crate) fn model(&self, name: &str) -> Option<Gate<'_>> {
        self.types.get(name).map(|f| Gate(f))
    }
}

/// The `#[cfg(..)]` of an item: the features any of which compiles it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Gate<'g>(&'g [String]);

impl Gate<'_> {
    /// Writes the attribute: `cfg(feature = "a")` for one feature,
    /// `cfg(any(feature = "a", feature = "b"))` for several.
    pub(crate) fn write(&self, c: &mut Code) {
        let features: Vec<Meta> = self
            .0
            .iter()
            .map(|f| Meta::NameValue("feature".to_owned(), lit(f)))
            .collect();
        let condition = match <[Meta; 1]>::try_from(features) {
            Ok([one]) => one,
            Err(many) => Meta::List("any".to_owned(), many),
        };
        c.attr(&Meta::List("cfg".to_owned(), vec![condition]));
    }
}

/// Writes the `#[cfg(..)]` of an item that has one.
pub(crate) fn write_gate(c: &mut Code, gate: Option<Gate<'_>>) {
    if let Some(g) = gate {
        g.write(c);
    }
}

/// The group (a feature, before naming) an operation is in.
fn groups(op: &Operation, by: FeatureGroups) -> Vec<String> {
    match by {
        FeatureGroups::None => Vec::new(),
        FeatureGroups::Tags if op.tags.is_empty() => vec!["untagged".to_owned()],
        FeatureGroups::Tags => op.tags.clone(),
        FeatureGroups::Paths => {
            let first = op.path.trim_start_matches('/').split('/').next().unwrap_or("");
            let word: String = first
                .chars()
                .take_while(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
                .collect();
            vec![if word.is_empty() { "root".to_owned() } else { word }]
        }
    }
}

/// A feature name Cargo accepts: kebab case of ASCII letters and digits.
fn feature_name(group: &str) -> String {
    let kebab: String = group
        .to_kebab_case()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    let kebab = kebab.trim_matches('-').to_owned();
    if kebab.is_empty() { "group".to_owned() } else { kebab }
}

fn names_of(features: &BTreeSet<usize>, all: &[Feature]) -> Vec<String> {
    features.iter().map(|i| all[*i].name.clone()).collect()
}

/// The features of `ir` grouped `by`; none when that gives fewer than two
/// groups (one feature holding everything would only add noise).
pub(crate) fn plan(ir: &Ir, by: FeatureGroups) -> Gates {
    let mut group_index: Vec<String> = Vec::new();
    let mut op_groups: Vec<BTreeSet<usize>> = Vec::with_capacity(ir.operations.len());
    for op in &ir.operations {
        let mut set = BTreeSet::new();
        for g in groups(op, by) {
            let i = match group_index.iter().position(|x| *x == g) {
                Some(i) => i,
                None => {
                    group_index.push(g);
                    group_index.len() - 1
                }
            };
            set.insert(i);
        }
        op_groups.push(set);
    }
    if group_index.len() < 2 {
        return Gates::default();
    }
    // Names in the order groups were first met, which follows the
    // operations' (sorted) order; then sorted for the manifest.
    let mut namespace = Namespace::with_reserved(&["default"]);
    let mut features: Vec<Feature> = group_index
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let count = op_groups.iter().filter(|s| s.contains(&i)).count();
            let what = match by {
                FeatureGroups::Paths => format!("the paths under `/{g}`"),
                _ if g == "untagged" && ir.operations.iter().all(|o| !o.tags.contains(g)) => {
                    "the operations without a tag".to_owned()
                }
                _ => format!("the `{g}` tag"),
            };
            Feature {
                name: namespace.claim(&feature_name(g)),
                about: format!("{count} operation{} ({what})", if count == 1 { "" } else { "s" }),
            }
        })
        .collect();

    // Which groups reach each model.
    let mut reached: HashMap<&str, BTreeSet<usize>> = HashMap::new();
    for (op, set) in ir.operations.iter().zip(&op_groups) {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<&TypeRef> = op_types(op);
        while let Some(t) = stack.pop() {
            match t {
                TypeRef::Named(n) => {
                    if let Some(def) = find(&ir.types, n) {
                        if seen.insert(def.name.as_str()) {
                            stack.extend(def.children());
                        }
                    }
                }
                TypeRef::Boxed(inner) | TypeRef::Vec(inner) | TypeRef::Map(inner) | TypeRef::Option(inner) => {
                    stack.push(inner)
                }
                TypeRef::Prim(_) | TypeRef::Any => {}
            }
        }
        for name in seen {
            reached.entry(name).or_default().extend(set.iter().copied());
        }
    }

    let all = group_index.len();
    let mut gates = Gates::default();
    let unused = ir.types.iter().any(|t| !reached.contains_key(t.name.as_str()));
    let unused_index = features.len();
    if unused {
        features.push(Feature {
            name: namespace.claim("unused-schemas"),
            about: "the schemas no operation uses".to_owned(),
        });
    }
    for (op, set) in ir.operations.iter().zip(&op_groups) {
        gates.ops.insert(op.method_name.clone(), names_of(set, &features));
    }
    for t in &ir.types {
        match reached.get(t.name.as_str()) {
            Some(set) if set.len() == all => {}
            Some(set) => {
                gates.types.insert(t.name.clone(), names_of(set, &features));
            }
            None => {
                gates
                    .types
                    .insert(t.name.clone(), names_of(&BTreeSet::from([unused_index]), &features));
            }
        }
    }
    features.sort_by(|a, b| a.name.cmp(&b.name));
    gates.features = features;
    gates
}

/// The types an operation names directly.
fn op_types(op: &Operation) -> Vec<&TypeRef> {
    let mut out = Vec::new();
    for p in &op.params {
        match &p.ty {
            ParamType::Scalar(t) | ParamType::Object { ty: t, .. } | ParamType::Json(t) => out.push(t),
            ParamType::List { item, .. } => out.push(item),
            ParamType::ETag => {}
        }
    }
    let bodies = op
        .body
        .iter()
        .flat_map(|b| b.choices().map(|(_, k)| k))
        .chain(op.success.iter().chain(&op.errors).map(|c| &c.body));
    for kind in bodies {
        match kind {
            BodyKind::Json(t) | BodyKind::Form(t, _) => out.push(t),
            BodyKind::Multipart(form) => {
                for part in &form.parts {
                    if let PartKind::Text(t) | PartKind::Texts(t) | PartKind::Json(t) = &part.kind {
                        out.push(t);
                    }
                }
            }
            _ => {}
        }
    }
    out.extend(op.streams.iter().filter_map(|s| s.item.as_ref()));
    if let Some(page) = &op.page {
        out.push(&page.item);
    }
    out
}

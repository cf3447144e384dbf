//! `models.rs`: one Rust type per named schema.
//!
//! A struct with its setters, its `Serialize`/`Deserialize` and its
//! `Page` impl; an enum of values with its conversions and serde impls; a
//! union, an alias, a newtype.

use serde_json::Value;

use super::common::{Ctx, doc_lines};
use super::features::{Gate, write_gate};
use super::text::{
    Arm, Code, Expr, Field as TextField, ImplHeader, Meta, Pat, Signature, Variant as TextVariant, arm, call, lit,
    ptuple, pw, w,
};
use crate::ir::{Field, FieldMode, PageShape, Struct, TypeDef, TypeKind, TypeRef};
use crate::naming::{Namespace, field_name};

/// The models of `types` (a run of `ir.types`), and the functions that give
/// their fields' defaults (members of `models::defaults`, one level in):
/// the first run carries the file's own doc. Any split of `ir.types` into
/// runs, written apart and joined in order, gives the text of the whole
/// file.
pub(crate) fn models(ctx: Ctx<'_>, types: &[TypeDef], first: bool) -> (String, Vec<String>) {
    let mut defaults = Vec::new();
    // Each item starts a line at the top level, so the run is laid out as
    // one text.
    let c = &mut Code::new();
    if first {
        c.inner_docs(&[" The schemas of the spec as Rust types."]);
    }
    for t in types {
        let gate = ctx.gates.model(&t.name);
        match &t.kind {
            TypeKind::Struct(s) => struct_def(ctx, c, t, s, gate, &mut defaults),
            _ => other_model(ctx, c, t, gate),
        }
        if let Some(p) = &t.page {
            page_impl(ctx, c, &t.name, p, gate);
        }
    }
    (c.take(0), defaults)
}

/// `mod defaults` around its functions, as prettyplease prints a module:
/// the pieces of its text.
pub(crate) fn defaults_module(members: Vec<String>) -> Vec<String> {
    let mut out = Vec::with_capacity(members.len() + 2);
    out.push(
        "/// Values the spec gives as `default` for fields left out of a response.\npub(crate) mod defaults {\n"
            .to_owned(),
    );
    out.extend(members);
    out.push("}\n".to_owned());
    out
}

/// A model that is not a struct: an enum of values, a union, an alias or
/// a newtype.
fn other_model(ctx: Ctx<'_>, c: &mut Code, t: &TypeDef, gate: Option<Gate<'_>>) {
    let name = t.name.as_str();
    let mut docs = t.doc.as_deref().map(doc_lines).unwrap_or_default();
    let head = format!("pub enum {name}");
    match &t.kind {
        TypeKind::Struct(_) => {}
        TypeKind::StringEnum(variants) => {
            let listed = variants
                .iter()
                .map(|v| {
                    let doc = format!(" `{}`", v.value.replace('`', "'").replace(['\r', '\n'], " "));
                    (v.ident.as_str(), lit(&v.value), doc)
                })
                .collect();
            c.docs(&docs);
            value_enum(ctx, c, name, gate, listed, true);
        }
        TypeKind::IntEnum(variants) => {
            let listed = variants
                .iter()
                .map(|v| (v.ident.as_str(), format!("{}i64", v.value), format!(" `{}`", v.value)))
                .collect();
            c.docs(&docs);
            value_enum(ctx, c, name, gate, listed, false);
        }
        TypeKind::Untagged(variants) => {
            docs.push(String::new());
            docs.push(
                " Decoded as the variant that keeps the most of the value (the first, in this order, of those that keep all of it).".to_owned(),
            );
            c.docs(&docs);
            write_gate(c, gate);
            c.derive(&["Debug", "Clone", "PartialEq", "::serde::Serialize"]);
            c.attr(&Meta::List("serde".to_owned(), vec![Meta::Word("untagged".to_owned())]));
            let listed: Vec<TextVariant> = variants
                .iter()
                .map(|v| TextVariant {
                    docs: Vec::new(),
                    name: v.ident.clone(),
                    ty: Some(ctx.type_text(&v.ty)),
                })
                .collect();
            c.enum_(&head, &listed);
            // Every variant the value fits, the one that keeps the most of
            // it chosen: a first fit would read an object of a richer
            // variant as a poorer one that also fits, dropping members.
            deserialize_with(ctx, c, gate, name, |c| {
                c.local("value", &deserialize_as("::serde_json::Value"));
                let candidates = variants
                    .iter()
                    .map(|v| {
                        call("::serde_json::from_value", vec![w("value").method("clone", vec![])])
                            .method("ok", vec![])
                            .method("map", vec![w(format!("Self::{}", v.ident))])
                    })
                    .collect();
                c.local("candidates", &Expr::Array(candidates));
                let best = call(ctx.rt("object::best_fit"), vec![w("value").borrow(), w("candidates")]);
                let err = Expr::Closure(
                    "".into(),
                    Box::new(call(
                        "<D::Error as ::serde::de::Error>::custom",
                        vec![w(lit(&format!("the value fits no variant of {name}")))],
                    )),
                );
                c.tail(&best.method("ok_or_else", vec![err]));
            });
            // A union of scalars can be a parameter: it shows as the value it holds.
            if ctx.scalar_union(variants) {
                let arms: Vec<Arm> = variants
                    .iter()
                    .map(|v| {
                        let text = ctx.text_of(&v.ty, w("v"));
                        arm(
                            ptuple(format!("Self::{}", v.ident), &["v"]),
                            w("f").method("write_str", vec![text.borrow()]),
                        )
                    })
                    .collect();
                display(c, gate, name, Expr::Match(Box::new(w("self")), arms));
            }
        }
        TypeKind::Tagged { property, variants } => {
            docs.push(String::new());
            docs.push(format!(
                " Which variant a value is depends on its `{property}` property."
            ));
            c.docs(&docs);
            write_gate(c, gate);
            c.derive(&["Debug", "Clone", "PartialEq"]);
            let unknown = unknown_name(variants.iter().map(|v| v.ident.as_str()));
            let mut listed: Vec<TextVariant> = variants
                .iter()
                .map(|v| TextVariant {
                    docs: vec![format!(
                        " `{property}` is `{}`.",
                        v.tag.replace('`', "'").replace(['\r', '\n'], " ")
                    )],
                    name: v.ident.clone(),
                    ty: Some(ctx.type_text(&v.ty)),
                })
                .collect();
            listed.push(TextVariant {
                docs: vec![" A discriminator value the spec does not list, kept as sent.".to_owned()],
                name: unknown.clone(),
                ty: Some("::serde_json::Value".to_owned()),
            });
            c.enum_(&head, &listed);
            tagged_serde(ctx, c, gate, name, property, variants, &unknown);
        }
        TypeKind::Alias(target) => {
            c.docs(&docs);
            write_gate(c, gate);
            c.type_(&format!("pub type {name}"), &ctx.type_text(target), true);
        }
        TypeKind::Newtype(target) => {
            c.docs(&docs);
            write_gate(c, gate);
            serde_derive(c, "transparent");
            c.newtype(&format!("pub struct {name}"), &ctx.type_text(target));
        }
    }
}

/// An enum of the values a schema lists (each variant's name, literal and
/// doc line), strings or integers, with a variant that keeps any other
/// value as sent; its accessor (`as_str` or `value`), `From` the wire
/// value (and `FromStr` for strings), `Display` and serde impls.
fn value_enum(
    ctx: Ctx<'_>,
    c: &mut Code,
    name: &str,
    gate: Option<Gate<'_>>,
    listed: Vec<(&str, String, String)>,
    strings: bool,
) {
    let unknown = unknown_name(listed.iter().map(|(ident, ..)| *ident));
    let unknown_path = format!("Self::{unknown}");
    let (held, accessor, returns, wire) = if strings {
        (ctx.std("String"), "pub fn as_str", "&str", "&str")
    } else {
        ("i64", "pub fn value", "i64", "i64")
    };
    let mut variants: Vec<TextVariant> = listed
        .iter()
        .map(|(ident, _, doc)| TextVariant {
            docs: vec![doc.clone()],
            name: (*ident).to_owned(),
            ty: None,
        })
        .collect();
    variants.push(TextVariant {
        docs: vec![" A value the spec does not list, kept as sent.".to_owned()],
        name: unknown.clone(),
        ty: Some(held.to_owned()),
    });
    write_gate(c, gate);
    let mut derives = vec!["Debug", "Clone", "Copy", "PartialEq", "Eq", "Hash", "PartialOrd", "Ord"];
    if strings {
        derives.remove(2);
    }
    c.derive(&derives);
    c.enum_(&format!("pub enum {name}"), &variants);

    let mut to_value: Vec<Arm> = listed
        .iter()
        .map(|(ident, value, _)| arm(pw(format!("Self::{ident}")), w(value.clone())))
        .collect();
    let kept = if strings {
        w("v").method("as_str", vec![])
    } else {
        w("*v")
    };
    to_value.push(arm(ptuple(unknown_path.clone(), &["v"]), kept));
    write_gate(c, gate);
    c.impl_(&ImplHeader::inherent(name), |c| {
        c.docs(&[" The value as it is written in JSON.".to_owned()]);
        c.fn_(&Signature::method(accessor, &["&self"], Some(returns)), |c| {
            c.tail(&Expr::Match(Box::new(w("self")), to_value));
        });
    });

    let mut from: Vec<Arm> = listed
        .into_iter()
        .map(|(ident, value, _)| arm(pw(value), w(format!("Self::{ident}"))))
        .collect();
    let other = if strings {
        call(format!("{}::to_string", ctx.std("ToString")), vec![w("other")])
    } else {
        w("other")
    };
    from.push(arm(pw("other"), call(unknown_path, vec![other])));
    write_gate(c, gate);
    let trait_ = format!("{}<{wire}>", ctx.std("From"));
    let arg = format!("value: {wire}");
    c.impl_(&ImplHeader::of(&trait_, name), |c| {
        c.fn_(&Signature::method("fn from", &[arg.as_str()], Some("Self")), |c| {
            c.tail(&Expr::Match(Box::new(w("value")), from));
        });
    });

    let value = || w("self").method(if strings { "as_str" } else { "value" }, vec![]);
    if strings {
        write_gate(c, gate);
        c.impl_(&ImplHeader::of("::std::str::FromStr", name), |c| {
            c.type_("type Err", "::std::convert::Infallible", false);
            let ret = format!("{}<Self, Self::Err>", ctx.std("Result"));
            c.fn_(&Signature::method("fn from_str", &["value: &str"], Some(&ret)), |c| {
                c.tail(&call(ctx.std("Ok"), vec![call("Self::from", vec![w("value")])]));
            });
        });
        display(c, gate, name, w("f").method("write_str", vec![value()]));
        let body = w("serializer").method("serialize_str", vec![value()]);
        serialize_as(ctx, c, gate, name, body);
        deserialize_from(ctx, c, gate, name, held, w("value").method("as_str", vec![]));
    } else {
        display(
            c,
            gate,
            name,
            call("::std::fmt::Display::fmt", vec![value().borrow(), w("f")]),
        );
        let body = w("serializer").method("serialize_i64", vec![value()]);
        serialize_as(ctx, c, gate, name, body);
        deserialize_from(ctx, c, gate, name, held, w("value"));
    }
}

/// serde's derives, with `#[serde(option)]`.
fn serde_derive(c: &mut Code, option: &str) {
    c.derive(&[
        "Debug",
        "Clone",
        "PartialEq",
        "::serde::Serialize",
        "::serde::Deserialize",
    ]);
    c.attr(&Meta::List("serde".to_owned(), vec![Meta::Word(option.to_owned())]));
}

/// `impl Display` whose `fmt` is `body`.
fn display(c: &mut Code, gate: Option<Gate<'_>>, name: &str, body: Expr) {
    write_gate(c, gate);
    c.impl_(&ImplHeader::of("::std::fmt::Display", name), |c| {
        let sig = Signature::method(
            "fn fmt",
            &["&self", "f: &mut ::std::fmt::Formatter<'_>"],
            Some("::std::fmt::Result"),
        );
        c.fn_(&sig, |c| c.tail(&body));
    });
}

/// `impl Serialize` whose `serialize` is `body`.
fn serialize_as(ctx: Ctx<'_>, c: &mut Code, gate: Option<Gate<'_>>, name: &str, body: Expr) {
    serialize_with(ctx, c, gate, name, |c| c.tail(&body));
}

fn serialize_with(ctx: Ctx<'_>, c: &mut Code, gate: Option<Gate<'_>>, name: &str, body: impl FnOnce(&mut Code)) {
    write_gate(c, gate);
    c.impl_(&ImplHeader::of("::serde::Serialize", name), |c| {
        let ret = format!("{}<S::Ok, S::Error>", ctx.std("Result"));
        let sig = Signature {
            head: "fn serialize",
            generics: &["S: ::serde::Serializer"],
            args: &["&self", "serializer: S"],
            ret: Some(&ret),
            where_: &[],
        };
        c.fn_(&sig, body);
    });
}

/// `impl Deserialize` that reads a `from` and gives `Self::from(arg)`.
fn deserialize_from(ctx: Ctx<'_>, c: &mut Code, gate: Option<Gate<'_>>, name: &str, from: &str, arg: Expr) {
    deserialize_with(ctx, c, gate, name, |c| {
        c.local("value", &deserialize_as(from));
        c.tail(&call(ctx.std("Ok"), vec![call("Self::from", vec![arg])]));
    });
}

/// `<T as Deserialize>::deserialize(deserializer)?`
fn deserialize_as(ty: &str) -> Expr {
    call(
        format!("<{ty} as ::serde::Deserialize>::deserialize"),
        vec![w("deserializer")],
    )
    .try_()
}

fn deserialize_with(ctx: Ctx<'_>, c: &mut Code, gate: Option<Gate<'_>>, name: &str, body: impl FnOnce(&mut Code)) {
    write_gate(c, gate);
    let header = ImplHeader {
        generics: &["'de"],
        trait_: Some("::serde::Deserialize<'de>"),
        self_ty: name,
    };
    c.impl_(&header, |c| {
        let ret = format!("{}<Self, D::Error>", ctx.std("Result"));
        let sig = Signature {
            head: "fn deserialize",
            generics: &["D: ::serde::Deserializer<'de>"],
            args: &["deserializer: D"],
            ret: Some(&ret),
            where_: &[],
        };
        c.fn_(&sig, body);
    });
}

/// The serde impls of a union told apart by a property: the variant's
/// JSON with the property added, and the property read first.
fn tagged_serde(
    ctx: Ctx<'_>,
    c: &mut Code,
    gate: Option<Gate<'_>>,
    name: &str,
    property: &str,
    variants: &[crate::ir::TaggedVariant],
    unknown: &str,
) {
    let to_string = format!("{}::to_string", ctx.std("ToString"));
    let property_lit = lit(property);
    serialize_with(ctx, c, gate, name, |c| {
        let mut arms: Vec<Arm> = variants
            .iter()
            .map(|v| {
                let value = call("::serde_json::to_value", vec![w("v")])
                    .method("map_err", vec![w("<S::Error as ::serde::ser::Error>::custom")])
                    .try_();
                arm(
                    ptuple(format!("Self::{}", v.ident), &["v"]),
                    Expr::Tuple(vec![w(lit(&v.tag)), value]),
                )
            })
            .collect();
        arms.push(arm(
            ptuple(format!("Self::{unknown}"), &["v"]),
            Expr::Return(Some(Box::new(call(
                "::serde::Serialize::serialize",
                vec![w("v"), w("serializer")],
            )))),
        ));
        let pair = Pat::Tuple(vec!["tag".into(), "value".into()]);
        c.local_pat(&pair, &Expr::Match(Box::new(w("self")), arms));
        c.local("mut value", &w("value"));
        c.if_let("::serde_json::Value::Object", "map", &w("value").borrow_mut(), |c| {
            let tag = call(
                "::serde_json::Value::String",
                vec![call(to_string.clone(), vec![w("tag")])],
            );
            c.stmt(&w("map").method(
                "insert",
                vec![call(to_string.clone(), vec![w(property_lit.clone())]), tag],
            ));
        });
        c.tail(&call(
            "::serde::Serialize::serialize",
            vec![w("value").borrow(), w("serializer")],
        ));
    });
    deserialize_with(ctx, c, gate, name, |c| {
        let custom = "<D::Error as ::serde::de::Error>::custom";
        c.local("value", &deserialize_as("::serde_json::Value"));
        let missing = lit(&format!("missing or non-string discriminator `{property}`"));
        let read = w("value")
            .method("get", vec![w(property_lit.clone())])
            .method("and_then", vec![w("::serde_json::Value::as_str")]);
        let tag = vec![
            arm(
                ptuple(ctx.std("Some"), &["tag"]),
                call(to_string.clone(), vec![w("tag")]),
            ),
            arm(
                pw(ctx.std("None")),
                Expr::Return(Some(Box::new(call(
                    ctx.std("Err"),
                    vec![call(custom, vec![w(missing)])],
                )))),
            ),
        ];
        c.local("tag", &Expr::Match(Box::new(read), tag));
        let mut arms: Vec<Arm> = variants
            .iter()
            .map(|v| {
                let value = call("::serde_json::from_value", vec![w("value")])
                    .method("map", vec![w(format!("Self::{}", v.ident))])
                    .method("map_err", vec![w(custom)]);
                arm(pw(lit(&v.tag)), value)
            })
            .collect();
        arms.push(arm(
            pw("_"),
            call(ctx.std("Ok"), vec![call(format!("Self::{unknown}"), vec![w("value")])]),
        ));
        c.tail(&Expr::Match(Box::new(w("tag").method("as_str", vec![])), arms));
    });
}

/// The catch-all variant's name: `Unknown`, unless a listed value took it.
fn unknown_name<'a>(taken: impl Iterator<Item = &'a str>) -> String {
    let mut ns = Namespace::default();
    for t in taken {
        ns.claim(t);
    }
    ns.claim("Unknown")
}

fn page_impl(ctx: Ctx<'_>, c: &mut Code, name: &str, p: &PageShape, gate: Option<Gate<'_>>) {
    let this = || match &p.wrapper {
        Some(d) => w("self").field(d),
        None => w("self"),
    };
    let value = if p.value_optional {
        this().field(&p.value_field).method("unwrap_or_default", vec![])
    } else {
        this().field(&p.value_field)
    };
    let next = if p.next_optional {
        this().field(&p.next_field)
    } else {
        call(ctx.std("Some"), vec![this().field(&p.next_field)])
    };
    write_gate(c, gate);
    let page = ctx.rt("Page");
    let header = ImplHeader::of(&page, name);
    let ret = format!(
        "({}<Self::Item>, {}<{}>)",
        ctx.std("Vec"),
        ctx.std("Option"),
        ctx.std("String")
    );
    let item = ctx.type_text(&p.item);
    c.impl_(&header, |c| {
        c.type_("type Item", &item, false);
        let sig = Signature::method("fn into_parts", &["self"], Some(&ret));
        c.fn_(&sig, |c| c.tail(&Expr::Tuple(vec![value, next])));
    });
}

/// A struct, its setters and (unless derived) its serde impls, as text;
/// a spec's `default` becomes a function of `models::defaults` (compiled
/// with its model, or it would name a type that is not there).
fn struct_def(ctx: Ctx<'_>, c: &mut Code, t: &TypeDef, s: &Struct, gate: Option<Gate<'_>>, defaults: &mut Vec<String>) {
    let name = t.name.as_str();
    // A struct that captures unlisted members keeps the derive (serde's
    // `flatten`); every other one gets the compact impls of `serde_impls`.
    let derive_serde = s.additional.is_some();
    let mut has_default_fn = false;
    let mut missing = Vec::new();
    let mut fields = Vec::new();
    for f in &s.fields {
        let (ty, attr, when_missing) = field_parts(ctx, name, f, gate, defaults, &mut has_default_fn);
        missing.push(when_missing);
        let mut doc_text = f.doc.clone().unwrap_or_default();
        if let Some(note) = f.note {
            if !doc_text.is_empty() {
                doc_text.push_str("\n\n");
            }
            doc_text.push_str(note);
        }
        let mut attrs = Vec::new();
        if derive_serde {
            if f.ident != f.json {
                let rename = Meta::NameValue("rename".to_owned(), lit(&f.json));
                attrs.push(Meta::List("serde".to_owned(), vec![rename]));
            }
            if !attr.is_empty() {
                attrs.push(Meta::List("serde".to_owned(), attr));
            }
        }
        fields.push(TextField {
            docs: if doc_text.is_empty() {
                Vec::new()
            } else {
                doc_lines(&doc_text)
            },
            attrs,
            head: format!("pub {}: ", f.ident),
            ty,
        });
    }
    if let Some((field, ty)) = &s.additional {
        fields.push(TextField {
            docs: vec![" Properties the schema does not list.".to_owned()],
            attrs: vec![Meta::List("serde".to_owned(), vec![Meta::Word("flatten".to_owned())])],
            head: format!("pub {field}: "),
            ty: format!(
                "::std::collections::BTreeMap<{}, {}>",
                ctx.std("String"),
                ctx.type_text(ty)
            ),
        });
    }
    c.docs(&t.doc.as_deref().map(doc_lines).unwrap_or_default());
    if s.request {
        c.docs(&[
            String::new(),
            " The request view: read-only properties are left out, and each".to_owned(),
            format!(
                " optional field is sent only when set (see [`{}`]).",
                ctx.item("Nullable")
            ),
        ]);
    }
    write_gate(c, gate);
    let mut derives = vec!["Debug", "Clone", "PartialEq"];
    if s.all_optional() && !has_default_fn {
        derives.push("Default");
    }
    if derive_serde {
        derives.extend(["::serde::Serialize", "::serde::Deserialize"]);
    }
    c.derive(&derives);
    c.struct_(&format!("pub struct {name}"), &[], fields);
    if s.request {
        setters(ctx, c, name, s, gate);
    }
    if !derive_serde {
        serialize_impl(ctx, c, name, s, gate);
        deserialize_impl(ctx, c, name, s, &missing, gate);
    }
}

/// What a struct's `Deserialize` gives a field whose member is absent.
enum WhenMissing {
    /// serde's "missing field" error.
    Error,
    /// `Default::default()`: `None`, or `Nullable::Absent`.
    Default,
    /// The function of `models::defaults` that gives the spec's default,
    /// by its path.
    DefaultFn(String),
}

/// Whether a field is left out of the JSON when `None`.
fn optional(f: &Field) -> bool {
    f.mode == FieldMode::Optional && f.default.is_none()
}

/// `impl ::serde::Serialize for Name` ... written out rather than derived:
/// a table of member names and one short line per field, calling the
/// runtime's `object` functions, which are generic over the field's type
/// only and so compiled once per type for the whole crate. A derive
/// inlines all of that into every struct, and on a spec of hundreds of
/// schemas is most of the crate's compile time. The JSON is the derive's.
fn serialize_impl(ctx: Ctx<'_>, c: &mut Code, name: &str, s: &Struct, gate: Option<Gate<'_>>) {
    let object = ctx.rt("object");
    serialize_with(ctx, c, gate, name, |c| {
        c.use_("::serde::ser::SerializeStruct as _", &[]);
        let type_name = w(lit(name));
        if s.fields.is_empty() {
            let start = w("serializer").method("serialize_struct", vec![type_name, w("0")]);
            c.tail(&start.try_().method("end", vec![]));
            return;
        }
        let this = |f: &Field| w("self").field(&f.ident);
        let present: Vec<Expr> = s
            .fields
            .iter()
            .filter_map(|f| {
                if optional(f) {
                    Some(this(f).method("is_some", vec![]))
                } else if f.mode == FieldMode::Tristate {
                    Some(Expr::Not(Box::new(this(f).method("is_absent", vec![]))))
                } else {
                    None
                }
            })
            .collect();
        let always = s.fields.len() - present.len();
        let mut uses = Vec::new();
        if !present.is_empty() {
            uses.push("count");
        }
        if s.fields.iter().any(optional) {
            uses.push("optional");
        }
        if s.fields.iter().any(|f| f.mode == FieldMode::Tristate) {
            uses.push("tristate");
        }
        if !uses.is_empty() {
            c.use_(&object, &uses);
        }
        let len = if present.is_empty() {
            w(always.to_string())
        } else {
            let count = call("count", vec![Expr::Array(present).borrow()]);
            let value = if always > 0 {
                Expr::Binary(Box::new(w(always.to_string())), "+", Box::new(count))
            } else {
                count
            };
            c.local("__len", &value);
            w("__len")
        };
        let start = w("serializer").method("serialize_struct", vec![type_name, len]);
        c.local("mut __s", &start.try_());
        for f in &s.fields {
            let json = w(lit(&f.json));
            let field = this(f).borrow();
            let step = if optional(f) {
                call("optional", vec![w("__s").borrow_mut(), json, field])
            } else if f.mode == FieldMode::Tristate {
                call("tristate", vec![w("__s").borrow_mut(), json, field])
            } else {
                w("__s").method("serialize_field", vec![json, field])
            };
            c.stmt(&step.try_());
        }
        c.tail(&w("__s").method("end", vec![]));
    });
}

/// `impl<'de> ::serde::Deserialize<'de> for Name`, written out: read as a
/// map, which for JSON is the same as a struct without the array form (an
/// object schema does not allow that one), and a fraction of the code to
/// compile.
fn deserialize_impl(
    ctx: Ctx<'_>,
    c: &mut Code,
    name: &str,
    s: &Struct,
    missing: &[WhenMissing],
    gate: Option<Gate<'_>>,
) {
    // The runtime's functions are imported by name, unless a field's local
    // would shadow one: then every call is written with its path.
    const DE_FNS: [&str; 4] = ["next_key", "skip", "read", "required"];
    let object = ctx.rt("object");
    let shadowed = s.fields.iter().any(|f| DE_FNS.contains(&f.ident.as_str()));
    let path = |f: &str| {
        if shadowed {
            format!("{object}::{f}")
        } else {
            f.to_owned()
        }
    };
    let jsons: Vec<String> = s.fields.iter().map(|f| lit(&f.json)).collect();
    let result = ctx.std("Result");
    deserialize_with(ctx, c, gate, name, |c| {
        let fields = Expr::Array(jsons.iter().map(|j| w(j.clone())).collect()).borrow();
        c.const_("FIELDS", "&[&str]", &fields);
        c.unit_struct("__Visitor");
        let visitor = ImplHeader {
            generics: &["'de"],
            trait_: Some("::serde::de::Visitor<'de>"),
            self_ty: "__Visitor",
        };
        c.impl_(&visitor, |c| {
            c.type_("type Value", name, false);
            let sig = Signature::method(
                "fn expecting",
                &["&self", "f: &mut ::std::fmt::Formatter<'_>"],
                Some("::std::fmt::Result"),
            );
            c.fn_(&sig, |c| {
                c.tail(&w("f").method("write_str", vec![w(lit(&format!("struct {name}")))]));
            });
            let ret = format!("{result}<{name}, A::Error>");
            let sig = Signature {
                head: "fn visit_map",
                generics: &["A: ::serde::de::MapAccess<'de>"],
                args: &["self", "mut __map: A"],
                ret: Some(&ret),
                where_: &[],
            };
            c.fn_(&sig, |c| {
                visit_map(ctx, c, name, s, missing, &jsons, &object, shadowed, &path)
            });
        });
        c.tail(&w("deserializer").method("deserialize_map", vec![w("__Visitor")]));
    });
}

/// The body of `visit_map`: each member read into its local, then the
/// struct built from them.
#[allow(clippy::too_many_arguments)]
fn visit_map(
    ctx: Ctx<'_>,
    c: &mut Code,
    name: &str,
    s: &Struct,
    missing: &[WhenMissing],
    jsons: &[String],
    object: &str,
    shadowed: bool,
    path: &dyn Fn(&str) -> String,
) {
    let map = || w("__map").borrow_mut();
    if !shadowed {
        let mut uses = vec!["next_key", "skip"];
        if !s.fields.is_empty() {
            uses.push("read");
        }
        if missing.iter().any(|m| matches!(m, WhenMissing::Error)) {
            uses.push("required");
        }
        c.use_(object, &uses);
    }
    for f in &s.fields {
        c.local(&format!("mut {}", f.ident), &w(ctx.std("None")));
    }
    let next_key = call(path("next_key"), vec![map(), w("FIELDS")]).try_();
    let skip = call(path("skip"), vec![map()]).try_();
    if s.fields.is_empty() {
        c.while_("", "", &next_key.method("is_some", vec![]), |c| c.stmt(&skip));
        c.tail(&call(ctx.std("Ok"), vec![Expr::Struct(name.to_owned(), Vec::new())]));
        return;
    }
    c.while_(ctx.std("Some"), "__key", &next_key, |c| {
        let mut arms: Vec<Arm> = s
            .fields
            .iter()
            .zip(jsons)
            .enumerate()
            .map(|(i, (f, json))| {
                let read = call(path("read"), vec![map(), w(&f.ident).borrow_mut(), w(json)]);
                arm(pw(i.to_string()), read.try_())
            })
            .collect();
        arms.push(arm(pw("_"), skip.clone()));
        c.tail(&Expr::Match(Box::new(w("__key")), arms));
    });
    let values = s
        .fields
        .iter()
        .zip(missing)
        .zip(jsons)
        .map(|((f, m), json)| {
            let local = || w(&f.ident);
            let value = match m {
                WhenMissing::Error => call(path("required"), vec![local(), w(json.clone())]).try_(),
                WhenMissing::Default => local().method("unwrap_or_default", vec![]),
                WhenMissing::DefaultFn(p) => local().method("unwrap_or_else", vec![w(p.clone())]),
            };
            (f.ident.clone(), Some(value))
        })
        .collect();
    c.tail(&call(ctx.std("Ok"), vec![Expr::Struct(name.to_owned(), values)]));
}

/// The Rust type of a field, its serde attribute items (for a derive), and
/// what an absent member gives. A spec's `default` becomes a function of
/// `models::defaults`, with the model's gate.
fn field_parts(
    ctx: Ctx<'_>,
    owner: &str,
    f: &Field,
    gate: Option<Gate<'_>>,
    defaults: &mut Vec<String>,
    has_default_fn: &mut bool,
) -> (String, Vec<Meta>, WhenMissing) {
    let option = ctx.std("Option");
    let inner = ctx.type_text(&f.ty);
    let default = || Meta::Word("default".to_owned());
    match f.mode {
        // Lowering puts nullability in the mode, so a required field's type
        // is never an `Option` (which serde would read as `None` when absent).
        FieldMode::Required => (inner, Vec::new(), WhenMissing::Error),
        FieldMode::Nullable => (format!("{option}<{inner}>"), vec![default()], WhenMissing::Default),
        FieldMode::Optional => match &f.default {
            Some(value) => {
                let fn_name = format!("{}_{}", field_name(owner, "type"), f.ident);
                let path = ctx.model(&format!("defaults::{fn_name}"));
                // Rare: a writer of its own, not the item's.
                let mut c = Code::new();
                write_gate(&mut c, gate);
                let head = format!("pub(crate) fn {fn_name}");
                let sig = Signature::method(&head, &[], Some(&inner));
                c.fn_(&sig, |c| c.tail(&default_expr(ctx, &f.ty, value)));
                defaults.push(c.take(1));
                *has_default_fn = true;
                (
                    inner,
                    vec![Meta::NameValue("default".to_owned(), lit(&path))],
                    WhenMissing::DefaultFn(path),
                )
            }
            None => (
                format!("{option}<{inner}>"),
                vec![
                    default(),
                    Meta::NameValue("skip_serializing_if".to_owned(), lit("::std::option::Option::is_none")),
                ],
                WhenMissing::Default,
            ),
        },
        FieldMode::Tristate => (
            format!("{}<{inner}>", ctx.rt("Nullable")),
            vec![
                default(),
                Meta::NameValue(
                    "skip_serializing_if".to_owned(),
                    lit(&format!("{}::is_absent", ctx.rt("Nullable"))),
                ),
            ],
            WhenMissing::Default,
        ),
    }
}

/// The value of a spec's `default`, as the field's type takes it.
fn default_expr(ctx: Ctx<'_>, ty: &TypeRef, v: &Value) -> Expr {
    use proc_macro2::Literal;
    match (ty, v) {
        (_, Value::String(s)) => call(format!("{}::to_string", ctx.std("ToString")), vec![w(lit(s))]),
        (_, Value::Bool(b)) => w(b.to_string()),
        (TypeRef::Prim(crate::ir::Prim::I32), Value::Number(n)) => {
            let n = n.as_i64().and_then(|n| i32::try_from(n).ok()).unwrap_or_default();
            w(Literal::i32_suffixed(n).to_string())
        }
        (TypeRef::Prim(crate::ir::Prim::I64), Value::Number(n)) => {
            w(Literal::i64_suffixed(n.as_i64().unwrap_or_default()).to_string())
        }
        (TypeRef::Prim(crate::ir::Prim::F32), Value::Number(n)) => {
            w(Literal::f32_suffixed(n.as_f64().unwrap_or_default() as f32).to_string())
        }
        (_, Value::Number(n)) => w(Literal::f64_suffixed(n.as_f64().unwrap_or_default()).to_string()),
        _ => call(format!("{}::default", ctx.std("Default")), vec![]),
    }
}

/// `Request::default().email("…")`: a setter per optional field of a request view.
fn setters(ctx: Ctx<'_>, c: &mut Code, name: &str, s: &Struct, gate: Option<Gate<'_>>) {
    let tristate: Vec<&Field> = s.fields.iter().filter(|f| f.mode == FieldMode::Tristate).collect();
    if tristate.is_empty() {
        return;
    }
    write_gate(c, gate);
    let header = ImplHeader::inherent(name);
    c.impl_(&header, |c| {
        for f in tristate {
            let field = &f.ident;
            c.docs(&[format!(" Sets `{}`.", f.json.replace('`', "'"))]);
            c.attr_path("must_use");
            let value = format!("value: impl {}<{}>", ctx.std("Into"), ctx.type_text(&f.ty));
            let args = ["mut self", value.as_str()];
            let head = format!("pub fn {field}");
            let sig = Signature::method(&head, &args, Some("Self"));
            c.fn_(&sig, |c| {
                let value = call(ctx.rt("Nullable::Value"), vec![w("value").method("into", vec![])]);
                c.stmt(&Expr::Assign(Box::new(w("self").field(field)), Box::new(value)));
                c.tail(&w("self"));
            });
        }
    });
}

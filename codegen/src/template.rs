//! Templates with `{name}` slots: a path (`/companies({id})/items`) or a
//! server URL (`https://{host}/v1`), parsed once into their parts. Every
//! stage reads a template through here: validation (each path's slots
//! against its parameters), lowering (a path's parameters, its derived
//! operation name and the pieces the request is built from; a server's
//! variables), and through the IR the emitter.

/// One part of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Part {
    /// Text as it is.
    Literal(String),
    /// A `{name}` slot.
    Slot(String),
}

/// The parts of `template`, in order; an error for unbalanced braces or an
/// empty slot.
pub(crate) fn parse(template: &str) -> Result<Vec<Part>, String> {
    let mut parts = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find(['{', '}']) {
        if rest.as_bytes()[open] == b'}' {
            return Err(format!("unbalanced `}}` in path template `{template}`"));
        }
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            return Err(format!("unclosed `{{` in path template `{template}`"));
        };
        let name = &after[..close];
        if name.is_empty() || name.contains('{') {
            return Err(format!(
                "malformed parameter `{{{name}}}` in path template `{template}`"
            ));
        }
        if open > 0 {
            parts.push(Part::Literal(rest[..open].to_owned()));
        }
        parts.push(Part::Slot(name.to_owned()));
        rest = &after[close + 1..];
    }
    if !rest.is_empty() {
        parts.push(Part::Literal(rest.to_owned()));
    }
    Ok(parts)
}

/// The names of a template's slots, in order.
pub(crate) fn slots(parts: &[Part]) -> impl Iterator<Item = &str> {
    parts.iter().filter_map(|p| match p {
        Part::Slot(name) => Some(name.as_str()),
        Part::Literal(_) => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_in_order() {
        assert_eq!(
            parse("/companies({id})/items('{key}')").expect("parses"),
            [
                Part::Literal("/companies(".to_owned()),
                Part::Slot("id".to_owned()),
                Part::Literal(")/items('".to_owned()),
                Part::Slot("key".to_owned()),
                Part::Literal("')".to_owned()),
            ]
        );
        assert_eq!(
            parse("{a}{b}").expect("parses"),
            [Part::Slot("a".to_owned()), Part::Slot("b".to_owned())]
        );
        assert_eq!(parse("").expect("parses"), []);
    }

    #[test]
    fn broken_templates_are_errors() {
        assert_eq!(parse("/a}").unwrap_err(), "unbalanced `}` in path template `/a}`");
        assert_eq!(parse("/a/{b").unwrap_err(), "unclosed `{` in path template `/a/{b`");
        assert_eq!(
            parse("/a/{}").unwrap_err(),
            "malformed parameter `{}` in path template `/a/{}`"
        );
        assert_eq!(
            parse("/a/{b{c}").unwrap_err(),
            "malformed parameter `{b{c}` in path template `/a/{b{c}`"
        );
    }
}

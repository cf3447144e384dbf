//! OData query options on a collection: `$filter` (comparisons, `and`,
//! `or`, `not`, `contains`/`startswith`/`endswith`, `tolower`/`toupper`),
//! `$select`, `$orderby`, `$top`, `$skip`, `$expand`, and the server's own
//! `$skiptoken`.

use std::cmp::Ordering;

/// A problem with the query, shown to the client in a 400.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError(pub String);

/// The parsed options of one request.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct QueryOptions {
    pub top: Option<usize>,
    pub skip: usize,
    pub select: Option<Vec<String>>,
    pub orderby: Vec<(String, bool)>,
    pub filter: Option<Expr>,
    pub expand: Vec<String>,
    /// Where the page starts within the `$skip`/`$top` window.
    pub skiptoken: Option<usize>,
}

/// What an entity set offers to queries.
pub struct EntityType<'a> {
    /// For messages: `customerContact`.
    pub name: &'a str,
    pub properties: &'a [&'a str],
    pub navigations: &'a [&'a str],
}

impl EntityType<'_> {
    fn property(&self, name: &str) -> Result<String, QueryError> {
        if self.properties.contains(&name) {
            Ok(name.to_owned())
        } else {
            Err(QueryError(format!(
                "Could not find a property named '{name}' on type 'Microsoft.NAV.{}'.",
                self.name
            )))
        }
    }
}

/// Decodes `%XX` escapes (and `+` as a space when `plus_as_space`, as in a
/// query string). A `%` not followed by two hex digits, or bytes that are
/// not UTF-8, are refused with the place they were found.
pub fn percent_decode(s: &str, plus_as_space: bool) -> Result<String, QueryError> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => out.push(b),
                    None => {
                        // Shown char by char: the bytes after `%` may be
                        // part of a multi-byte character.
                        let near: String = s[i..].chars().take(3).flat_map(char::escape_debug).collect();
                        return Err(QueryError(format!(
                            "Invalid percent-encoding in the query string near '{near}': expected '%' and two hex digits."
                        )));
                    }
                }
                i += 3;
            }
            b'+' if plus_as_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| QueryError("The query string is not valid UTF-8 once decoded.".to_owned()))
}

/// Splits a raw query string into decoded name/value pairs.
pub fn pairs(raw: &str) -> Result<Vec<(String, String)>, QueryError> {
    raw.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            Ok((percent_decode(k, true)?, percent_decode(v, true)?))
        })
        .collect()
}

/// `$top` and `$skip` are Edm.Int32: from 0 to 2,147,483,647.
fn count(name: &str, v: &str) -> Result<usize, QueryError> {
    v.trim()
        .parse::<u32>()
        .ok()
        .filter(|n| i32::try_from(*n).is_ok())
        .map(|n| n as usize)
        .ok_or_else(|| {
            QueryError(format!(
                "The value '{v}' of {name} is not an integer from 0 to 2147483647."
            ))
        })
}

/// The most keys one `$orderby` may have.
pub const MAX_ORDERBY_KEYS: usize = 16;
/// The most items one `$select` or `$expand` may list.
pub const MAX_LIST_ITEMS: usize = 100;

/// Parses the options of a collection request.
pub fn parse(raw: &str, entity: &EntityType<'_>) -> Result<QueryOptions, QueryError> {
    let mut q = QueryOptions::default();
    let mut seen = Vec::new();
    for (name, value) in pairs(raw)? {
        if !name.starts_with('$') {
            // Custom query options (such as `company=`) are not ours to judge.
            continue;
        }
        if seen.contains(&name) {
            return Err(QueryError(format!(
                "Query option '{name}' was specified more than once."
            )));
        }
        seen.push(name.clone());
        match name.as_str() {
            "$top" => q.top = Some(count(&name, &value)?),
            "$skip" => q.skip = count(&name, &value)?,
            "$select" => {
                let mut props = Vec::new();
                if value.split(',').count() > MAX_LIST_ITEMS {
                    return Err(QueryError(format!(
                        "$select lists more than {MAX_LIST_ITEMS} properties."
                    )));
                }
                for p in value.split(',').map(str::trim) {
                    if p == "*" {
                        props.extend(entity.properties.iter().map(|s| (*s).to_owned()));
                    } else {
                        props.push(entity.property(p)?);
                    }
                }
                q.select = Some(props);
            }
            "$orderby" => {
                if value.split(',').count() > MAX_ORDERBY_KEYS {
                    return Err(QueryError(format!("$orderby has more than {MAX_ORDERBY_KEYS} keys.")));
                }
                for item in value.split(',') {
                    let mut words = item.split_whitespace();
                    let prop = words
                        .next()
                        .ok_or_else(|| QueryError("An empty $orderby item.".to_owned()))?;
                    let desc = match words.next() {
                        None | Some("asc") => false,
                        Some("desc") => true,
                        Some(other) => {
                            return Err(QueryError(format!(
                                "Expected 'asc' or 'desc' in $orderby, found '{other}'."
                            )));
                        }
                    };
                    if let Some(extra) = words.next() {
                        return Err(QueryError(format!("Unexpected '{extra}' in $orderby.")));
                    }
                    q.orderby.push((entity.property(prop)?, desc));
                }
            }
            "$filter" => q.filter = Some(Parser::new(&value, entity).parse()?),
            "$expand" => {
                if value.split(',').count() > MAX_LIST_ITEMS {
                    return Err(QueryError(format!("$expand lists more than {MAX_LIST_ITEMS} items.")));
                }
                for nav in value.split(',').map(str::trim) {
                    if !entity.navigations.contains(&nav) {
                        return Err(QueryError(format!(
                            "Could not find a navigation property named '{nav}' on type 'Microsoft.NAV.{}'.",
                            entity.name
                        )));
                    }
                    q.expand.push(nav.to_owned());
                }
            }
            "$skiptoken" => {
                q.skiptoken = Some(
                    value
                        .strip_prefix('o')
                        .and_then(|n| n.parse().ok())
                        .ok_or_else(|| QueryError(format!("The skip token '{value}' is not valid.")))?,
                )
            }
            "$schemaversion" | "$format" if value.is_empty() || value == "2.0" || value == "json" => {}
            "$count" => {
                return Err(QueryError("The query option $count is not supported.".to_owned()));
            }
            other => {
                return Err(QueryError(format!("The query option '{other}' is not supported.")));
            }
        }
    }
    Ok(q)
}

/// `Prefer: odata.maxpagesize=N`, if the client sent one.
pub fn max_page_size(prefer: &str) -> Option<usize> {
    prefer.split(',').find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        (k.trim().eq_ignore_ascii_case("odata.maxpagesize"))
            .then(|| v.trim().parse().ok())
            .flatten()
    })
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Str(String),
    Num(f64),
    Bool(bool),
    Null,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Or(Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Cmp(CmpOp, Operand, Operand),
    /// `contains`, `startswith`, `endswith`.
    Test(String, Operand, Operand),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    Prop(String),
    Lit(Value),
    /// A GUID literal: compared without regard to case.
    Guid(String),
    Lower(Box<Operand>),
    Upper(Box<Operand>),
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Str(String),
    Num(f64),
    Open,
    Close,
    Comma,
}

/// How deeply `not`, parentheses and function calls may nest in `$filter`.
pub const MAX_FILTER_DEPTH: usize = 32;
/// How many comparisons, tests and operators one `$filter` may hold.
pub const MAX_FILTER_NODES: usize = 256;
/// How many tokens one `$filter` may hold.
pub const MAX_FILTER_TOKENS: usize = 4096;

/// The parser is recursive descent; every level of recursion goes through
/// [`Parser::nested`], which bounds it, and every node built goes through
/// [`Parser::node`], which bounds the tree (and so the recursion of
/// evaluating and dropping it).
struct Parser<'a, 'e> {
    toks: Vec<(usize, Tok)>,
    pos: usize,
    text: &'a str,
    entity: &'a EntityType<'e>,
    error: Option<QueryError>,
    depth: usize,
    nodes: usize,
}

/// At most 200 characters of the client's text, for a message.
fn excerpt(s: &str) -> String {
    let mut out: String = s.chars().take(200).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

fn tokenize(s: &str) -> Result<Vec<(usize, Tok)>, QueryError> {
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let (at, c) = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                out.push((at, Tok::Open));
                i += 1;
            }
            ')' => {
                out.push((at, Tok::Close));
                i += 1;
            }
            ',' => {
                out.push((at, Tok::Comma));
                i += 1;
            }
            '\'' => {
                let mut value = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => {
                            return Err(QueryError(format!(
                                "Unterminated string literal at position {at} in '{}'.",
                                excerpt(s)
                            )));
                        }
                        Some((_, '\'')) if matches!(chars.get(i + 1), Some((_, '\''))) => {
                            value.push('\'');
                            i += 2;
                        }
                        Some((_, '\'')) => {
                            i += 1;
                            break;
                        }
                        Some((_, ch)) => {
                            value.push(*ch);
                            i += 1;
                        }
                    }
                }
                out.push((at, Tok::Str(value)));
            }
            c if c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.' || c == '/' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].1.is_ascii_alphanumeric() || matches!(chars[i].1, '_' | '-' | '.' | '/'))
                {
                    i += 1;
                }
                let word: String = chars[start..i].iter().map(|(_, c)| c).collect();
                let numeric = word.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '.');
                match word.parse::<f64>() {
                    Ok(n) if numeric => out.push((at, Tok::Num(n))),
                    _ => out.push((at, Tok::Word(word))),
                }
            }
            other => {
                return Err(QueryError(format!(
                    "Syntax error: unexpected '{}' at position {at} in '{}'.",
                    other.escape_debug(),
                    excerpt(s)
                )));
            }
        }
        if out.len() > MAX_FILTER_TOKENS {
            return Err(QueryError(format!(
                "The $filter expression is too long: more than {MAX_FILTER_TOKENS} tokens."
            )));
        }
    }
    Ok(out)
}

impl<'a, 'e> Parser<'a, 'e> {
    fn new(text: &'a str, entity: &'a EntityType<'e>) -> Parser<'a, 'e> {
        let (toks, error) = match tokenize(text) {
            Ok(t) => (t, None),
            Err(e) => (Vec::new(), Some(e)),
        };
        Parser {
            toks,
            pos: 0,
            text,
            entity,
            error,
            depth: 0,
            nodes: 0,
        }
    }

    /// Runs `f` one level deeper, refusing past [`MAX_FILTER_DEPTH`].
    fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T, QueryError>) -> Result<T, QueryError> {
        if self.depth >= MAX_FILTER_DEPTH {
            return Err(QueryError(format!(
                "The $filter expression is nested too deeply: more than {MAX_FILTER_DEPTH} levels of not, parentheses or functions."
            )));
        }
        self.depth += 1;
        let r = f(self);
        self.depth -= 1;
        r
    }

    /// Counts a node of the tree, refusing past [`MAX_FILTER_NODES`].
    fn node(&mut self) -> Result<(), QueryError> {
        self.nodes += 1;
        if self.nodes > MAX_FILTER_NODES {
            return Err(QueryError(format!(
                "The $filter expression is too large: more than {MAX_FILTER_NODES} comparisons and operators."
            )));
        }
        Ok(())
    }

    fn fail<T>(&self, what: &str) -> Result<T, QueryError> {
        let at = self.toks.get(self.pos).map(|(p, _)| *p).unwrap_or(self.text.len());
        Err(QueryError(format!(
            "Syntax error at position {at} in '{}': expected {what}.",
            excerpt(self.text)
        )))
    }

    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|(_, t)| t)
    }

    fn keyword(&mut self, k: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Word(w)) if w == k) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn parse(mut self) -> Result<Expr, QueryError> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        if self.toks.is_empty() {
            return Err(QueryError("The $filter expression is empty.".to_owned()));
        }
        let e = self.or()?;
        if self.pos < self.toks.len() {
            return self.fail("the end of the expression");
        }
        Ok(e)
    }

    fn or(&mut self) -> Result<Expr, QueryError> {
        let mut left = self.and()?;
        while self.keyword("or") {
            self.node()?;
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, QueryError> {
        let mut left = self.unary()?;
        while self.keyword("and") {
            self.node()?;
            left = Expr::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, QueryError> {
        if self.keyword("not") {
            self.node()?;
            return Ok(Expr::Not(Box::new(self.nested(Self::unary)?)));
        }
        if self.peek() == Some(&Tok::Open) {
            // A parenthesized expression (not a parenthesized operand).
            self.pos += 1;
            let e = self.nested(Self::or)?;
            if self.peek() != Some(&Tok::Close) {
                return self.fail("')'");
            }
            self.pos += 1;
            return Ok(e);
        }
        if let Some(Tok::Word(w)) = self.peek() {
            if matches!(w.as_str(), "contains" | "startswith" | "endswith")
                && self.toks.get(self.pos + 1).map(|t| &t.1) == Some(&Tok::Open)
            {
                let name = w.clone();
                self.node()?;
                self.pos += 2;
                let a = self.operand()?;
                if self.peek() != Some(&Tok::Comma) {
                    return self.fail("','");
                }
                self.pos += 1;
                let b = self.operand()?;
                if self.peek() != Some(&Tok::Close) {
                    return self.fail("')'");
                }
                self.pos += 1;
                return Ok(Expr::Test(name, a, b));
            }
        }
        self.node()?;
        let left = self.operand()?;
        let op = match self.peek() {
            Some(Tok::Word(w)) => match w.as_str() {
                "eq" => CmpOp::Eq,
                "ne" => CmpOp::Ne,
                "gt" => CmpOp::Gt,
                "ge" => CmpOp::Ge,
                "lt" => CmpOp::Lt,
                "le" => CmpOp::Le,
                _ => return self.fail("a comparison operator (eq, ne, gt, ge, lt, le)"),
            },
            _ => return self.fail("a comparison operator (eq, ne, gt, ge, lt, le)"),
        };
        self.pos += 1;
        let right = self.operand()?;
        Ok(Expr::Cmp(op, left, right))
    }

    fn operand(&mut self) -> Result<Operand, QueryError> {
        let Some(tok) = self.peek().cloned() else {
            return self.fail("a value or a property");
        };
        self.pos += 1;
        match tok {
            Tok::Str(s) => Ok(Operand::Lit(Value::Str(s))),
            Tok::Num(n) => Ok(Operand::Lit(Value::Num(n))),
            Tok::Word(w) => match w.as_str() {
                "true" => Ok(Operand::Lit(Value::Bool(true))),
                "false" => Ok(Operand::Lit(Value::Bool(false))),
                "null" => Ok(Operand::Lit(Value::Null)),
                "tolower" | "toupper" if self.peek() == Some(&Tok::Open) => {
                    self.pos += 1;
                    self.node()?;
                    let inner = self.nested(Self::operand)?;
                    if self.peek() != Some(&Tok::Close) {
                        return self.fail("')'");
                    }
                    self.pos += 1;
                    Ok(if w == "tolower" {
                        Operand::Lower(Box::new(inner))
                    } else {
                        Operand::Upper(Box::new(inner))
                    })
                }
                _ if uuid::Uuid::parse_str(&w).is_ok() && w.len() == 36 => Ok(Operand::Guid(w.to_ascii_lowercase())),
                _ => Ok(Operand::Prop(self.entity.property(&w)?)),
            },
            _ => {
                self.pos -= 1;
                self.fail("a value or a property")
            }
        }
    }
}

/// Reads a property of the entity being filtered.
pub trait Record {
    fn get(&self, property: &str) -> Value;
}

fn eval_operand(o: &Operand, r: &dyn Record) -> Value {
    match o {
        Operand::Prop(p) => r.get(p),
        Operand::Lit(v) => v.clone(),
        Operand::Guid(g) => Value::Str(g.clone()),
        Operand::Lower(inner) => match eval_operand(inner, r) {
            Value::Str(s) => Value::Str(s.to_lowercase()),
            other => other,
        },
        Operand::Upper(inner) => match eval_operand(inner, r) {
            Value::Str(s) => Value::Str(s.to_uppercase()),
            other => other,
        },
    }
}

fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Str(x), Value::Str(y)) => Some(x.cmp(y)),
        (Value::Num(x), Value::Num(y)) => x.partial_cmp(y),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        (Value::Null, Value::Null) => Some(Ordering::Equal),
        _ => None,
    }
}

pub fn matches(e: &Expr, r: &dyn Record) -> bool {
    match e {
        Expr::Or(a, b) => matches(a, r) || matches(b, r),
        Expr::And(a, b) => matches(a, r) && matches(b, r),
        Expr::Not(a) => !matches(a, r),
        Expr::Cmp(op, a, b) => {
            let guid = matches!(a, Operand::Guid(_)) || matches!(b, Operand::Guid(_));
            let (mut x, mut y) = (eval_operand(a, r), eval_operand(b, r));
            if guid {
                for v in [&mut x, &mut y] {
                    if let Value::Str(s) = v {
                        *s = s.to_ascii_lowercase();
                    }
                }
            }
            let ord = compare(&x, &y);
            match op {
                CmpOp::Eq => ord == Some(Ordering::Equal),
                CmpOp::Ne => ord != Some(Ordering::Equal),
                CmpOp::Gt => ord == Some(Ordering::Greater),
                CmpOp::Ge => matches!(ord, Some(Ordering::Greater | Ordering::Equal)),
                CmpOp::Lt => ord == Some(Ordering::Less),
                CmpOp::Le => matches!(ord, Some(Ordering::Less | Ordering::Equal)),
            }
        }
        Expr::Test(name, a, b) => match (eval_operand(a, r), eval_operand(b, r)) {
            (Value::Str(x), Value::Str(y)) => match name.as_str() {
                "contains" => x.contains(&y),
                "startswith" => x.starts_with(&y),
                _ => x.ends_with(&y),
            },
            _ => false,
        },
    }
}

/// Text in the order Business Central gives it: without regard to case
/// first (its collation is case-insensitive), then by case so the order is total.
fn order_compare(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Str(x), Value::Str(y)) => Some(
            x.chars()
                .flat_map(char::to_lowercase)
                .cmp(y.chars().flat_map(char::to_lowercase))
                .then_with(|| x.cmp(y)),
        ),
        _ => compare(a, b),
    }
}

/// Orders records by the `$orderby` keys; equal keys keep their order.
pub fn order<T: Record>(items: &mut [T], keys: &[(String, bool)]) {
    if keys.is_empty() {
        return;
    }
    items.sort_by(|a, b| {
        for (prop, desc) in keys {
            let o = order_compare(&a.get(prop), &b.get(prop)).unwrap_or(Ordering::Equal);
            let o = if *desc { o.reverse() } else { o };
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONTACT: EntityType<'static> = EntityType {
        name: "customerContact",
        properties: &["id", "lastName", "firstName", "customerId"],
        navigations: &["pdfDocument"],
    };

    struct R(&'static str, &'static str, &'static str);
    impl Record for R {
        fn get(&self, p: &str) -> Value {
            Value::Str(
                match p {
                    "lastName" => self.0,
                    "firstName" => self.1,
                    "customerId" => self.2,
                    _ => "",
                }
                .to_owned(),
            )
        }
    }

    fn filter(s: &str) -> Result<Expr, QueryError> {
        Parser::new(s, &CONTACT).parse()
    }

    #[test]
    fn filters_evaluate() {
        let r = R("O'Neil", "Ann", "f4b6d1c2-1042-4e7f-8a21-3b4c5d6e7f80");
        for (f, expected) in [
            ("lastName eq 'O''Neil'", true),
            ("lastName eq 'Smith' or firstName eq 'Ann'", true),
            ("lastName eq 'Smith' and firstName eq 'Ann'", false),
            ("not (lastName eq 'Smith')", true),
            ("contains(lastName, 'Nei') and startswith(firstName,'A')", true),
            ("tolower(lastName) eq 'o''neil'", true),
            ("customerId eq F4B6D1C2-1042-4E7F-8A21-3B4C5D6E7F80", true),
            ("firstName gt 'Aaa' and firstName le 'Ann'", true),
            ("(lastName ne 'x')", true),
        ] {
            assert_eq!(matches(&filter(f).unwrap(), &r), expected, "{f}");
        }
    }

    #[test]
    fn bad_filters_are_refused_with_a_reason() {
        assert_eq!(
            filter("nickName eq 'x'").unwrap_err().0,
            "Could not find a property named 'nickName' on type 'Microsoft.NAV.customerContact'."
        );
        assert!(
            filter("lastName eq")
                .unwrap_err()
                .0
                .contains("expected a value or a property")
        );
        assert!(filter("lastName 'x'").unwrap_err().0.contains("comparison operator"));
        assert!(filter("lastName eq 'x").unwrap_err().0.contains("Unterminated"));
        assert!(filter("(lastName eq 'x'").unwrap_err().0.contains("')'"));
        assert!(filter(&"(".repeat(100)).is_err());
        assert!(filter("").is_err());
    }

    #[test]
    fn every_recursion_is_bounded() {
        let leaf = "lastName eq 'a'";
        let deep_not = format!("{}{leaf}", "not ".repeat(3_000));
        assert!(filter(&deep_not).unwrap_err().0.contains("nested too deeply"));
        let deep_paren = format!("{}{leaf}{}", "(".repeat(50_000), ")".repeat(50_000));
        assert!(filter(&deep_paren).is_err());
        let deep_fn = format!("{}lastName{} eq 'a'", "tolower(".repeat(50_000), ")".repeat(50_000));
        assert!(filter(&deep_fn).is_err());
        let long_chain = vec![leaf; 1_000].join(" and ");
        assert!(filter(&long_chain).unwrap_err().0.contains("too large"));
        let many_tokens = "(".repeat(10_000);
        assert!(filter(&many_tokens).unwrap_err().0.contains("too long"));
        // Within the bounds, it parses.
        assert!(filter(&format!("{}{leaf}", "not ".repeat(MAX_FILTER_DEPTH))).is_ok());
        assert!(filter(&vec![leaf; 100].join(" or ")).is_ok());
    }

    #[test]
    fn percent_decoding_never_slices_inside_a_character() {
        for bad in ["%x\u{e9}", "%\u{e9}", "%e\u{e9}", "%", "%4", "%g0", "%\u{1f600}"] {
            assert!(percent_decode(bad, true).is_err(), "{bad}");
        }
        assert!(pairs("%x\u{e9}=1").is_err());
        assert!(parse("$filter=%x\u{e9}", &CONTACT).is_err());
        assert_eq!(percent_decode("a%20b+c", true).unwrap(), "a b c");
        assert_eq!(percent_decode("a+b", false).unwrap(), "a+b");
    }

    #[test]
    fn text_orders_without_regard_to_case() {
        let mut v = vec![R("b", "", ""), R("B", "", ""), R("a", "", ""), R("C", "", "")];
        order(&mut v, &[("lastName".to_owned(), false)]);
        let names: Vec<&str> = v.iter().map(|r| r.0).collect();
        assert_eq!(names, ["a", "B", "b", "C"]);
    }

    #[test]
    fn options_parse() {
        let q = parse(
            "$top=2&$skip=1&$select=lastName,id&$orderby=lastName%20desc,id&$expand=pdfDocument&company=x",
            &CONTACT,
        )
        .unwrap();
        assert_eq!((q.top, q.skip), (Some(2), 1));
        assert_eq!(q.select, Some(vec!["lastName".to_owned(), "id".to_owned()]));
        assert_eq!(q.orderby, vec![("lastName".to_owned(), true), ("id".to_owned(), false)]);
        assert_eq!(q.expand, vec!["pdfDocument".to_owned()]);
        assert!(parse("$top=-1", &CONTACT).is_err());
        assert!(parse("$top=1&$top=2", &CONTACT).is_err());
        assert!(parse("$select=nope", &CONTACT).is_err());
        assert!(parse("$orderby=lastName%20up", &CONTACT).is_err());
        assert!(parse("$expand=customer", &CONTACT).is_err());
        assert!(parse("$filter=%zz", &CONTACT).is_err());
        assert!(parse("$apply=x", &CONTACT).is_err());
        assert_eq!(max_page_size("odata.track-changes, odata.maxpagesize=3"), Some(3));
    }
}

//! Rust written as text: types, expressions, statements and items put
//! into a [`Printer`] with the boxes and breaks prettyplease gives each of
//! them, so that the text comes out as prettyplease would print it. Only
//! the shapes the text writers use are here.

use super::layout::{INDENT, Printer};

/// A Rust string literal of `s`.
pub(crate) fn lit(s: &str) -> String {
    // Printable ASCII other than `"` and `\\` stands for itself; anything
    // else is escaped as proc_macro2 escapes it.
    if s.bytes().all(|b| (b' '..=b'~').contains(&b) && b != b'"' && b != b'\\') {
        let mut out = String::with_capacity(s.len() + 2);
        out.push('"');
        out.push_str(s);
        out.push('"');
        return out;
    }
    proc_macro2::Literal::string(s).to_string()
}

/// A word of an expression: the text writers' own words are borrowed,
/// the spec's names owned.
pub(crate) type Word = std::borrow::Cow<'static, str>;

/// What can be a [`Word`].
pub(crate) trait IntoWord {
    fn into_word(self) -> Word;
}

impl IntoWord for &'static str {
    fn into_word(self) -> Word {
        Word::Borrowed(self)
    }
}

impl IntoWord for String {
    fn into_word(self) -> Word {
        Word::Owned(self)
    }
}

impl IntoWord for &String {
    fn into_word(self) -> Word {
        Word::Owned(self.clone())
    }
}

/// An expression of the emitted code.
#[derive(Debug, Clone)]
pub(crate) enum Expr {
    /// A path, an identifier or a literal: one word.
    Word(Word),
    Call(Box<Expr>, Vec<Expr>),
    /// Receiver, method (with its turbofish, if any, as a type), arguments.
    Method(Box<Expr>, Word, Option<String>, Vec<Expr>),
    Field(Box<Expr>, Word),
    /// `&value`, or `&mut value`.
    Ref(bool, Box<Expr>),
    Try(Box<Expr>),
    Not(Box<Expr>),
    Binary(Box<Expr>, &'static str, Box<Expr>),
    Assign(Box<Expr>, Box<Expr>),
    /// A struct literal: its path and fields (`None`: shorthand).
    Struct(String, Vec<(String, Option<Expr>)>),
    Array(Vec<Expr>),
    Tuple(Vec<Expr>),
    /// A closure of one parameter.
    Closure(Word, Box<Expr>),
    /// A macro call with one literal argument: `format!("…")`.
    Macro(Word, String),
    /// `match value { arms }`.
    Match(Box<Expr>, Vec<Arm>),
    /// `return`, or `return value`.
    Return(Option<Box<Expr>>),
    /// `value.await`.
    Await(Box<Expr>),
    /// `async move { value }`.
    AsyncMove(Box<Expr>),
}

/// A pattern.
#[derive(Debug, Clone)]
pub(crate) enum Pat {
    /// A name, `_`, a literal, a range or a path: one word.
    Word(Word),
    /// `Path(a, b)`.
    TupleStruct(Word, Vec<Word>),
    /// `(a, b)`.
    Tuple(Vec<Word>),
}

/// A pattern of one word.
pub(crate) fn pw(text: impl IntoWord) -> Pat {
    Pat::Word(text.into_word())
}

/// `path(bindings)` as a pattern.
pub(crate) fn ptuple(path: impl IntoWord, bindings: &[&'static str]) -> Pat {
    Pat::TupleStruct(path.into_word(), bindings.iter().map(|b| Word::Borrowed(*b)).collect())
}

/// An arm of a `match`.
#[derive(Debug, Clone)]
pub(crate) struct Arm {
    pub(crate) pat: Pat,
    pub(crate) body: ArmBody,
}

/// What an arm gives: an expression, or a block of statements.
#[derive(Debug, Clone)]
pub(crate) enum ArmBody {
    Expr(Expr),
    Block(Vec<Stmt>),
}

/// `pat => value`; `pat => { return …; }` for a `return`. (prettyplease
/// prints `pat => return …,` when it fits and in braces when not, without
/// counting the `;` it adds; that is a block when read again, whose `;`
/// counts. A block from the start prints the same every time.)
pub(crate) fn arm(pat: Pat, value: Expr) -> Arm {
    let body = match value {
        Expr::Return(_) => ArmBody::Block(vec![Stmt::Semi(value)]),
        value => ArmBody::Expr(value),
    };
    Arm { pat, body }
}

/// A statement of a block written as data (an arm's block).
#[derive(Debug, Clone)]
pub(crate) enum Stmt {
    /// `let pattern = value;`
    Let(Pat, Expr),
    /// `value;`
    Semi(Expr),
    /// `value` ending its block.
    Tail(Expr),
}

/// One word.
pub(crate) fn w(text: impl IntoWord) -> Expr {
    Expr::Word(text.into_word())
}

/// `f(args)`.
pub(crate) fn call(f: impl IntoWord, args: Vec<Expr>) -> Expr {
    Expr::Call(Box::new(w(f)), args)
}

impl Expr {
    /// `self.method(args)`.
    pub(crate) fn method(self, name: impl IntoWord, args: Vec<Expr>) -> Expr {
        Expr::Method(Box::new(self), name.into_word(), None, args)
    }

    /// `self.method::<turbofish>(args)`.
    pub(crate) fn method_turbofish(self, name: impl IntoWord, turbofish: &str, args: Vec<Expr>) -> Expr {
        Expr::Method(Box::new(self), name.into_word(), Some(turbofish.to_owned()), args)
    }

    /// `self.field`.
    pub(crate) fn field(self, name: impl IntoWord) -> Expr {
        Expr::Field(Box::new(self), name.into_word())
    }

    /// `self?`.
    pub(crate) fn try_(self) -> Expr {
        Expr::Try(Box::new(self))
    }

    /// `&self`.
    pub(crate) fn borrow(self) -> Expr {
        Expr::Ref(false, Box::new(self))
    }

    /// `&mut self`.
    pub(crate) fn borrow_mut(self) -> Expr {
        Expr::Ref(true, Box::new(self))
    }

    /// Printed as prettyplease prints a struct literal, an array, a tuple
    /// or a closure: as the one argument of a call, without the call's own
    /// box around it.
    fn blocklike(&self) -> bool {
        matches!(
            self,
            Expr::Struct(..) | Expr::Array(_) | Expr::Tuple(_) | Expr::Closure(..) | Expr::AsyncMove(_)
        )
    }

    /// A name of at most four characters (`self`, `req`): a method called
    /// on it at the start of a line stays on its line.
    fn short_ident(&self) -> bool {
        matches!(self, Expr::Word(w) if w.len() <= INDENT as usize && w.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
    }

    /// Whether a condition ending in this expression gets a break (not a
    /// plain space) before its block.
    fn newline_if_wrapped(&self) -> bool {
        match self {
            Expr::Method(..) | Expr::Field(..) | Expr::Binary(..) | Expr::Assign(..) | Expr::Await(_) => true,
            Expr::Call(f, _) => f.newline_if_wrapped(),
            Expr::Ref(_, e) | Expr::Try(e) | Expr::Not(e) | Expr::Return(Some(e)) => e.newline_if_wrapped(),
            Expr::Word(_)
            | Expr::Struct(..)
            | Expr::Array(_)
            | Expr::Tuple(_)
            | Expr::Closure(..)
            | Expr::Macro(..)
            | Expr::Match(..)
            | Expr::Return(None)
            | Expr::AsyncMove(_) => false,
        }
    }
}

/// Writes the code of the emitted crate into a [`Printer`].
pub(crate) struct Code {
    pub(crate) p: Printer,
}

impl Code {
    pub(crate) fn new() -> Code {
        Code { p: Printer::new() }
    }

    /// The text written so far (whole items, one after another), laid out
    /// `depth` levels in; the writer is empty again (its buffers kept).
    pub(crate) fn take(&mut self, depth: usize) -> String {
        self.p.take(depth)
    }

    // Attributes and docs.

    /// Doc comment lines (as `doc_lines` gives them): `///` where the line
    /// allows it, else the attribute.
    pub(crate) fn docs(&mut self, lines: &[String]) {
        for line in lines {
            if line.starts_with('/') || line.contains(['\r', '\n']) {
                self.attr_name_value("doc", &lit(line));
            } else {
                self.p.words(&["///", line.trim_end_matches(' ')]);
                self.p.hardbreak();
            }
        }
    }

    /// Inner doc comment lines (a module's own docs).
    pub(crate) fn inner_docs(&mut self, lines: &[&str]) {
        for line in lines {
            self.p.words(&["//!", line.trim_end_matches(' ')]);
            self.p.hardbreak();
        }
    }

    /// `#[name]`.
    pub(crate) fn attr_path(&mut self, name: &str) {
        self.p.words(&["#[", name, "]"]);
        self.p.space();
    }

    /// `#[name = value]`, `value` a literal.
    pub(crate) fn attr_name_value(&mut self, name: &str, value: &str) {
        self.p.words(&["#[", name, " = ", value, "]"]);
        self.p.space();
    }

    /// `#[path(items)]`.
    pub(crate) fn attr(&mut self, a: &Meta) {
        self.p.word("#[");
        self.meta(a);
        self.p.word("]");
        self.p.space();
    }

    /// `#[derive(derives)]`.
    pub(crate) fn derive(&mut self, derives: &[&str]) {
        let words = derives.iter().map(|d| Meta::Word((*d).to_owned())).collect();
        self.attr(&Meta::List("derive".to_owned(), words));
    }

    /// An attribute's content, as prettyplease prints its tokens: inside
    /// parentheses, a break after each comma and at both ends.
    fn meta(&mut self, a: &Meta) {
        match a {
            Meta::Word(w) => self.p.word(w),
            Meta::NameValue(name, value) => self.p.words(&[name, " = ", value]),
            Meta::List(path, items) => {
                self.p.word(path);
                self.p.word("(");
                self.p.cbox(INDENT);
                self.p.zerobreak();
                for (i, item) in items.iter().enumerate() {
                    self.meta(item);
                    if i + 1 < items.len() {
                        self.p.word(",");
                        self.p.space();
                    }
                }
                self.p.zerobreak();
                self.p.offset(-INDENT);
                self.p.end();
                self.p.word(")");
            }
        }
    }

    // Types.

    /// A type written as text (as `type_text` spells it): its generic
    /// arguments and tuples break as prettyplease breaks them.
    pub(crate) fn ty(&mut self, text: &str) {
        let mut rest = text;
        self.ty_at(&mut rest);
        if !rest.is_empty() {
            // Not a shape this reader knows: as it is.
            self.p.word(rest);
        }
    }

    fn ty_at(&mut self, rest: &mut &str) {
        if let Some(r) = rest.strip_prefix('&') {
            *rest = r;
            let mut word = String::from("&");
            if rest.starts_with('\'') {
                let end = rest.find(' ').unwrap_or(rest.len());
                word.push_str(&rest[..end]);
                word.push(' ');
                *rest = rest[end..].trim_start();
            }
            if let Some(r) = rest.strip_prefix("mut ") {
                word.push_str("mut ");
                *rest = r;
            }
            self.p.word(&word);
            self.ty_at(rest);
            return;
        }
        if let Some(r) = rest.strip_prefix("impl ") {
            self.p.word("impl ");
            *rest = r;
            self.ty_at(rest);
            return;
        }
        if let Some(r) = rest.strip_prefix('(') {
            *rest = r;
            if let Some(r) = rest.strip_prefix(')') {
                *rest = r;
                self.p.word("()");
                return;
            }
            self.p.word("(");
            self.p.cbox(INDENT);
            self.p.zerobreak();
            let mut n = 0;
            loop {
                self.ty_at(rest);
                n += 1;
                if let Some(r) = rest.strip_prefix(", ") {
                    *rest = r;
                    self.p.trailing_comma(false);
                    continue;
                }
                *rest = rest.strip_prefix(')').unwrap_or(rest);
                break;
            }
            if n == 1 {
                self.p.word(",");
                self.p.zerobreak();
            } else {
                self.p.trailing_comma(true);
            }
            self.p.offset(-INDENT);
            self.p.end();
            self.p.word(")");
            return;
        }
        if let Some(r) = rest.strip_prefix('[') {
            *rest = r;
            self.p.word("[");
            self.ty_at(rest);
            *rest = rest.strip_prefix(']').unwrap_or(rest);
            self.p.word("]");
            return;
        }
        // A path, each segment with its generic arguments.
        let end = rest.find(['<', ',', '>', ')', ']']).unwrap_or(rest.len());
        self.p.word(&rest[..end]);
        *rest = &rest[end..];
        if let Some(r) = rest.strip_prefix('<') {
            *rest = r;
            self.generic_args();
            loop {
                self.ty_at(rest);
                if let Some(r) = rest.strip_prefix(", ") {
                    *rest = r;
                    self.p.trailing_comma(false);
                    continue;
                }
                *rest = rest.strip_prefix('>').unwrap_or(rest);
                break;
            }
            self.end_generic_args();
            // `Self::Item` after `Foo<T>` does not occur; a path goes on
            // only as `::` after the arguments (`Vec::<T>::new`).
            if rest.starts_with("::") {
                self.ty_at(rest);
            }
        }
    }

    fn generic_args(&mut self) {
        self.p.word("<");
        self.p.cbox(INDENT);
        self.p.zerobreak();
    }

    fn end_generic_args(&mut self) {
        self.p.trailing_comma(true);
        self.p.offset(-INDENT);
        self.p.end();
        self.p.word(">");
    }

    // Expressions.

    pub(crate) fn expr(&mut self, e: &Expr) {
        self.expr_at(e, false);
    }

    /// `e`; `line_start` when it begins a statement.
    fn expr_at(&mut self, e: &Expr, line_start: bool) {
        match e {
            Expr::Word(w) => self.p.word(w),
            Expr::Call(f, args) => {
                self.expr_at(f, line_start);
                self.call_args(args);
            }
            Expr::Method(..) => {
                let unindent = line_start && method_receiver(e).is_some_and(Expr::short_ident);
                self.p.cbox(INDENT);
                self.method_chain(e, line_start, unindent);
                self.p.end();
            }
            Expr::Field(..) => {
                self.p.cbox(INDENT);
                self.field_chain(e, line_start);
                self.p.end();
            }
            Expr::Try(inner) => {
                self.expr_at(inner, line_start);
                self.p.word("?");
            }
            Expr::Ref(mutable, inner) => {
                self.p.word(if *mutable { "&mut " } else { "&" });
                self.expr(inner);
            }
            Expr::Not(inner) => {
                self.p.word("!");
                self.expr(inner);
            }
            Expr::Binary(left, op, right) => {
                self.p.ibox(INDENT);
                self.p.ibox(-INDENT);
                self.expr(left);
                self.p.end();
                self.p.space();
                self.p.word(op);
                self.p.nbsp();
                self.expr(right);
                self.p.end();
            }
            Expr::Assign(left, right) => {
                self.p.ibox(0);
                self.expr(left);
                self.p.word(" = ");
                self.p.neverbreak();
                self.expr(right);
                self.p.end();
            }
            Expr::Struct(path, fields) => {
                self.p.cbox(INDENT);
                self.p.ibox(-INDENT);
                self.p.word(path);
                self.p.end();
                self.p.word(" {");
                self.p.space_if_nonempty();
                for (i, (name, value)) in fields.iter().enumerate() {
                    self.p.word(name);
                    if let Some(value) = value {
                        self.p.word(": ");
                        self.p.ibox(0);
                        self.expr(value);
                        self.p.end();
                    }
                    self.p.trailing_comma_or_space(i + 1 == fields.len());
                }
                self.p.offset(-INDENT);
                // A literal wider than this is broken over lines, even
                // an empty one, whose break then stays.
                self.p.end_with_max_width(34);
                self.p.word("}");
            }
            Expr::Array(items) => {
                if items.is_empty() {
                    self.p.word("[]");
                    return;
                }
                self.p.word("[");
                self.list(items);
                self.p.word("]");
            }
            Expr::Tuple(items) => {
                self.p.word("(");
                self.p.cbox(INDENT);
                self.p.zerobreak();
                for (i, item) in items.iter().enumerate() {
                    self.expr(item);
                    if items.len() == 1 {
                        self.p.word(",");
                        self.p.zerobreak();
                    } else {
                        self.p.trailing_comma(i + 1 == items.len());
                    }
                }
                self.p.offset(-INDENT);
                self.p.end();
                self.p.word(")");
            }
            Expr::Closure(param, body) => {
                self.p.ibox(0);
                self.p.cbox(INDENT);
                self.p.word("|");
                self.p.zerobreak();
                self.p.word(param);
                self.p.word("|");
                self.p.space();
                self.p.offset(-INDENT);
                self.p.end();
                self.p.neverbreak();
                if matches!(**body, Expr::Call(..)) || body.blocklike() {
                    self.expr(body);
                } else {
                    // Broken over lines, the body is in braces, which
                    // prettyplease reads again as a block: its value starts
                    // a line (a short receiver keeps its first `.`).
                    self.p.cbox(INDENT);
                    self.p.wrap_break(b'{');
                    self.expr_at(body, true);
                    self.p.unwrap_break(0);
                    self.p.end();
                }
                self.p.end();
            }
            Expr::Match(value, arms) => {
                self.p.ibox(0);
                self.p.word("match ");
                self.condition(value, |c| c.expr(value));
                self.block_body(|c| {
                    for arm in arms {
                        c.arm(arm);
                        c.p.hardbreak();
                    }
                });
                self.p.end();
            }
            Expr::Return(value) => {
                self.p.word("return");
                if let Some(value) = value {
                    self.p.nbsp();
                    self.expr(value);
                }
            }
            Expr::Await(_) => {
                self.p.cbox(INDENT);
                self.await_chain(e, line_start);
                self.p.end();
            }
            Expr::AsyncMove(value) => {
                self.p.word("async move ");
                self.p.cbox(INDENT);
                self.p.word("{");
                self.p.space();
                self.p.ibox(0);
                self.expr_at(value, true);
                self.p.end();
                self.p.space();
                self.p.offset(-INDENT);
                self.p.word("}");
                self.p.end();
            }
            Expr::Macro(path, literal) => {
                self.p.words(&[path, "!("]);
                self.p.cbox(INDENT);
                self.p.zerobreak();
                self.p.ibox(0);
                self.p.word(literal);
                self.p.end();
                self.p.zerobreak();
                self.p.offset(-INDENT);
                self.p.end();
                self.p.word(")");
            }
        }
    }

    /// Elements one a line when they do not fit on one, each followed by a
    /// comma then; the box of call arguments, arrays and tuples.
    fn list(&mut self, items: &[Expr]) {
        self.p.cbox(INDENT);
        self.p.zerobreak();
        for (i, item) in items.iter().enumerate() {
            self.expr(item);
            self.p.trailing_comma(i + 1 == items.len());
        }
        self.p.offset(-INDENT);
        self.p.end();
    }

    fn call_args(&mut self, args: &[Expr]) {
        self.p.word("(");
        match args {
            [] => {}
            [one] if one.blocklike() => self.expr(one),
            _ => self.list(args),
        }
        self.p.word(")");
    }

    /// The part of an expression before a `.`: inside a chain, the boxes
    /// of the chain's links are the chain's.
    fn prefix(&mut self, e: &Expr, line_start: bool) {
        match e {
            Expr::Call(f, args) => {
                self.prefix(f, false);
                self.call_args(args);
            }
            Expr::Method(..) => self.method_chain(e, line_start, false),
            Expr::Field(..) => self.field_chain(e, line_start),
            Expr::Await(..) => self.await_chain(e, line_start),
            Expr::Try(inner) => {
                self.prefix(inner, line_start);
                self.p.word("?");
            }
            _ => {
                self.p.cbox(-INDENT);
                self.expr(e);
                self.p.end();
            }
        }
    }

    fn method_chain(&mut self, e: &Expr, line_start: bool, unindent: bool) {
        let Expr::Method(receiver, name, turbofish, args) = e else {
            return;
        };
        self.prefix(receiver, line_start);
        if !(line_start && receiver.short_ident()) {
            self.p.dot_break();
        }
        self.p.words(&[".", name]);
        if let Some(t) = turbofish {
            self.p.word("::");
            self.generic_args();
            self.ty(t);
            self.end_generic_args();
        }
        self.p.cbox(if unindent { -INDENT } else { 0 });
        self.call_args(args);
        self.p.end();
    }

    fn field_chain(&mut self, e: &Expr, line_start: bool) {
        let Expr::Field(base, name) = e else {
            return;
        };
        self.prefix(base, line_start);
        if !(line_start && base.short_ident()) {
            self.p.dot_break();
        }
        self.p.words(&[".", name]);
    }

    fn await_chain(&mut self, e: &Expr, line_start: bool) {
        let Expr::Await(base) = e else {
            return;
        };
        self.prefix(base, line_start);
        if !(line_start && base.short_ident()) {
            self.p.dot_break();
        }
        self.p.word(".await");
    }

    /// An arm of a `match`: a broken expression goes in braces; a block
    /// takes no comma.
    fn arm(&mut self, arm: &Arm) {
        self.p.ibox(0);
        self.pat(&arm.pat);
        self.p.word(" => ");
        match &arm.body {
            ArmBody::Block(stmts) => self.block_body(|c| c.stmts(stmts)),
            ArmBody::Expr(value) => {
                self.p.neverbreak();
                self.p.cbox(INDENT);
                self.p.wrap_break(b'{');
                self.expr_at(value, true);
                self.p.unwrap_break(b',');
                self.p.end();
            }
        }
        self.p.end();
    }

    // Patterns.

    fn pat(&mut self, pat: &Pat) {
        match pat {
            Pat::Word(w) => self.p.word(w),
            Pat::TupleStruct(path, elems) => {
                self.p.words(&[path, "("]);
                self.pat_elems(elems);
                self.p.word(")");
            }
            Pat::Tuple(elems) => {
                self.p.word("(");
                self.pat_elems(elems);
                self.p.word(")");
            }
        }
    }

    /// The elements of a tuple pattern, after its `(`.
    fn pat_elems<S: AsRef<str>>(&mut self, elems: &[S]) {
        self.p.cbox(INDENT);
        self.p.zerobreak();
        for (i, elem) in elems.iter().enumerate() {
            self.p.word(elem.as_ref());
            self.p.trailing_comma(i + 1 == elems.len());
        }
        self.p.offset(-INDENT);
        self.p.end();
    }

    // Statements.

    /// Statements written as data.
    pub(crate) fn stmts(&mut self, stmts: &[Stmt]) {
        for s in stmts {
            match s {
                Stmt::Let(pat, value) => self.let_(|c| c.pat(pat), value),
                Stmt::Semi(value) => self.stmt(value),
                Stmt::Tail(value) => self.tail(value),
            }
        }
    }

    /// `e;`
    pub(crate) fn stmt(&mut self, e: &Expr) {
        self.p.ibox(0);
        self.expr_at(e, true);
        self.p.word(";");
        self.p.end();
        self.p.hardbreak();
    }

    /// `e` as the value of its block.
    pub(crate) fn tail(&mut self, e: &Expr) {
        self.p.ibox(0);
        self.expr_at(e, true);
        self.p.end();
        self.p.hardbreak();
    }

    /// `let pattern = value;` (`pattern` a name, maybe `mut name`).
    pub(crate) fn local(&mut self, pattern: &str, value: &Expr) {
        self.let_(|c| c.p.word(pattern), value);
    }

    /// `let pattern = value;`, any pattern.
    pub(crate) fn local_pat(&mut self, pattern: &Pat, value: &Expr) {
        self.let_(|c| c.pat(pattern), value);
    }

    fn let_(&mut self, pattern: impl FnOnce(&mut Code), value: &Expr) {
        self.p.ibox(0);
        self.p.word("let ");
        pattern(self);
        self.p.word(" = ");
        self.p.neverbreak();
        self.expr(value);
        self.p.end();
        self.p.word(";");
        self.p.hardbreak();
    }

    /// The condition of an `if`, a `while` or a `match` (written by
    /// `write`, ending in `value`), and the space before its block: a
    /// break where the condition ends in a method call or a field.
    fn condition(&mut self, value: &Expr, write: impl FnOnce(&mut Code)) {
        self.p.cbox(0);
        write(self);
        if value.newline_if_wrapped() {
            self.p.space();
        } else {
            self.p.nbsp();
        }
        self.p.end();
    }

    /// `let Variant(binding) = value` as the condition of an `if` or `while`.
    fn let_condition(&mut self, variant: &str, binding: &str, value: &Expr) {
        self.condition(value, |c| c.let_expr(variant, binding, value));
    }

    fn let_expr(&mut self, variant: &str, binding: &str, value: &Expr) {
        self.p.ibox(0);
        self.p.word("let ");
        self.p.ibox(0);
        self.p.words(&[variant, "("]);
        self.pat_elems(&[binding]);
        self.p.word(")");
        self.p.end();
        self.p.word(" = ");
        self.p.neverbreak();
        self.p.ibox(0);
        self.expr(value);
        self.p.end();
        self.p.end();
    }

    /// `if let Variant(binding) = value { body }` as a statement.
    pub(crate) fn if_let(&mut self, variant: &str, binding: &str, value: &Expr, body: impl FnOnce(&mut Code)) {
        self.if_block(|c| c.let_condition(variant, binding, value), body);
    }

    /// `if condition { body }` as a statement (the emitter writes none
    /// today; the layout tests still hold it to prettyplease).
    #[cfg(test)]
    pub(crate) fn if_(&mut self, condition: &Expr, body: impl FnOnce(&mut Code)) {
        self.if_block(|c| c.condition(condition, |c| c.expr(condition)), body);
    }

    fn if_block(&mut self, condition: impl FnOnce(&mut Code), body: impl FnOnce(&mut Code)) {
        self.p.ibox(0);
        self.p.cbox(INDENT);
        self.p.word("if ");
        self.p.cbox(-INDENT);
        condition(self);
        self.p.end();
        let at = self.p.mark();
        self.p.word("{");
        self.p.hardbreak();
        let before = self.p.mark();
        body(self);
        if self.p.mark() == before {
            self.p.truncate(at);
            self.p.word("{}");
        } else {
            self.p.offset(-INDENT);
            self.p.word("}");
        }
        self.p.end();
        self.p.end();
        self.p.hardbreak();
    }

    /// `while let Variant(binding) = value { body }`, or `while cond { body }`
    /// when `variant` is empty.
    pub(crate) fn while_(&mut self, variant: &str, binding: &str, value: &Expr, body: impl FnOnce(&mut Code)) {
        self.p.ibox(0);
        self.p.word("while ");
        if variant.is_empty() {
            self.condition(value, |c| c.expr(value));
        } else {
            self.let_condition(variant, binding, value);
        }
        self.block_body(body);
        self.p.end();
        self.p.hardbreak();
    }

    /// `{`, the statements (or arms), `}`: the body of a loop, a match or
    /// a match arm.
    fn block_body(&mut self, body: impl FnOnce(&mut Code)) {
        self.p.word("{");
        self.p.neverbreak();
        self.p.cbox(INDENT);
        self.p.hardbreak_if_nonempty();
        body(self);
        self.p.offset(-INDENT);
        self.p.end();
        self.p.word("}");
    }

    // Items.

    /// `use path;`, or `use path::{names};`.
    pub(crate) fn use_(&mut self, path: &str, names: &[&str]) {
        match names {
            [] => self.p.words(&["use ", path, ";"]),
            [one] if *one != "self" => self.p.words(&["use ", path, "::", one, ";"]),
            _ => {
                self.p.words(&["use ", path, "::"]);
                self.p.cbox(INDENT);
                self.p.word("{");
                self.p.zerobreak();
                self.p.ibox(0);
                for (i, name) in names.iter().enumerate() {
                    self.p.word(name);
                    if i + 1 < names.len() {
                        self.p.word(",");
                        self.p.space();
                    }
                }
                self.p.end();
                self.p.trailing_comma(true);
                self.p.offset(-INDENT);
                self.p.word("}");
                self.p.end();
                self.p.word(";");
            }
        }
        self.p.hardbreak();
    }

    /// `const NAME: Type = value;`
    pub(crate) fn const_(&mut self, name: &str, ty: &str, value: &Expr) {
        self.p.cbox(0);
        self.p.words(&["const ", name, ": "]);
        self.ty(ty);
        self.p.word(" = ");
        self.p.neverbreak();
        self.expr(value);
        self.p.word(";");
        self.p.end();
        self.p.hardbreak();
    }

    /// `struct Name;`
    pub(crate) fn unit_struct(&mut self, name: &str) {
        self.p.cbox(INDENT);
        self.p.words(&["struct ", name, ";"]);
        self.p.end();
        self.p.hardbreak();
    }

    /// A struct with named fields (`head` is `pub struct Name`).
    pub(crate) fn struct_(&mut self, head: &str, generics: &[&str], fields: Vec<Field>) {
        self.braced_item(head, generics, &fields, |c, f| {
            c.docs(&f.docs);
            for a in &f.attrs {
                c.attr(a);
            }
            c.p.word(&f.head);
            c.ty(&f.ty);
        });
    }

    /// An enum (`head` is `pub enum Name`).
    pub(crate) fn enum_(&mut self, head: &str, variants: &[Variant]) {
        self.braced_item(head, &[], variants, |c, v| {
            c.docs(&v.docs);
            c.p.word(&v.name);
            if let Some(ty) = &v.ty {
                c.p.cbox(INDENT);
                c.unnamed_field("", ty);
                c.p.end();
            }
        });
    }

    /// A struct of one public unnamed field (`head` is `pub struct Name`).
    pub(crate) fn newtype(&mut self, head: &str, ty: &str) {
        self.p.cbox(INDENT);
        self.p.word(head);
        self.unnamed_field("pub ", ty);
        self.p.word(";");
        self.p.end();
        self.p.hardbreak();
    }

    /// `(vis ty)`, in the box of its item or variant.
    fn unnamed_field(&mut self, vis: &str, ty: &str) {
        self.p.word("(");
        self.p.zerobreak();
        self.p.word(vis);
        self.ty(ty);
        self.p.trailing_comma(true);
        self.p.offset(-INDENT);
        self.p.word(")");
    }

    /// `head<generics> { member, … }`, each member written by `write`.
    fn braced_item<T>(&mut self, head: &str, generics: &[&str], members: &[T], write: impl Fn(&mut Code, &T)) {
        self.p.cbox(INDENT);
        self.p.word(head);
        self.generic_params(generics);
        self.p.word(" {");
        self.p.hardbreak_if_nonempty();
        for m in members {
            write(self, m);
            self.p.word(",");
            self.p.hardbreak();
        }
        self.p.offset(-INDENT);
        self.p.end();
        self.p.word("}");
        self.p.hardbreak();
    }

    /// `impl<generics> Trait for Type { members }` (`header` from
    /// [`ImplHeader`]); members written by `members`.
    pub(crate) fn impl_(&mut self, header: &ImplHeader<'_>, members: impl FnOnce(&mut Code)) {
        self.p.cbox(INDENT);
        self.p.ibox(-INDENT);
        self.p.cbox(INDENT);
        self.p.word("impl");
        self.generic_params(header.generics);
        self.p.end();
        self.p.nbsp();
        if let Some(t) = header.trait_ {
            self.ty(t);
            self.p.space();
            self.p.word("for ");
        }
        self.ty(header.self_ty);
        self.p.end();
        self.p.nbsp();
        self.p.word("{");
        let at = self.p.mark();
        self.p.hardbreak();
        let before = self.p.mark();
        members(self);
        if self.p.mark() == before {
            self.p.truncate(at);
        } else {
            self.p.offset(-INDENT);
        }
        self.p.end();
        self.p.word("}");
        self.p.hardbreak();
    }

    /// `<params>` of a declaration: each `Name` or `Name: Bound` or a lifetime.
    fn generic_params(&mut self, params: &[&str]) {
        if params.is_empty() {
            return;
        }
        self.p.word("<");
        self.p.cbox(0);
        self.p.zerobreak();
        for (i, param) in params.iter().enumerate() {
            match param.split_once(": ") {
                Some((name, bound)) => {
                    self.p.word(name);
                    self.p.ibox(INDENT);
                    self.p.word(": ");
                    self.ty(bound);
                    self.p.end();
                }
                None => {
                    self.p.word(param);
                    if !param.starts_with('\'') {
                        self.p.ibox(INDENT);
                        self.p.end();
                    }
                }
            }
            self.p.trailing_comma(i + 1 == params.len());
        }
        self.p.offset(-INDENT);
        self.p.end();
        self.p.word(">");
    }

    /// A function: `head` is its visibility and `fn name` (`pub fn f`),
    /// then generic parameters, arguments (`&self`, `name: Type`), return
    /// type, `where` predicates (`(bounded, bound)`) and body.
    pub(crate) fn fn_(&mut self, sig: &Signature<'_>, body: impl FnOnce(&mut Code)) {
        self.p.cbox(INDENT);
        self.p.word(sig.head);
        self.generic_params(sig.generics);
        self.p.word("(");
        self.p.neverbreak();
        if !sig.args.is_empty() {
            self.p.cbox(0);
            self.p.zerobreak();
            for (i, arg) in sig.args.iter().enumerate() {
                match arg.split_once(": ") {
                    Some((name, ty)) => {
                        self.p.words(&[name, ": "]);
                        self.ty(ty);
                    }
                    None => self.p.word(arg),
                }
                self.p.trailing_comma(i + 1 == sig.args.len());
            }
            self.p.offset(-INDENT);
            self.p.end();
        }
        self.p.word(")");
        self.p.cbox(-INDENT);
        if let Some(ret) = sig.ret {
            self.p.word(" -> ");
            self.ty(ret);
        }
        self.p.end();
        if sig.where_.is_empty() {
            self.p.nbsp();
        } else {
            self.p.hardbreak();
            self.p.offset(-INDENT);
            self.p.word("where");
            self.p.hardbreak();
            for (bounded, bound) in sig.where_ {
                self.ty(bounded);
                self.p.word(":");
                self.p.ibox(0);
                self.p.nbsp();
                self.ty(bound);
                self.p.end();
                self.p.word(",");
                self.p.hardbreak();
            }
            self.p.offset(-INDENT);
        }
        self.p.word("{");
        self.p.hardbreak();
        body(self);
        self.p.offset(-INDENT);
        self.p.end();
        self.p.word("}");
        self.p.hardbreak();
    }

    /// `head = Type;`: a type alias (`pub type Name`) or an associated
    /// type (`type Name`).
    pub(crate) fn type_(&mut self, head: &str, ty: &str, alias: bool) {
        self.p.cbox(INDENT);
        self.p.word(head);
        if alias {
            self.p.nbsp();
            self.p.word("= ");
        } else {
            self.p.word(" = ");
        }
        self.p.neverbreak();
        self.p.ibox(-INDENT);
        self.ty(ty);
        self.p.end();
        self.p.word(";");
        self.p.end();
        self.p.hardbreak();
    }
}

/// An attribute's content.
#[derive(Debug, Clone)]
pub(crate) enum Meta {
    /// A path: `Debug`, `::serde::Serialize`.
    Word(String),
    /// `name = literal`.
    NameValue(String, String),
    /// `path(items)`.
    List(String, Vec<Meta>),
}

/// A field of a struct: its doc lines, its attributes, `pub name: `, its type.
pub(crate) struct Field {
    pub(crate) docs: Vec<String>,
    pub(crate) attrs: Vec<Meta>,
    pub(crate) head: String,
    pub(crate) ty: String,
}

/// What an `impl` block is of.
pub(crate) struct ImplHeader<'a> {
    pub(crate) generics: &'a [&'a str],
    pub(crate) trait_: Option<&'a str>,
    pub(crate) self_ty: &'a str,
}

impl<'a> ImplHeader<'a> {
    /// `impl Type`.
    pub(crate) fn inherent(self_ty: &'a str) -> ImplHeader<'a> {
        ImplHeader {
            generics: &[],
            trait_: None,
            self_ty,
        }
    }

    /// `impl Trait for Type`.
    pub(crate) fn of(trait_: &'a str, self_ty: &'a str) -> ImplHeader<'a> {
        ImplHeader {
            generics: &[],
            trait_: Some(trait_),
            self_ty,
        }
    }
}

/// A variant of an enum: its doc lines, its name, the type it holds.
pub(crate) struct Variant {
    pub(crate) docs: Vec<String>,
    pub(crate) name: String,
    pub(crate) ty: Option<String>,
}

/// A function's signature.
pub(crate) struct Signature<'a> {
    /// Visibility and `fn name`: `pub fn send`.
    pub(crate) head: &'a str,
    pub(crate) generics: &'a [&'a str],
    /// `&self`, `mut self`, `name: Type`.
    pub(crate) args: &'a [&'a str],
    pub(crate) ret: Option<&'a str>,
    /// `(bounded type, bound)`.
    pub(crate) where_: &'a [(&'a str, &'a str)],
}

impl<'a> Signature<'a> {
    /// A function without generics.
    pub(crate) fn method(head: &'a str, args: &'a [&'a str], ret: Option<&'a str>) -> Signature<'a> {
        Signature {
            head,
            generics: &[],
            args,
            ret,
            where_: &[],
        }
    }
}

/// The receiver of a method call, if `e` is one.
fn method_receiver(e: &Expr) -> Option<&Expr> {
    match e {
        Expr::Method(r, ..) => Some(r),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether prettyplease prints `text` (a file of items) as it is.
    fn judged(text: &str) -> Result<(), String> {
        let file = syn::parse_file(text).map_err(|e| format!("does not parse: {e}\n{text}"))?;
        let printed = prettyplease::unparse(&file);
        if printed == text {
            Ok(())
        } else {
            Err(format!("--- written\n{text}--- prettyplease\n{printed}"))
        }
    }

    /// An item with every shape the writers use, its names `n` long, so
    /// that each line crosses the margin at some length.
    fn item(n: usize) -> String {
        let name = "x".repeat(n);
        let ty = format!("crate::models::{}", "T".repeat(n));
        let mut c = Code::new();
        c.docs(&[
            format!(" Docs of {name}."),
            String::new(),
            "/starts with a slash".to_owned(),
        ]);
        c.attr(&Meta::List(
            "cfg".to_owned(),
            vec![Meta::List(
                "any".to_owned(),
                vec![
                    Meta::NameValue("feature".to_owned(), lit(&name)),
                    Meta::NameValue("feature".to_owned(), lit("b")),
                ],
            )],
        ));
        let header = ImplHeader {
            generics: &["'a"],
            trait_: Some("::std::future::IntoFuture"),
            self_ty: &format!("Builder{name}<'a>"),
        };
        c.impl_(&header, |c| {
            c.type_("type Output", &format!("Result<{ty}, crate::Error<{ty}>>"), false);
            let arg = format!("{name}: impl Into<{ty}>");
            let args = ["mut self", arg.as_str()];
            let sig = Signature {
                head: &format!("pub fn {name}"),
                generics: &["I"],
                args: &args,
                ret: Some(&format!("(Vec<{ty}>, Option<String>)")),
                where_: &[("I", "IntoIterator"), ("I::Item", &format!("Into<{ty}>"))],
            };
            c.fn_(&sig, |c| {
                c.local(
                    "mut path",
                    &Expr::Binary(
                        Box::new(w("2")),
                        "+",
                        Box::new(call(
                            "count",
                            vec![Expr::Array(vec![w(&name).method("is_some", vec![]); 3]).borrow()],
                        )),
                    ),
                );
                c.stmt(&w("query").method("push", vec![w(lit(&name)), w("self").field(&name).borrow()]));
                c.stmt(&w("req").method("query", vec![w("self").field(&name).borrow()]).try_());
                c.stmt(&Expr::Assign(
                    Box::new(w("self").field(&name)),
                    Box::new(call(
                        "Some",
                        vec![
                            w("values")
                                .method("iter", vec![])
                                .method(
                                    "map",
                                    vec![Expr::Closure("v".into(), Box::new(call("f", vec![w("v")])))],
                                )
                                .method_turbofish("collect", "Vec<_>", vec![]),
                        ],
                    )),
                ));
                c.if_let("Some", "v", &w("self").field(&name).borrow(), |c| {
                    c.stmt(&call(&name, vec![w("v"), w(lit(&name))]).try_());
                });
                c.while_(
                    "Some",
                    "__key",
                    &call("next_key", vec![w("__map").borrow_mut()]).try_(),
                    |c| {
                        c.tail(&Expr::Match(
                            Box::new(w("__key")),
                            vec![
                                arm(pw("0"), call("read", vec![w(&name).borrow_mut(), w(lit(&name))]).try_()),
                                arm(pw("_"), call("skip", vec![])),
                            ],
                        ));
                    },
                );
                c.tail(&call(
                    "Ok",
                    vec![Expr::Struct(
                        format!("S{name}"),
                        vec![
                            ("a".to_owned(), None),
                            (name.clone(), Some(w(&name).method("unwrap_or_default", vec![]))),
                        ],
                    )],
                ));
            });
        });
        c.take(0)
    }

    /// Enums, a newtype, matches with every kind of arm, `if`, `.await`,
    /// `async move`, `return`, with names `n` long.
    fn decoding_item(n: usize) -> String {
        let name = "x".repeat(n);
        let ty = format!("T{name}");
        let mut c = Code::new();
        c.enum_(
            &format!("pub enum E{name}"),
            &[
                Variant {
                    docs: vec![format!(" Status 404: {name}")],
                    name: format!("V{name}"),
                    ty: Some(format!("crate::models::{ty}")),
                },
                Variant {
                    docs: Vec::new(),
                    name: "Unit".to_owned(),
                    ty: None,
                },
            ],
        );
        c.enum_("pub enum Empty", &[]);
        c.newtype(&format!("pub struct N{name}"), &format!("Vec<{ty}>"));
        let self_ty = format!("B{name}<'a>");
        let header = ImplHeader {
            generics: &["'a"],
            trait_: None,
            self_ty: &self_ty,
        };
        c.impl_(&header, |c| {
            let ret = format!("impl ::futures::Stream<Item = Result<{ty}, crate::Error<E{name}>>> + 'a");
            c.fn_(&Signature::method("pub async fn stream", &["self"], Some(&ret)), |c| {
                c.use_("::futures::StreamExt as _", &[]);
                let execute = w("self").field("client").method(&name, vec![w("req").borrow()]);
                c.local("response", &Expr::Await(Box::new(execute)).try_());
                let short = Expr::Await(Box::new(call(&name, vec![])));
                c.stmt(&short);
                c.if_(&w("response").method("is_success", vec![]), |c| {
                    let value = call("Ok", vec![call(&name, vec![w("raw").field("status"), w("headers")])]);
                    c.stmt(&Expr::Return(Some(Box::new(value))));
                });
                c.if_(&w(&name), |_| {});
                let pair = Pat::Tuple(vec!["tag".into(), name.clone().into()]);
                let arms = vec![
                    arm(
                        ptuple(format!("Self::V{name}"), &["v"]),
                        Expr::Tuple(vec![w(lit(&name)), call(&name, vec![w("v")]).try_()]),
                    ),
                    arm(
                        ptuple("Self::Unknown", &["v"]),
                        Expr::Return(Some(Box::new(call(&name, vec![w("v"), w("serializer")])))),
                    ),
                ];
                c.local_pat(&pair, &Expr::Match(Box::new(w("self")), arms));
                let read = w("v").method("trim", vec![]).method_turbofish("parse", "i64", vec![]);
                let headers = Expr::Struct(
                    format!("H{name}"),
                    vec![(
                        name.clone(),
                        Some(
                            w("raw")
                                .method("header", vec![w(lit(&name))])
                                .method("and_then", vec![Expr::Closure("v".into(), Box::new(read))]),
                        ),
                    )],
                );
                let arms = vec![
                    Arm {
                        pat: pw(format!("{n}u16")),
                        body: ArmBody::Block(vec![
                            Stmt::Let(pw("headers"), headers),
                            Stmt::Tail(w("raw").method("ok_json", vec![w("headers")])),
                        ]),
                    },
                    arm(pw("200u16..=299u16"), w("raw").method(&name, vec![w("()"), w("()")])),
                    arm(
                        ptuple("Ok", &["req"]),
                        call(
                            &name,
                            vec![w("req"), Expr::Closure("r".into(), Box::new(w("r").field(&name)))],
                        )
                        .method("left_stream", vec![]),
                    ),
                    arm(
                        ptuple("Err", &["e"]),
                        call(&name, vec![Expr::AsyncMove(Box::new(call("Err", vec![w("e")])))])
                            .method("right_stream", vec![]),
                    ),
                ];
                c.local("x", &Expr::Match(Box::new(w("*self")), Vec::new()));
                c.tail(&Expr::Match(Box::new(w("self").method("request", vec![])), arms));
            });
        });
        c.take(0)
    }

    #[test]
    fn items_come_out_as_prettyplease_prints_them_at_every_width() {
        for n in 1..90 {
            if let Err(e) = judged(&item(n)) {
                panic!("names {n} long:\n{e}");
            }
            if let Err(e) = judged(&decoding_item(n)) {
                panic!("names {n} long:\n{e}");
            }
        }
    }

    #[test]
    fn an_empty_struct_literal_too_wide_keeps_its_break() {
        let mut c = Code::new();
        let sig = Signature {
            head: "fn f",
            generics: &[],
            args: &[],
            ret: None,
            where_: &[],
        };
        c.fn_(&sig, |c| {
            c.stmt(&call("Ok", vec![Expr::Struct("A".repeat(40), Vec::new())]));
            c.tail(&call("Ok", vec![Expr::Struct("A".to_owned(), Vec::new())]));
        });
        let text = c.take(0);
        judged(&text).unwrap_or_else(|e| panic!("{e}"));
        assert!(text.contains(&format!("Ok({} {{\n    }});", "A".repeat(40))), "{text}");
        assert!(text.contains("Ok(A {})"), "{text}");
    }

    #[test]
    fn literals_are_escaped() {
        assert_eq!(lit("a\"b\\c\n"), r#""a\"b\\c\n""#);
        // The quick path for plain text gives what proc_macro2 gives, for
        // every ASCII character alone and beside others, and for non-ASCII.
        let mut samples: Vec<String> = (0u8..128).map(|b| format!("x{}y", b as char)).collect();
        samples.extend(["", "plain words", "it's", "\0", "\u{7f}", "é", "\u{200b}", "\0\u{31}"].map(String::from));
        for s in samples {
            assert_eq!(lit(&s), proc_macro2::Literal::string(&s).to_string(), "{s:?}");
        }
    }
}

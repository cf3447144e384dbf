//! Items written straight as text: the regular, repeated code (a struct's
//! serde impls, a request builder's fields, setters and glue) whose tokens
//! would otherwise be most of what is parsed and printed. Laid out as
//! rustfmt would, at its width.

/// rustfmt's `max_width`.
const WIDTH: usize = 100;

/// Lines at an indentation, each ending with a newline.
pub(crate) struct Lines {
    out: String,
}

impl Lines {
    pub(crate) fn new() -> Lines {
        Lines {
            out: String::with_capacity(4096),
        }
    }

    /// One line, `depth` levels in.
    pub(crate) fn line(&mut self, depth: usize, text: &str) {
        self.indent(depth);
        self.out.push_str(text);
        self.out.push('\n');
    }

    /// `open` `items` separated by `, ` `close` on one line when it fits,
    /// else `open`, one item a line (each with a comma), `close`: a call, a
    /// list or a `use` group as rustfmt breaks them.
    pub(crate) fn fit(&mut self, depth: usize, open: &str, items: &[String], close: &str) {
        let joined: usize = items.iter().map(|i| i.len() + 2).sum::<usize>().saturating_sub(2);
        if depth * 4 + open.len() + joined + close.len() <= WIDTH || items.is_empty() {
            self.indent(depth);
            self.out.push_str(open);
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    self.out.push_str(", ");
                }
                self.out.push_str(item);
            }
            self.out.push_str(close);
            self.out.push('\n');
            return;
        }
        self.line(depth, open);
        for item in items {
            self.indent(depth + 1);
            self.out.push_str(item);
            self.out.push_str(",\n");
        }
        self.line(depth, close);
    }

    /// Doc comment lines (as `doc_lines` gives them), `depth` levels in:
    /// `///` where the line allows it, else the attribute.
    pub(crate) fn doc(&mut self, depth: usize, lines: &[String]) {
        for line in lines {
            if line.starts_with('/') || line.contains(['\r', '\n']) {
                self.line(depth, &format!("#[doc = {}]", lit(line)));
            } else {
                self.line(depth, &format!("///{}", line.trim_end_matches(' ')));
            }
        }
    }

    /// Lines already laid out, as they are.
    pub(crate) fn raw(&mut self, text: &str) {
        self.out.push_str(text);
    }

    /// Text already laid out at the top level (a gate), `depth` levels in.
    pub(crate) fn indented(&mut self, depth: usize, text: &str) {
        for line in text.lines() {
            self.line(depth, line);
        }
    }

    fn indent(&mut self, depth: usize) {
        for _ in 0..depth {
            self.out.push_str("    ");
        }
    }

    pub(crate) fn finish(self) -> String {
        self.out
    }
}

/// A Rust string literal of `s`.
pub(crate) fn lit(s: &str) -> String {
    proc_macro2::Literal::string(s).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_that_fits_stays_on_one_line() {
        let mut l = Lines::new();
        l.fit(1, "f(", &["a".to_owned(), "b".to_owned()], ")?;");
        assert_eq!(l.finish(), "    f(a, b)?;\n");
    }

    #[test]
    fn a_list_too_wide_gets_one_item_a_line() {
        let item = "x".repeat(60);
        let mut l = Lines::new();
        l.fit(2, "call(", &[item.clone(), item.clone()], ")?,");
        assert_eq!(
            l.finish(),
            format!("        call(\n            {item},\n            {item},\n        )?,\n")
        );
    }

    #[test]
    fn docs_fall_back_to_the_attribute_where_a_comment_cannot_hold_them() {
        let mut l = Lines::new();
        l.doc(
            0,
            &[
                " plain  ".to_owned(),
                String::new(),
                "/x".to_owned(),
                " a\rb".to_owned(),
            ],
        );
        assert_eq!(l.finish(), "/// plain\n///\n#[doc = \"/x\"]\n#[doc = \" a\\rb\"]\n");
    }

    #[test]
    fn literals_are_escaped() {
        assert_eq!(lit("a\"b\\c\n"), r#""a\"b\\c\n""#);
    }
}

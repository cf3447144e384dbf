//! Finds the line and column of JSON pointers in the spec's text. serde's
//! own error positions point at the enclosing mapping, so this is a separate
//! pass, run only when there is something to report: over the YAML parser's
//! events for YAML, over the characters for JSON.

use std::collections::{HashMap, HashSet};

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

use crate::diag::push_pointer;

/// 1-based line and column of every node, keyed by JSON pointer. A mapping
/// value is placed at its key, which is where a reader looks for it.
pub(crate) struct Positions {
    map: HashMap<String, (usize, usize)>,
}

impl Positions {
    /// No positions: every pointer falls back to the start of the text.
    pub(crate) fn empty() -> Positions {
        Positions { map: HashMap::new() }
    }

    pub(crate) fn scan(text: &str) -> Positions {
        let mut builder = Builder {
            text: text.as_bytes(),
            map: HashMap::new(),
            stack: Vec::new(),
            pending_key_at: None,
        };
        let mut parser = Parser::new_from_str(text);
        // A syntax error ends the scan; what was read so far still locates.
        let _ = parser.load(&mut builder, false);
        Positions { map: builder.map }
    }

    /// Positions in a JSON text. The YAML parser is not used for JSON: it
    /// refuses valid JSON such as surrogate-pair escapes (`"\ud83d\udc4d"`).
    /// Columns count characters, as the YAML scan's do.
    /// With `wanted`, only those pointers are recorded and subtrees that
    /// hold none of them are skipped without building their pointers (the
    /// set must hold every ancestor of a pointer it holds).
    pub(crate) fn scan_json(text: &str, wanted: Option<&HashSet<String>>) -> Positions {
        let mut map = HashMap::new();
        let mut scanner = JsonScanner {
            chars: text.chars().peekable(),
            line: 1,
            col: 1,
            wanted,
        };
        scanner.value(String::new(), None, &mut map, 0);
        Positions { map }
    }

    /// Positions in a JSON text of these pointers and their ancestors (where
    /// a pointer the scan cannot see falls back to), and of nothing else.
    pub(crate) fn scan_json_for<'p>(text: &str, pointers: impl IntoIterator<Item = &'p str>) -> Positions {
        let mut wanted = HashSet::new();
        for mut at in pointers {
            loop {
                wanted.insert(at.to_owned());
                match at.rfind('/') {
                    Some(i) => at = &at[..i],
                    None => break,
                }
            }
        }
        Positions::scan_json(text, Some(&wanted))
    }

    /// The position of `pointer`, or of its nearest ancestor the scan saw.
    pub(crate) fn locate(&self, pointer: &str) -> (usize, usize) {
        if pointer.is_empty() {
            return (1, 1);
        }
        let mut p = pointer;
        loop {
            if let Some(pos) = self.map.get(p) {
                return *pos;
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return self.map.get("").copied().unwrap_or((1, 1)),
            }
        }
    }
}

/// A walk over JSON text that records where each value starts (a member
/// at its key). It stops quietly at the first thing that is not JSON, and
/// at a nesting deeper than serde_json itself reads.
struct JsonScanner<'t> {
    chars: std::iter::Peekable<std::str::Chars<'t>>,
    line: usize,
    col: usize,
    wanted: Option<&'t HashSet<String>>,
}

impl JsonScanner<'_> {
    fn bump(&mut self) -> Option<char> {
        let c = self.chars.next()?;
        if c == '\n' {
            self.line += 1;
            self.col = 1;
        } else {
            self.col += 1;
        }
        Some(c)
    }

    fn skip_ws(&mut self) {
        while self.chars.peek().is_some_and(|c| c.is_whitespace()) {
            self.bump();
        }
    }

    /// A string, the opening quote already read; returns its text.
    fn string(&mut self) -> Option<String> {
        let mut out = String::new();
        loop {
            match self.bump()? {
                '"' => return Some(out),
                '\\' => {
                    let e = self.bump()?;
                    match e {
                        'u' => {
                            let mut hex = String::new();
                            for _ in 0..4 {
                                hex.push(self.bump()?);
                            }
                            let unit = u32::from_str_radix(&hex, 16).ok()?;
                            out.push(char::from_u32(unit).unwrap_or('\u{fffd}'));
                        }
                        'n' => out.push('\n'),
                        't' => out.push('\t'),
                        'r' => out.push('\r'),
                        'b' => out.push('\u{8}'),
                        'f' => out.push('\u{c}'),
                        other => out.push(other),
                    }
                }
                c => out.push(c),
            }
        }
    }

    /// Passes over one value, building nothing.
    fn skip_value(&mut self, depth: usize) -> Option<()> {
        if depth > 2 * super::MAX_DEPTH {
            return None;
        }
        self.skip_ws();
        match *self.chars.peek()? {
            '{' | '[' => {
                let close = if self.bump()? == '{' { '}' } else { ']' };
                loop {
                    self.skip_ws();
                    match *self.chars.peek()? {
                        c if c == close => {
                            self.bump();
                            return Some(());
                        }
                        ',' | ':' => {
                            self.bump();
                        }
                        _ => self.skip_value(depth + 1)?,
                    }
                }
            }
            '"' => {
                self.bump();
                self.string().map(|_| ())
            }
            _ => {
                while self
                    .chars
                    .peek()
                    .is_some_and(|c| !matches!(c, ',' | '}' | ']' | ':') && !c.is_whitespace())
                {
                    self.bump();
                }
                Some(())
            }
        }
    }

    /// A value at `pointer`, placed at `key_at` when it is a member.
    fn value(
        &mut self,
        pointer: String,
        key_at: Option<(usize, usize)>,
        map: &mut HashMap<String, (usize, usize)>,
        depth: usize,
    ) -> Option<()> {
        self.skip_ws();
        if self.wanted.is_some_and(|w| !w.contains(&pointer)) {
            return self.skip_value(0);
        }
        map.entry(pointer.clone())
            .or_insert(key_at.unwrap_or((self.line, self.col)));
        if depth > 2 * super::MAX_DEPTH {
            return None;
        }
        match *self.chars.peek()? {
            '{' => {
                self.bump();
                loop {
                    self.skip_ws();
                    match self.bump()? {
                        '}' => return Some(()),
                        ',' => continue,
                        '"' => {
                            let at = (self.line, self.col - 1);
                            let key = self.string()?;
                            self.skip_ws();
                            if self.bump()? != ':' {
                                return None;
                            }
                            self.value(push_pointer(&pointer, &key), Some(at), map, depth + 1)?;
                        }
                        _ => return None,
                    }
                }
            }
            '[' => {
                self.bump();
                let mut index = 0usize;
                loop {
                    self.skip_ws();
                    match *self.chars.peek()? {
                        ']' => {
                            self.bump();
                            return Some(());
                        }
                        ',' => {
                            self.bump();
                        }
                        _ => {
                            self.value(push_pointer(&pointer, &index.to_string()), None, map, depth + 1)?;
                            index += 1;
                        }
                    }
                }
            }
            // A string or a scalar: nothing inside to place.
            _ => self.skip_value(depth),
        }
    }
}

enum Frame {
    Mapping {
        pointer: String,
        key: Option<String>,
        first_key_of: Option<String>,
    },
    Sequence {
        pointer: String,
        index: usize,
    },
}

struct Builder<'t> {
    text: &'t [u8],
    map: HashMap<String, (usize, usize)>,
    stack: Vec<Frame>,
    pending_key_at: Option<(usize, usize)>,
}

impl Builder<'_> {
    /// A node starts at `mark`: returns its pointer, or `None` when the node
    /// is a mapping key (recorded as the pending key instead).
    fn node(&mut self, scalar: Option<&str>, mark: Marker) -> Option<String> {
        let at = (mark.line(), mark.col() + 1);
        match self.stack.last_mut() {
            None => {
                self.map.entry(String::new()).or_insert(at);
                Some(String::new())
            }
            Some(Frame::Sequence { pointer, index }) => {
                let p = push_pointer(pointer, &index.to_string());
                *index += 1;
                self.map.entry(p.clone()).or_insert(at);
                Some(p)
            }
            Some(Frame::Mapping {
                pointer,
                key,
                first_key_of,
            }) => match key.take() {
                None => {
                    // A key: complex (non-scalar) keys are not part of any pointer.
                    *key = Some(scalar.unwrap_or("").to_owned());
                    self.pending_key_at = Some(at);
                    // The parser marks a block mapping at its first `:`; a
                    // mapping that is not itself a mapping value (a sequence
                    // item, the root) is placed at its first key instead.
                    if let Some(p) = first_key_of.take() {
                        self.map.insert(p, at);
                    }
                    None
                }
                Some(k) => {
                    let p = push_pointer(pointer, &k);
                    let key_at = self.pending_key_at.take().unwrap_or(at);
                    self.map.entry(p.clone()).or_insert(key_at);
                    Some(p)
                }
            },
        }
    }
}

impl MarkedEventReceiver for Builder<'_> {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        match ev {
            Event::Scalar(value, ..) => {
                self.node(Some(&value), mark);
            }
            Event::Alias(_) => {
                self.node(None, mark);
            }
            Event::MappingStart(..) => {
                // A flow mapping is marked at its `{`, which is right.
                let flow = self.text.get(mark.index()) == Some(&b'{');
                let in_mapping = flow || matches!(self.stack.last(), Some(Frame::Mapping { .. }));
                if let Some(pointer) = self.node(None, mark) {
                    let first_key_of = (!in_mapping).then(|| pointer.clone());
                    self.stack.push(Frame::Mapping {
                        pointer,
                        key: None,
                        first_key_of,
                    });
                } else {
                    // A mapping used as a key: skip it as an anonymous frame.
                    self.stack.push(Frame::Mapping {
                        pointer: "\u{0}".into(),
                        key: None,
                        first_key_of: None,
                    });
                }
            }
            Event::SequenceStart(..) => {
                if let Some(pointer) = self.node(None, mark) {
                    self.stack.push(Frame::Sequence { pointer, index: 0 });
                } else {
                    self.stack.push(Frame::Sequence {
                        pointer: "\u{0}".into(),
                        index: 0,
                    });
                }
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_values_at_their_keys() {
        let text = "a: 1\nbb:\n  - x\n  - {k: v, 'p/q': 2}\n";
        let pos = Positions::scan(text);
        assert_eq!(pos.locate("/a"), (1, 1));
        assert_eq!(pos.locate("/bb"), (2, 1));
        assert_eq!(pos.locate("/bb/0"), (3, 5));
        assert_eq!(pos.locate("/bb/1/k"), (4, 6));
        assert_eq!(pos.locate("/bb/1/p~1q"), (4, 12));
        assert_eq!(pos.locate("/bb/1/missing/deeper"), pos.locate("/bb/1"));
    }

    #[test]
    fn locates_json_members_at_their_keys() {
        let text = "{\n  \"a\": 1,\n  \"b\\u00e9\": [true, {\"k\": \"\\ud83d\\udc4d\"}],\n  \"p/q\": {}\n}";
        let pos = Positions::scan_json(text, None);
        // Only what is wanted (with its ancestors) is recorded, at the same place.
        let wanted: HashSet<String> = ["", "/b\u{e9}", "/b\u{e9}/1", "/b\u{e9}/1/k"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        let some = Positions::scan_json(text, Some(&wanted));
        assert_eq!(some.locate("/b\u{e9}/1/k"), (3, 22));
        assert_eq!(some.map.len(), 4);
        assert_eq!(pos.locate(""), (1, 1));
        assert_eq!(pos.locate("/a"), (2, 3));
        assert_eq!(pos.locate("/b\u{e9}"), (3, 3));
        assert_eq!(pos.locate("/b\u{e9}/0"), (3, 15));
        assert_eq!(pos.locate("/b\u{e9}/1/k"), (3, 22));
        assert_eq!(pos.locate("/p~1q"), (4, 3));
        // Not JSON past a point: what came before still locates.
        let broken = Positions::scan_json("{\"a\": 1, \"b\": ?}", None);
        assert_eq!(broken.locate("/a"), (1, 2));
        assert_eq!(broken.locate("/b/c"), (1, 10));
    }
}

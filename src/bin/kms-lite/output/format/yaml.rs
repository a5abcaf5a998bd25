//! `--output yaml` and `yaml-stream`, as the AWS CLI v2 writes them: ruamel.yaml's safe
//! dumper (`YAML(typ='safe')`, `default_flow_style = False`) over its C emitter (libyaml).
//!
//! What that means for a value:
//! - block style, two-space indentation, a list inside a mapping not indented (`Key:\n- a`),
//!   empty lists and mappings as `[]` and `{}`;
//! - mapping keys sorted;
//! - `null`, `true`/`false`, integers, floats as Python's `repr` lower-cased (`.inf`, `.nan`);
//! - a string plain where YAML allows it and where it would not read back as another type
//!   under the YAML 1.2 rules ruamel resolves with (so `'123'`, `'true'`, `'null'`, `''`,
//!   `'1e5'`, `'0x1F'`, `'2014-10-16'` are quoted, while `yes`, `on` and a base64 text with
//!   `+`, `/` or `=` are not), else single-quoted, else double-quoted with escapes (control
//!   characters, tabs, characters beyond the Basic Multilingual Plane);
//! - long strings folded at spaces past column 80;
//! - a scalar document ends with `...`.
//!
//! `yaml-stream` prints the response as the one element of a list (the CLI streams one list
//! element per page: `call` renders each page of a paginated operation so). `yaml` prints nothing for an empty
//! response object, as `json` does.

mod resolve;

use super::float_repr;
use super::terminal::acts;
use crate::output::{Number, Val};
use resolve::resolves_implicitly;

/// `terminal`: a string holding a character that would act on a terminal is double-quoted,
/// that character escaped (see [`super::terminal`]).
pub fn render(v: &Val, terminal: bool) -> String {
    if *v == Val::Object(Vec::new()) {
        return String::new();
    }
    let mut e = Emitter::new(terminal);
    e.node(Node::Val(v), Context::ROOT);
    e.finish()
}

pub fn render_stream(v: &Val, terminal: bool) -> String {
    let mut e = Emitter::new(terminal);
    e.node(Node::Seq(std::slice::from_ref(v)), Context::ROOT);
    e.finish()
}

/// What the emitter writes next: a value, or a list of values (for the stream's wrapper).
#[derive(Clone, Copy)]
enum Node<'a> {
    Val(&'a Val),
    Seq(&'a [Val]),
}

/// The position a node is emitted in (libyaml's root, sequence, mapping and simple-key
/// contexts).
#[derive(Clone, Copy)]
struct Context {
    root: bool,
    mapping: bool,
    simple_key: bool,
}

impl Context {
    const ROOT: Context = Context {
        root: true,
        mapping: false,
        simple_key: false,
    };
    const ITEM: Context = Context {
        root: false,
        mapping: false,
        simple_key: false,
    };
    const KEY: Context = Context {
        root: false,
        mapping: true,
        simple_key: true,
    };
    const VALUE: Context = Context {
        root: false,
        mapping: true,
        simple_key: false,
    };
}

const BEST_INDENT: i64 = 2;
const BEST_WIDTH: usize = 80;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    Single,
    Double,
}

/// libyaml's emitter state, for block collections, empty flow collections and scalars.
struct Emitter {
    out: String,
    column: usize,
    whitespace: bool,
    indention: bool,
    open_ended: bool,
    indent: i64,
    indents: Vec<i64>,
    context: Context,
    /// Output for a terminal.
    terminal: bool,
}

impl Emitter {
    fn new(terminal: bool) -> Emitter {
        Emitter {
            out: String::new(),
            column: 0,
            whitespace: true,
            indention: true,
            open_ended: false,
            indent: -1,
            indents: Vec::new(),
            context: Context::ROOT,
            terminal,
        }
    }

    /// Ends the document (implicitly) and the stream.
    fn finish(mut self) -> String {
        self.write_indent();
        if self.open_ended {
            self.write_indicator("...", true, false, false);
            self.write_indent();
        }
        self.out
    }

    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    /// A line break character of the value: `\n` as the emitter's line break, the others
    /// (LS, PS) copied.
    fn write_break(&mut self, c: char) {
        if c == '\n' {
            self.put_break();
        } else {
            self.out.push(c);
            self.column = 0;
        }
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        if self.indent < 0 {
            self.indent = if flow { BEST_INDENT } else { 0 };
        } else if !indentless {
            self.indent += BEST_INDENT;
        }
    }

    fn pop_indent(&mut self) {
        self.indent = self.indents.pop().unwrap_or(-1);
    }

    fn write_indent(&mut self) {
        let indent = self.indent.max(0) as usize;
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn write_indicator(
        &mut self,
        indicator: &str,
        need_whitespace: bool,
        is_whitespace: bool,
        is_indention: bool,
    ) {
        if need_whitespace && !self.whitespace {
            self.put(' ');
        }
        for c in indicator.chars() {
            self.put(c);
        }
        self.whitespace = is_whitespace;
        self.indention = self.indention && is_indention;
        self.open_ended = false;
    }

    fn node(&mut self, node: Node<'_>, context: Context) {
        self.context = context;
        match node {
            Node::Seq(items) => self.sequence(items),
            Node::Val(Val::List(items)) => self.sequence(items),
            Node::Val(Val::Object(members)) => self.mapping(members),
            Node::Val(Val::Str(s)) => self.scalar(s, !resolves_implicitly(s)),
            Node::Val(Val::Null) => self.scalar("null", true),
            Node::Val(Val::Bool(b)) => self.scalar(if *b { "true" } else { "false" }, true),
            Node::Val(Val::Num(n)) => self.scalar(&number(*n), true),
        }
    }

    fn empty_flow(&mut self, open: &str, close: &str) {
        self.write_indicator(open, true, true, false);
        self.increase_indent(true, false);
        self.pop_indent();
        self.write_indicator(close, false, false, false);
    }

    fn sequence(&mut self, items: &[Val]) {
        if items.is_empty() {
            return self.empty_flow("[", "]");
        }
        let indentless = self.context.mapping && !self.indention;
        self.increase_indent(false, indentless);
        for item in items {
            self.write_indent();
            self.write_indicator("-", true, false, true);
            self.node(Node::Val(item), Context::ITEM);
        }
        self.pop_indent();
    }

    fn mapping(&mut self, members: &[(String, Val)]) {
        if members.is_empty() {
            return self.empty_flow("{", "}");
        }
        let mut sorted: Vec<&(String, Val)> = members.iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(&b.0));
        self.increase_indent(false, false);
        for (key, value) in sorted {
            self.write_indent();
            let analysis = Analysis::of(key);
            // A simple key fits on one line and in 128 bytes; another is written after `? `.
            if !analysis.multiline && key.len() <= 128 {
                self.context = Context::KEY;
                self.scalar(key, !resolves_implicitly(key));
                self.write_indicator(":", false, false, false);
            } else {
                self.write_indicator("?", true, false, true);
                self.context = Context::VALUE;
                self.scalar(key, !resolves_implicitly(key));
                self.write_indent();
                self.write_indicator(":", true, false, true);
            }
            self.node(Node::Val(value), Context::VALUE);
        }
        self.pop_indent();
    }

    fn scalar(&mut self, value: &str, plain_implicit: bool) {
        let a = Analysis::of(value);
        let simple_key = self.context.simple_key;
        let mut style = Style::Plain;
        if simple_key && a.multiline {
            style = Style::Double;
        }
        if style == Style::Plain
            && (!a.block_plain_allowed || (value.is_empty() && simple_key) || !plain_implicit)
        {
            style = Style::Single;
        }
        if style == Style::Single && !a.single_quoted_allowed {
            style = Style::Double;
        }
        if self.terminal && value.chars().any(acts) {
            style = Style::Double;
        }
        self.increase_indent(true, false);
        let allow_breaks = !simple_key;
        match style {
            Style::Plain => self.write_unescaped(value, allow_breaks, false),
            Style::Single => self.write_unescaped(value, allow_breaks, true),
            Style::Double => self.write_double_quoted(value, allow_breaks),
        }
        self.pop_indent();
    }

    /// A plain or single-quoted scalar: folded at a space past the width (not at a quoted
    /// scalar's first or last character), line breaks doubled; quoted, `'` doubled.
    fn write_unescaped(&mut self, value: &str, allow_breaks: bool, quoted: bool) {
        if quoted {
            self.write_indicator("'", true, false, false);
        } else if !self.whitespace {
            self.put(' ');
        }
        let chars: Vec<char> = value.chars().collect();
        let (mut spaces, mut breaks) = (false, false);
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                let inside = !quoted || (i != 0 && i != chars.len() - 1);
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && inside
                    && chars.get(i + 1) != Some(&' ')
                {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                if quoted && c == '\'' {
                    self.put('\'');
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        if quoted {
            if breaks {
                self.write_indent();
            }
            self.write_indicator("'", false, false, false);
        }
        self.whitespace = false;
        self.indention = false;
        if !quoted && self.context.root {
            self.open_ended = true;
        }
    }

    fn write_double_quoted(&mut self, value: &str, allow_breaks: bool) {
        self.write_indicator("\"", true, false, false);
        let chars: Vec<char> = value.chars().collect();
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if !is_printable(c)
                || c == '\u{feff}'
                || is_break(c)
                || c == '"'
                || c == '\\'
                || (self.terminal && acts(c))
            {
                self.put('\\');
                let escape = match c {
                    '\0' => Some('0'),
                    '\u{7}' => Some('a'),
                    '\u{8}' => Some('b'),
                    '\t' => Some('t'),
                    '\n' => Some('n'),
                    '\u{b}' => Some('v'),
                    '\u{c}' => Some('f'),
                    '\r' => Some('r'),
                    '\u{1b}' => Some('e'),
                    '"' => Some('"'),
                    '\\' => Some('\\'),
                    '\u{85}' => Some('N'),
                    '\u{a0}' => Some('_'),
                    '\u{2028}' => Some('L'),
                    '\u{2029}' => Some('P'),
                    _ => None,
                };
                match escape {
                    Some(e) => self.put(e),
                    None => {
                        let n = c as u32;
                        let hex = if n <= 0xFF {
                            format!("x{n:02X}")
                        } else if n <= 0xFFFF {
                            format!("u{n:04X}")
                        } else {
                            format!("U{n:08X}")
                        };
                        for h in hex.chars() {
                            self.put(h);
                        }
                    }
                }
                spaces = false;
            } else if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i != 0
                    && i != chars.len() - 1
                {
                    self.write_indent();
                    if chars.get(i + 1) == Some(&' ') {
                        self.put('\\');
                    }
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
        self.write_indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }
}

/// A number as ruamel's safe representer writes it.
fn number(n: Number) -> String {
    match n {
        Number::Int(i) => i.to_string(),
        Number::Float(f) if f.is_nan() => ".nan".into(),
        Number::Float(f) if f.is_infinite() => if f > 0.0 { ".inf" } else { "-.inf" }.into(),
        Number::Float(f) => float_repr(f).to_lowercase(),
    }
}

/// libyaml's `IS_PRINTABLE` (of the version ruamel.yaml.clib bundles): LF, ASCII from space
/// to `~`, U+00A0 to U+D7FF, U+E000 to U+FFFD except the BOM. Nothing beyond the BMP.
fn is_printable(c: char) -> bool {
    matches!(c as u32, 0x0A | 0x20..=0x7E | 0xA0..=0xD7FF | 0xE000..=0xFFFD) && c != '\u{feff}'
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// A blank, a break, or the end of the string (libyaml sees the terminating NUL).
fn is_blankz(c: Option<char>) -> bool {
    match c {
        None | Some('\0' | ' ' | '\t') => true,
        Some(c) => is_break(c),
    }
}

/// What libyaml's `yaml_emitter_analyze_scalar` finds out about a string.
struct Analysis {
    multiline: bool,
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
}

impl Analysis {
    fn of(value: &str) -> Analysis {
        if value.is_empty() {
            return Analysis {
                multiline: false,
                block_plain_allowed: true,
                single_quoted_allowed: true,
            };
        }
        let chars: Vec<char> = value.chars().collect();
        let mut block_indicators = value.starts_with("---") || value.starts_with("...");
        let (mut line_breaks, mut special) = (false, false);
        let (mut leading_space, mut leading_break) = (false, false);
        let (mut trailing_space, mut trailing_break) = (false, false);
        let (mut break_space, mut space_break) = (false, false);
        let (mut previous_space, mut previous_break) = (false, false);
        let mut preceded_by_whitespace = true;
        let mut followed_by_whitespace = is_blankz(chars.get(1).copied());
        let last = chars.len() - 1;
        for (i, &c) in chars.iter().enumerate() {
            if i == 0 {
                if "#,[]{}&*!|>'\"%@`".contains(c) || (c == '-' && followed_by_whitespace) {
                    block_indicators = true;
                }
                if (c == '?' || c == ':') && followed_by_whitespace {
                    block_indicators = true;
                }
            } else if (c == ':' && followed_by_whitespace) || (c == '#' && preceded_by_whitespace) {
                block_indicators = true;
            }
            if !is_printable(c) {
                special = true;
            }
            if is_break(c) {
                line_breaks = true;
            }
            if c == ' ' {
                leading_space |= i == 0;
                trailing_space |= i == last;
                break_space |= previous_break;
                previous_space = true;
                previous_break = false;
            } else if is_break(c) {
                leading_break |= i == 0;
                trailing_break |= i == last;
                space_break |= previous_space;
                previous_space = false;
                previous_break = true;
            } else {
                previous_space = false;
                previous_break = false;
            }
            preceded_by_whitespace = is_blankz(Some(c));
            followed_by_whitespace = is_blankz(chars.get(i + 2).copied());
        }
        let mut a = Analysis {
            multiline: line_breaks,
            block_plain_allowed: true,
            single_quoted_allowed: true,
        };
        if leading_space || leading_break || trailing_space || trailing_break {
            a.block_plain_allowed = false;
        }
        if break_space || space_break || special {
            a.block_plain_allowed = false;
            a.single_quoted_allowed = false;
        }
        if line_breaks || block_indicators {
            a.block_plain_allowed = false;
        }
        a
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{obj, s};
    use super::*;

    #[test]
    fn keys_sorted_lists_unindented_under_keys_empty_collections_in_flow() {
        let v = obj(&[
            ("b", s("yes")),
            ("a", s("AQI+/=")),
            ("c", Val::Null),
            ("d", s("")),
            ("e", s("123")),
            ("f", s("2014-10-16T16:03:09+00:00")),
            ("g", Val::List(vec![])),
            ("h", Val::Object(vec![])),
            ("i", Val::List(vec![Val::Num(Number::Int(1)), s("x")])),
            ("j", Val::Bool(true)),
            ("k", Val::Num(Number::Float(1.5))),
            ("l", Val::Num(Number::Float(1e17))),
            (
                "m",
                Val::List(vec![obj(&[("y", s("1")), ("x", Val::List(vec![s("z")]))])]),
            ),
            ("n", obj(&[("o", obj(&[("p", s("q"))]))])),
        ]);
        assert_eq!(
            render(&v, false),
            "\
a: AQI+/=
b: yes
c: null
d: ''
e: '123'
f: '2014-10-16T16:03:09+00:00'
g: []
h: {}
i:
- 1
- x
j: true
k: 1.5
l: 1e+17
m:
- x:
  - z
  y: '1'
n:
  o:
    p: q
"
        );
    }

    #[test]
    fn documents_streams_and_scalars() {
        assert_eq!(render(&s("foo"), false), "foo\n...\n");
        assert_eq!(render(&Val::Null, false), "null\n...\n");
        assert_eq!(render(&s(""), false), "''\n");
        assert_eq!(render(&s("it's"), false), "it's\n...\n");
        assert_eq!(render(&Val::Object(vec![]), false), "");
        assert_eq!(render(&Val::List(vec![]), false), "[]\n");
        assert_eq!(render_stream(&Val::Object(vec![]), false), "- {}\n");
        assert_eq!(render_stream(&s("x"), false), "- x\n");
        assert_eq!(
            render_stream(&obj(&[("B", s("2")), ("A", s("a"))]), false),
            "- A: a\n  B: '2'\n"
        );
        assert_eq!(
            render(&Val::List(vec![Val::List(vec![s("a"), s("b")])]), false),
            "- - a\n  - b\n"
        );
    }

    #[test]
    fn quoting_styles() {
        let cases = [
            ("it's", "it's"),
            ("a\nb", "'a\n\n  b'"),
            ("on", "on"),
            ("0777", "'0777'"),
            ("0o17", "'0o17'"),
            ("1:20", "1:20"),
            ("1_000", "'1_000'"),
            ("-", "'-'"),
            ("- a", "'- a'"),
            ("a: b", "'a: b'"),
            ("#x", "'#x'"),
            ("x #y", "'x #y'"),
            ("x#y", "x#y"),
            ("\u{e9}", "\u{e9}"),
            ("tab\there", "\"tab\\there\""),
            (" lead", "' lead'"),
            ("trail ", "'trail '"),
            ("~", "'~'"),
            ("null", "'null'"),
            ("=", "'='"),
            ("<<", "'<<'"),
            ("!x", "'!x'"),
            ("?", "'?'"),
            ("? x", "'? x'"),
            ("?x", "?x"),
            ("%x", "'%x'"),
            ("a,b", "a,b"),
            ("[x", "'[x'"),
            ("x]", "x]"),
            ("'q'", "'''q'''"),
            ("\"dq\"", "'\"dq\"'"),
            ("1e5", "'1e5'"),
            (".5", "'.5'"),
            ("+.inf", "'+.inf'"),
            (".nan", "'.nan'"),
            ("0x1F", "'0x1F'"),
            ("0b101", "'0b101'"),
            ("2014-10-16", "'2014-10-16'"),
            ("2001-12-14 21:59:43.10 -5", "'2001-12-14 21:59:43.10 -5'"),
            ("2001-12-14t21:59:43Z", "'2001-12-14t21:59:43Z'"),
            ("2001-12-14T21:59", "2001-12-14T21:59"),
            ("a\\b", "a\\b"),
            ("\u{7f}", "\"\\x7F\""),
            ("\0", "\"\\0\""),
            ("\u{feff}", "\"\\uFEFF\""),
            ("a\u{85}b", "\"a\\Nb\""),
            ("\u{1f600}", "\"\\U0001F600\""),
            ("True", "'True'"),
            ("tRue", "tRue"),
            ("+_", "'+_'"),
            ("1.", "'1.'"),
            ("1e", "1e"),
            ("---x", "'---x'"),
            ("a:", "'a:'"),
            ("a:b", "a:b"),
        ];
        for (value, want) in cases {
            assert_eq!(
                render(&obj(&[("k", s(value))]), false),
                format!("k: {want}\n"),
                "{value:?}"
            );
        }
    }

    #[test]
    fn long_strings_fold_at_spaces_past_column_80() {
        let words = "word ".repeat(30);
        assert_eq!(
            render(&obj(&[("k", s(&words))]), false),
            format!(
                "k: '{}\n  {}'\n",
                "word ".repeat(16).trim_end(),
                "word ".repeat(14)
            )
        );
        let plain = "w ".repeat(45) + "end";
        assert_eq!(
            render(&obj(&[("k", s(&plain))]), false),
            format!("k: {}\n  {}\n", "w ".repeat(40).trim_end(), "w w w w w end")
        );
        // A long key (over 128 bytes) is written after `? `.
        let key = "k".repeat(129);
        assert_eq!(
            render(&obj(&[(&key, s("v"))]), false),
            format!("? {key}\n: v\n")
        );
    }
}

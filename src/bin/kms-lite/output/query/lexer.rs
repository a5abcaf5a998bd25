//! JMESPath tokens, read as the reference implementation (Python `jmespath`, which the AWS
//! CLI uses) reads them, positions in characters.

use super::{ErrorKind, QueryError};
use crate::output::Val;

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    Dot,
    Star,
    RBracket,
    Comma,
    Colon,
    Current,
    LParen,
    RParen,
    LBrace,
    RBrace,
    /// `[]`
    Flatten,
    /// `[?`
    Filter,
    LBracket,
    UnquotedIdentifier(String),
    QuotedIdentifier(String),
    /// A JSON literal (`` `...` ``) or a raw string (`'...'`).
    Literal(Val),
    Number(i64),
    Pipe,
    Or,
    And,
    /// `&`
    Expref,
    Not,
    Ne,
    Eq,
    Lt,
    Lte,
    Gt,
    Gte,
    Eof,
}

impl Tok {
    /// The reference implementation's name for the token type, as its errors print it.
    pub fn type_name(&self) -> &'static str {
        match self {
            Tok::Dot => "dot",
            Tok::Star => "star",
            Tok::RBracket => "rbracket",
            Tok::Comma => "comma",
            Tok::Colon => "colon",
            Tok::Current => "current",
            Tok::LParen => "lparen",
            Tok::RParen => "rparen",
            Tok::LBrace => "lbrace",
            Tok::RBrace => "rbrace",
            Tok::Flatten => "flatten",
            Tok::Filter => "filter",
            Tok::LBracket => "lbracket",
            Tok::UnquotedIdentifier(_) => "unquoted_identifier",
            Tok::QuotedIdentifier(_) => "quoted_identifier",
            Tok::Literal(_) => "literal",
            Tok::Number(_) => "number",
            Tok::Pipe => "pipe",
            Tok::Or => "or",
            Tok::And => "and",
            Tok::Expref => "expref",
            Tok::Not => "not",
            Tok::Ne => "ne",
            Tok::Eq => "eq",
            Tok::Lt => "lt",
            Tok::Lte => "lte",
            Tok::Gt => "gt",
            Tok::Gte => "gte",
            Tok::Eof => "eof",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Token {
    pub tok: Tok,
    /// The character position where it starts.
    pub start: usize,
    /// Its value as the reference implementation's errors print it.
    pub value: String,
}

/// The most tokens an expression may have: far beyond any real query, and a bound on the work
/// and the memory the parser and the evaluator can be made to do.
pub const MAX_TOKENS: usize = 4096;

pub fn tokenize(expression: &str) -> Result<Vec<Token>, QueryError> {
    if expression.is_empty() {
        return Err(QueryError::new(ErrorKind::Empty, 0, String::new()));
    }
    let chars: Vec<char> = expression.chars().collect();
    let mut lexer = Lexer { chars, pos: 0 };
    let mut tokens = Vec::new();
    while let Some(c) = lexer.current() {
        if tokens.len() >= MAX_TOKENS {
            return Err(QueryError::new(
                ErrorKind::Other,
                lexer.pos,
                format!("the expression has more than {MAX_TOKENS} tokens"),
            ));
        }
        let start = lexer.pos;
        let simple = match c {
            '.' => Some(Tok::Dot),
            '*' => Some(Tok::Star),
            ']' => Some(Tok::RBracket),
            ',' => Some(Tok::Comma),
            ':' => Some(Tok::Colon),
            '@' => Some(Tok::Current),
            '(' => Some(Tok::LParen),
            ')' => Some(Tok::RParen),
            '{' => Some(Tok::LBrace),
            '}' => Some(Tok::RBrace),
            _ => None,
        };
        let token = if let Some(tok) = simple {
            lexer.next();
            Token {
                tok,
                start,
                value: c.to_string(),
            }
        } else if c.is_ascii_alphabetic() || c == '_' {
            let mut name = String::new();
            while let Some(c) = lexer
                .current()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            {
                name.push(c);
                lexer.next();
            }
            Token {
                tok: Tok::UnquotedIdentifier(name.clone()),
                start,
                value: name,
            }
        } else if matches!(c, ' ' | '\t' | '\n' | '\r') {
            lexer.next();
            continue;
        } else if c == '[' {
            let (tok, value) = match lexer.next() {
                Some(']') => {
                    lexer.next();
                    (Tok::Flatten, "[]")
                }
                Some('?') => {
                    lexer.next();
                    (Tok::Filter, "[?")
                }
                _ => (Tok::LBracket, "["),
            };
            Token {
                tok,
                start,
                value: value.into(),
            }
        } else if c == '\'' {
            let raw = lexer.consume_until('\'')?.replace("\\'", "'");
            Token {
                tok: Tok::Literal(Val::Str(raw.clone())),
                start,
                value: raw,
            }
        } else if c == '`' {
            lexer.literal()?
        } else if c.is_ascii_digit() || c == '-' {
            let mut digits = String::from(c);
            while let Some(d) = lexer.next().filter(char::is_ascii_digit) {
                digits.push(d);
            }
            if digits == "-" {
                return Err(QueryError::new(
                    ErrorKind::Lexer,
                    start,
                    "Unknown token '-'".into(),
                ));
            }
            // Beyond an i64 an index selects nothing and a slice bound is clamped, as there.
            let n = digits
                .parse::<i64>()
                .unwrap_or(if c == '-' { i64::MIN } else { i64::MAX });
            Token {
                tok: Tok::Number(n),
                start,
                value: digits,
            }
        } else if c == '"' {
            lexer.quoted_identifier()?
        } else {
            let two = |lexer: &mut Lexer, second: char, yes: Tok, no: Tok| {
                if lexer.next() == Some(second) {
                    lexer.next();
                    (yes, format!("{c}{second}"))
                } else {
                    (no, c.to_string())
                }
            };
            let (tok, value) = match c {
                '|' => two(&mut lexer, '|', Tok::Or, Tok::Pipe),
                '&' => two(&mut lexer, '&', Tok::And, Tok::Expref),
                '<' => two(&mut lexer, '=', Tok::Lte, Tok::Lt),
                '>' => two(&mut lexer, '=', Tok::Gte, Tok::Gt),
                '!' => two(&mut lexer, '=', Tok::Ne, Tok::Not),
                '=' => {
                    if lexer.next() == Some('=') {
                        lexer.next();
                        (Tok::Eq, "==".to_string())
                    } else {
                        return Err(QueryError::new(
                            ErrorKind::Lexer,
                            start,
                            "Unknown token '='".into(),
                        ));
                    }
                }
                _ => {
                    return Err(QueryError::new(
                        ErrorKind::Lexer,
                        start,
                        format!("Unknown token {c}"),
                    ));
                }
            };
            Token { tok, start, value }
        };
        tokens.push(token);
    }
    tokens.push(Token {
        tok: Tok::Eof,
        start: lexer.chars.len(),
        value: String::new(),
    });
    Ok(tokens)
}

struct Lexer {
    chars: Vec<char>,
    pos: usize,
}

impl Lexer {
    fn current(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<char> {
        if self.pos < self.chars.len() {
            self.pos += 1;
        }
        self.current()
    }

    /// The text up to the closing `delimiter`, skipping it. A backslash keeps the next
    /// character (the delimiter included) and is kept itself.
    fn consume_until(&mut self, delimiter: char) -> Result<String, QueryError> {
        let start = self.pos;
        let mut text = String::new();
        self.next();
        loop {
            match self.current() {
                Some(c) if c == delimiter => break,
                Some('\\') => {
                    text.push('\\');
                    self.next();
                }
                _ => {}
            }
            match self.current() {
                None => {
                    return Err(QueryError::new(
                        ErrorKind::Lexer,
                        start,
                        format!("Unclosed {delimiter} delimiter"),
                    ));
                }
                Some(c) => {
                    text.push(c);
                    self.next();
                }
            }
        }
        self.next();
        Ok(text)
    }

    /// `` `JSON` ``; text that is not JSON is read as a JSON string's contents (the
    /// deprecated but common `` `foo` `` form).
    fn literal(&mut self) -> Result<Token, QueryError> {
        let start = self.pos;
        let lexeme = self.consume_until('`')?.replace("\\`", "`");
        let value = match serde_json::from_str::<Val>(&lexeme) {
            Ok(v) => Some(v),
            // JSON, but not a value held here (an integer beyond 64 bits): an error, not a
            // string.
            Err(_) if serde_json::from_str::<serde::de::IgnoredAny>(&lexeme).is_ok() => None,
            Err(_) => {
                let quoted = format!("\"{}\"", lexeme.trim_start());
                serde_json::from_str::<String>(&quoted).map(Val::Str).ok()
            }
        };
        match value {
            Some(value) => Ok(Token {
                value: crate::output::format::py_str(&value),
                tok: Tok::Literal(value),
                start,
            }),
            None => Err(QueryError::new(
                ErrorKind::Lexer,
                start,
                format!("Bad token {lexeme}"),
            )),
        }
    }

    /// `"..."`, a JSON string.
    fn quoted_identifier(&mut self) -> Result<Token, QueryError> {
        let start = self.pos;
        let lexeme = format!("\"{}\"", self.consume_until('"')?);
        match serde_json::from_str::<String>(&lexeme) {
            Ok(name) => Ok(Token {
                value: name.clone(),
                tok: Tok::QuotedIdentifier(name),
                start,
            }),
            Err(e) => {
                let message = if e.to_string().starts_with("control character") {
                    "Invalid control character at"
                } else {
                    "Invalid \\escape"
                };
                Err(QueryError::new(ErrorKind::Lexer, start, message.into()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(expression: &str) -> Vec<Tok> {
        tokenize(expression)
            .unwrap()
            .into_iter()
            .map(|t| t.tok)
            .collect()
    }

    #[test]
    fn tokens() {
        assert_eq!(
            toks("a.\"b c\"[0][-1:][?x>=`1`]|[]||&&!=!'r\\'s'"),
            vec![
                Tok::UnquotedIdentifier("a".into()),
                Tok::Dot,
                Tok::QuotedIdentifier("b c".into()),
                Tok::LBracket,
                Tok::Number(0),
                Tok::RBracket,
                Tok::LBracket,
                Tok::Number(-1),
                Tok::Colon,
                Tok::RBracket,
                Tok::Filter,
                Tok::UnquotedIdentifier("x".into()),
                Tok::Gte,
                Tok::Literal(Val::Num(crate::output::Number::Int(1))),
                Tok::RBracket,
                Tok::Pipe,
                Tok::Flatten,
                Tok::Or,
                Tok::And,
                Tok::Ne,
                Tok::Not,
                Tok::Literal(Val::Str("r's".into())),
                Tok::Eof,
            ]
        );
        // The deprecated literal form: not JSON, so a string.
        assert_eq!(
            toks("`foo bar`")[0],
            Tok::Literal(Val::Str("foo bar".into()))
        );
        assert_eq!(toks("` \"x\"`")[0], Tok::Literal(Val::Str("x".into())));
        assert_eq!(toks("`a\\`b`")[0], Tok::Literal(Val::Str("a`b".into())));
        // Raw strings keep other backslashes.
        assert_eq!(toks("'a\\\\b'")[0], Tok::Literal(Val::Str("a\\\\b".into())));
        assert_eq!(
            toks("\"\\u00e9\"")[0],
            Tok::QuotedIdentifier("\u{e9}".into())
        );
    }

    #[test]
    fn errors_name_the_position() {
        let err = |e: &str| {
            let e = tokenize(e).unwrap_err();
            (e.column, e.message.clone())
        };
        assert_eq!(err("a ^"), (2, "Unknown token ^".into()));
        assert_eq!(err("a = b"), (2, "Unknown token '='".into()));
        assert_eq!(err("a - b"), (2, "Unknown token '-'".into()));
        assert_eq!(err("a.`b"), (2, "Unclosed ` delimiter".into()));
        assert_eq!(err("'abc"), (0, "Unclosed ' delimiter".into()));
        assert_eq!(err("\"a\\"), (0, "Unclosed \" delimiter".into()));
        assert_eq!(err("`\"a`"), (0, "Bad token \"a".into()));
        assert_eq!(err("\"a\\q\""), (0, "Invalid \\escape".into()));
        assert_eq!(tokenize("").unwrap_err().kind, ErrorKind::Empty);
        let long = "a.".repeat(MAX_TOKENS) + "a";
        assert_eq!(tokenize(&long).unwrap_err().kind, ErrorKind::Other);
    }
}

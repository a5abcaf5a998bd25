//! `--query`: JMESPath (<https://jmespath.org/specification.html>) as the AWS CLI evaluates it
//! with the Python reference implementation: the whole grammar (identifiers, quoted too;
//! sub-expressions; index, slice, flatten and the `*` projections; filters with comparisons,
//! `&&`, `||`, `!`; multi-select lists and hashes; pipes; `@`; JSON literals and raw strings;
//! `&expr` for the functions that take one) and every built-in function.
//!
//! Where the reference implementation fails late or oddly, this one fails early and clearly:
//! an unknown function, a wrong number of arguments, a zero slice step or an `&expr` where no
//! function takes one is an error when the expression is read, before anything is sent; an
//! ordering comparison of a number with a string is `null` (the specification's answer)
//! instead of a crash. Errors name the column (counted in characters from 0).

mod eval;
mod functions;
mod lexer;
mod parser;

use std::fmt;

use kms_lite::error::{Escaped, escape_controls};

use super::Val;
use parser::Node;

/// A compiled expression.
#[derive(Debug, Clone)]
pub struct Query {
    expression: String,
    ast: Node,
}

impl Query {
    pub fn parse(expression: &str) -> Result<Query, QueryError> {
        let ast = lexer::tokenize(expression)
            .and_then(parser::parse)
            .map_err(|e| e.with_expression(expression))?;
        Ok(Query {
            expression: expression.to_owned(),
            ast,
        })
    }

    pub fn search(&self, value: &Val) -> Result<Val, QueryError> {
        eval::search(&self.ast, value).map_err(|e| e.with_expression(&self.expression))
    }
}

/// What kind of failure, which decides how it reads (the first four as the reference
/// implementation words them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// A character or literal that is not a token.
    Lexer,
    /// A token where the grammar does not allow it.
    Parse,
    /// The expression ends too early.
    Incomplete,
    /// An empty expression.
    Empty,
    /// Anything else: a function name, arity, argument type, a limit.
    Other,
}

/// A failed expression (boxed: results stay small on the recursive parser's stack).
#[derive(Debug, Clone, PartialEq)]
pub struct QueryError(Box<ErrorData>);

#[derive(Debug, Clone, PartialEq)]
pub struct ErrorData {
    pub kind: ErrorKind,
    /// Character position in the expression.
    pub column: usize,
    pub message: String,
    /// For a parse error: the token's value and type, as printed.
    token: Option<(String, &'static str)>,
    expression: String,
}

impl std::ops::Deref for QueryError {
    type Target = ErrorData;
    fn deref(&self) -> &ErrorData {
        &self.0
    }
}

impl QueryError {
    fn new(kind: ErrorKind, column: usize, message: String) -> QueryError {
        QueryError(Box::new(ErrorData {
            kind,
            column,
            message,
            token: None,
            expression: String::new(),
        }))
    }

    fn parse(column: usize, message: String, value: &str, type_name: &'static str) -> QueryError {
        let mut e = QueryError::new(ErrorKind::Parse, column, message);
        e.0.token = Some((value.to_owned(), type_name));
        e
    }

    fn with_expression(mut self, expression: &str) -> QueryError {
        expression.clone_into(&mut self.0.expression);
        if self.kind == ErrorKind::Incomplete {
            self.0.column = expression.chars().count();
        }
        self
    }
}

impl fmt::Display for QueryError {
    /// The expression, the message and the token are shown with their control characters
    /// escaped (an expression may come from a script's data), the caret under the escaped
    /// column.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let expr = escape_controls(&self.expression);
        let before: String = self.expression.chars().take(self.column).collect();
        let caret = escape_controls(&before).chars().count();
        let col = self.column;
        let under = |n: usize| format!("{}^", " ".repeat(n));
        let message = Escaped(&self.message);
        match self.kind {
            ErrorKind::Empty => f.write_str("Invalid JMESPath expression: cannot be empty."),
            ErrorKind::Lexer => write!(
                f,
                "Bad jmespath expression: {message}:\n{expr}\n{}",
                under(caret)
            ),
            ErrorKind::Incomplete => write!(
                f,
                "Invalid jmespath expression: Incomplete expression:\n\"{expr}\"\n{}",
                under(caret + 1)
            ),
            ErrorKind::Parse => {
                let (value, type_name) = self.token.clone().unwrap_or_default();
                let value = Escaped(&value);
                write!(
                    f,
                    "{message}: Parse error at column {col}, token \"{value}\" ({}), for expression:\n\"{expr}\"\n{}",
                    type_name.to_uppercase(),
                    under(caret + 1)
                )
            }
            ErrorKind::Other => write!(
                f,
                "{message} (at column {col}), for expression:\n\"{expr}\"\n{}",
                under(caret + 1)
            ),
        }
    }
}

#[cfg(test)]
mod tests;

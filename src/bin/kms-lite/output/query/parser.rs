//! The expression tree, built by a Pratt parser with the reference implementation's binding
//! powers (so every expression groups, projects and fails as it does there), then checked:
//! known functions with the right number of arguments, `&expr` only where a function takes
//! one, a slice step other than 0, and a bounded depth.

use super::functions::Func;
use super::lexer::{Tok, Token};
use super::{ErrorKind, QueryError};
use crate::output::Val;

#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Identity,
    Current,
    Field(String),
    Subexpression(Box<Node>, Box<Node>),
    /// The base, then indexes and slices applied in turn.
    IndexExpression(Vec<Node>),
    Index(i64),
    Slice(Option<i64>, Option<i64>, Option<i64>),
    /// A list projection: the right side applied to each element of the left side's list.
    Projection(Box<Node>, Box<Node>),
    /// `*`: the right side applied to each value of the left side's object.
    ValueProjection(Box<Node>, Box<Node>),
    FilterProjection {
        left: Box<Node>,
        right: Box<Node>,
        condition: Box<Node>,
    },
    Flatten(Box<Node>),
    Literal(Val),
    MultiSelectList(Vec<Node>),
    MultiSelectHash(Vec<(String, Node)>),
    Or(Box<Node>, Box<Node>),
    And(Box<Node>, Box<Node>),
    Not(Box<Node>),
    Comparator(Cmp, Box<Node>, Box<Node>),
    Pipe(Box<Node>, Box<Node>),
    Function {
        func: Func,
        args: Vec<Node>,
        /// Where the function's name starts, for errors.
        column: usize,
    },
    Expref(Box<Node>, usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Eq,
    Ne,
    Lt,
    Lte,
    Gt,
    Gte,
}

/// The deepest nesting accepted, of the parser's recursion and of the tree.
pub const MAX_DEPTH: usize = 256;

/// Binding powers below this stop a projection.
const PROJECTION_STOP: u8 = 10;

fn binding_power(t: &Tok) -> u8 {
    match t {
        Tok::Pipe => 1,
        Tok::Or => 2,
        Tok::And => 3,
        Tok::Eq | Tok::Ne | Tok::Lt | Tok::Lte | Tok::Gt | Tok::Gte => 5,
        Tok::Flatten => 9,
        Tok::Star => 20,
        Tok::Filter => 21,
        Tok::Dot => 40,
        Tok::Not => 45,
        Tok::LBrace => 50,
        Tok::LBracket => 55,
        Tok::LParen => 60,
        _ => 0,
    }
}

pub fn parse(tokens: Vec<Token>) -> Result<Node, QueryError> {
    let mut p = Parser {
        tokens,
        index: 0,
        depth: 0,
    };
    let node = p.expression(0)?;
    if p.current() != &Tok::Eof {
        let t = p.token(0).clone();
        return Err(QueryError::parse(
            t.start,
            format!("Unexpected token: {}", t.value),
            &t.value,
            t.tok.type_name(),
        ));
    }
    check(&node, false, 1)?;
    Ok(node)
}

struct Parser {
    tokens: Vec<Token>,
    index: usize,
    depth: usize,
}

impl Parser {
    /// The token `offset` places from the current one (the last, `eof`, past the end).
    fn token(&self, offset: isize) -> &Token {
        let i = self.index.saturating_add_signed(offset);
        &self.tokens[i.min(self.tokens.len() - 1)]
    }

    fn current(&self) -> &Tok {
        &self.token(0).tok
    }

    fn advance(&mut self) {
        self.index = (self.index + 1).min(self.tokens.len() - 1);
    }

    fn error_for(&self, token: &Token, reason: &str) -> QueryError {
        QueryError::parse(
            token.start,
            reason.into(),
            &token.value,
            token.tok.type_name(),
        )
    }

    fn expecting(&self, expected: &str) -> QueryError {
        let t = self.token(0);
        if t.tok == Tok::Eof {
            return QueryError::new(ErrorKind::Incomplete, t.start, String::new());
        }
        let reason = format!("Expecting: {expected}, got: {}", t.tok.type_name());
        self.error_for(t, &reason)
    }

    fn matches(&mut self, tok: Tok) -> Result<(), QueryError> {
        if *self.current() == tok {
            self.advance();
            Ok(())
        } else {
            Err(self.expecting(tok.type_name()))
        }
    }

    fn expression(&mut self, bp: u8) -> Result<Node, QueryError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(QueryError::new(
                ErrorKind::Other,
                self.token(0).start,
                format!("the expression nests more than {MAX_DEPTH} levels deep"),
            ));
        }
        let token = self.token(0).clone();
        self.advance();
        let mut left = self.nud(token)?;
        while bp < binding_power(self.current()) {
            let token = self.token(0).clone();
            self.advance();
            left = self.led(token, left)?;
        }
        self.depth -= 1;
        Ok(left)
    }

    fn nud(&mut self, token: Token) -> Result<Node, QueryError> {
        Ok(match token.tok {
            Tok::Literal(v) => Node::Literal(v),
            Tok::UnquotedIdentifier(name) => Node::Field(name),
            Tok::QuotedIdentifier(name) => {
                if *self.current() == Tok::LParen {
                    return Err(self.error_for(
                        self.token(0),
                        "Quoted identifier not allowed for function names.",
                    ));
                }
                Node::Field(name)
            }
            Tok::Star => {
                let right = if *self.current() == Tok::RBracket {
                    Node::Identity
                } else {
                    self.projection_rhs(binding_power(&Tok::Star))?
                };
                Node::ValueProjection(Box::new(Node::Identity), Box::new(right))
            }
            Tok::Filter => self.filter(Node::Identity)?,
            Tok::LBrace => self.multi_select_hash()?,
            Tok::LParen => {
                let e = self.expression(0)?;
                self.matches(Tok::RParen)?;
                e
            }
            Tok::Flatten => {
                let right = self.projection_rhs(binding_power(&Tok::Flatten))?;
                Node::Projection(
                    Box::new(Node::Flatten(Box::new(Node::Identity))),
                    Box::new(right),
                )
            }
            Tok::Not => Node::Not(Box::new(self.expression(binding_power(&Tok::Not))?)),
            Tok::LBracket => {
                if matches!(self.current(), Tok::Number(_) | Tok::Colon) {
                    let right = self.index_expression()?;
                    self.project_if_slice(Node::Identity, right)?
                } else if *self.current() == Tok::Star && self.token(1).tok == Tok::RBracket {
                    self.advance();
                    self.advance();
                    let right = self.projection_rhs(binding_power(&Tok::Star))?;
                    Node::Projection(Box::new(Node::Identity), Box::new(right))
                } else {
                    self.multi_select_list()?
                }
            }
            Tok::Current => Node::Current,
            Tok::Expref => Node::Expref(Box::new(self.expression(0)?), token.start),
            Tok::Eof => {
                return Err(QueryError::new(
                    ErrorKind::Incomplete,
                    token.start,
                    String::new(),
                ));
            }
            _ => return Err(self.error_for(&token, "invalid token")),
        })
    }

    fn led(&mut self, token: Token, left: Node) -> Result<Node, QueryError> {
        Ok(match token.tok {
            Tok::Dot => {
                if *self.current() == Tok::Star {
                    self.advance();
                    let right = self.projection_rhs(binding_power(&Tok::Dot))?;
                    Node::ValueProjection(Box::new(left), Box::new(right))
                } else {
                    let right = self.dot_rhs(binding_power(&Tok::Dot))?;
                    Node::Subexpression(Box::new(left), Box::new(right))
                }
            }
            Tok::Pipe => Node::Pipe(Box::new(left), Box::new(self.expression(1)?)),
            Tok::Or => Node::Or(Box::new(left), Box::new(self.expression(2)?)),
            Tok::And => Node::And(Box::new(left), Box::new(self.expression(3)?)),
            Tok::LParen => self.function(left)?,
            Tok::Filter => self.filter(left)?,
            Tok::Eq | Tok::Ne | Tok::Lt | Tok::Lte | Tok::Gt | Tok::Gte => {
                let cmp = match token.tok {
                    Tok::Eq => Cmp::Eq,
                    Tok::Ne => Cmp::Ne,
                    Tok::Lt => Cmp::Lt,
                    Tok::Lte => Cmp::Lte,
                    Tok::Gt => Cmp::Gt,
                    _ => Cmp::Gte,
                };
                let right = self.expression(5)?;
                Node::Comparator(cmp, Box::new(left), Box::new(right))
            }
            Tok::Flatten => {
                let right = self.projection_rhs(binding_power(&Tok::Flatten))?;
                Node::Projection(Box::new(Node::Flatten(Box::new(left))), Box::new(right))
            }
            Tok::LBracket => {
                if matches!(self.current(), Tok::Number(_) | Tok::Colon) {
                    let right = self.index_expression()?;
                    // An index after an index (not after a slice) extends the same
                    // expression, unprojected, as the reference implementation does.
                    if let Node::IndexExpression(mut children) = left {
                        children.push(right);
                        Node::IndexExpression(children)
                    } else {
                        self.project_if_slice(left, right)?
                    }
                } else {
                    self.matches(Tok::Star)?;
                    self.matches(Tok::RBracket)?;
                    let right = self.projection_rhs(binding_power(&Tok::Star))?;
                    Node::Projection(Box::new(left), Box::new(right))
                }
            }
            _ => return Err(self.error_for(&token, "invalid token")),
        })
    }

    fn function(&mut self, left: Node) -> Result<Node, QueryError> {
        let name_token = self.token(-2).clone();
        let Node::Field(name) = left else {
            return Err(self.error_for(
                &name_token,
                &format!("Invalid function name '{}'", name_token.value),
            ));
        };
        let mut args = Vec::new();
        while *self.current() != Tok::RParen {
            let e = self.expression(0)?;
            if *self.current() == Tok::Comma {
                self.advance();
            }
            args.push(e);
        }
        self.matches(Tok::RParen)?;
        let column = name_token.start;
        let func = Func::named(&name).ok_or_else(|| {
            QueryError::new(
                ErrorKind::Other,
                column,
                format!("Unknown function: {name}()"),
            )
        })?;
        func.check_arity(args.len())
            .map_err(|m| QueryError::new(ErrorKind::Other, column, m))?;
        Ok(Node::Function { func, args, column })
    }

    fn filter(&mut self, left: Node) -> Result<Node, QueryError> {
        let condition = self.expression(0)?;
        self.matches(Tok::RBracket)?;
        let right = if *self.current() == Tok::Flatten {
            Node::Identity
        } else {
            self.projection_rhs(binding_power(&Tok::Filter))?
        };
        Ok(Node::FilterProjection {
            left: Box::new(left),
            right: Box::new(right),
            condition: Box::new(condition),
        })
    }

    fn index_expression(&mut self) -> Result<Node, QueryError> {
        if self.token(0).tok == Tok::Colon || self.token(1).tok == Tok::Colon {
            return self.slice();
        }
        let Tok::Number(n) = *self.current() else {
            return Err(self.error_for(self.token(0), "syntax error"));
        };
        self.advance();
        self.matches(Tok::RBracket)?;
        Ok(Node::Index(n))
    }

    fn slice(&mut self) -> Result<Node, QueryError> {
        let mut parts = [None; 3];
        let mut step_column = 0;
        let mut index = 0;
        while *self.current() != Tok::RBracket && index < 3 {
            match *self.current() {
                Tok::Colon => {
                    index += 1;
                    if index == 3 {
                        return Err(self.error_for(self.token(0), "syntax error"));
                    }
                    self.advance();
                }
                Tok::Number(n) => {
                    parts[index] = Some(n);
                    step_column = self.token(0).start;
                    self.advance();
                }
                _ => return Err(self.error_for(self.token(0), "syntax error")),
            }
        }
        self.matches(Tok::RBracket)?;
        if parts[2] == Some(0) {
            return Err(QueryError::new(
                ErrorKind::Other,
                step_column,
                "Invalid slice: the step cannot be 0".into(),
            ));
        }
        Ok(Node::Slice(parts[0], parts[1], parts[2]))
    }

    fn project_if_slice(&mut self, left: Node, right: Node) -> Result<Node, QueryError> {
        let is_slice = matches!(right, Node::Slice(..));
        let index = Node::IndexExpression(vec![left, right]);
        if is_slice {
            let rhs = self.projection_rhs(binding_power(&Tok::Star))?;
            Ok(Node::Projection(Box::new(index), Box::new(rhs)))
        } else {
            Ok(index)
        }
    }

    fn projection_rhs(&mut self, bp: u8) -> Result<Node, QueryError> {
        match self.current() {
            t if binding_power(t) < PROJECTION_STOP => Ok(Node::Identity),
            Tok::LBracket | Tok::Filter => self.expression(bp),
            Tok::Dot => {
                self.advance();
                self.dot_rhs(bp)
            }
            _ => Err(self.error_for(self.token(0), "syntax error")),
        }
    }

    fn dot_rhs(&mut self, bp: u8) -> Result<Node, QueryError> {
        match self.current() {
            Tok::QuotedIdentifier(_) | Tok::UnquotedIdentifier(_) | Tok::Star => {
                self.expression(bp)
            }
            Tok::LBracket => {
                self.advance();
                self.multi_select_list()
            }
            Tok::LBrace => {
                self.advance();
                self.multi_select_hash()
            }
            t => {
                let reason = format!(
                    "Expecting: ['quoted_identifier', 'unquoted_identifier', 'lbracket', \
                     'lbrace'], got: {}",
                    t.type_name()
                );
                Err(self.error_for(self.token(0), &reason))
            }
        }
    }

    fn multi_select_list(&mut self) -> Result<Node, QueryError> {
        let mut items = Vec::new();
        loop {
            items.push(self.expression(0)?);
            if *self.current() == Tok::RBracket {
                break;
            }
            self.matches(Tok::Comma)?;
        }
        self.matches(Tok::RBracket)?;
        Ok(Node::MultiSelectList(items))
    }

    fn multi_select_hash(&mut self) -> Result<Node, QueryError> {
        let mut pairs = Vec::new();
        loop {
            let key = match self.current() {
                Tok::QuotedIdentifier(k) | Tok::UnquotedIdentifier(k) => k.clone(),
                _ => return Err(self.expecting("['quoted_identifier', 'unquoted_identifier']")),
            };
            self.advance();
            self.matches(Tok::Colon)?;
            let value = self.expression(0)?;
            pairs.push((key, value));
            match self.current() {
                Tok::Comma => self.advance(),
                Tok::RBrace => {
                    self.advance();
                    break;
                }
                _ => {}
            }
        }
        Ok(Node::MultiSelectHash(pairs))
    }
}

/// Checks what the grammar alone allows but evaluation could never use: `&expr` outside the
/// argument of a function that takes one (and a plain value where one is needed), and a tree
/// deeper than [`MAX_DEPTH`]. `expref_allowed` is whether `node` is such an argument.
fn check(node: &Node, expref_allowed: bool, depth: usize) -> Result<(), QueryError> {
    if depth > MAX_DEPTH {
        return Err(QueryError::new(
            ErrorKind::Other,
            0,
            format!("the expression nests more than {MAX_DEPTH} levels deep"),
        ));
    }
    let d = depth + 1;
    match node {
        Node::Expref(inner, column) => {
            if !expref_allowed {
                return Err(QueryError::new(
                    ErrorKind::Other,
                    *column,
                    "An expression reference (&expr) is only allowed as the argument of \
                     map(), sort_by(), min_by() or max_by() that takes one"
                        .into(),
                ));
            }
            check(inner, false, d)
        }
        Node::Function { func, args, column } => {
            for (i, arg) in args.iter().enumerate() {
                let wants = func.takes_expref(i);
                if wants && !matches!(arg, Node::Expref(..)) {
                    return Err(QueryError::new(
                        ErrorKind::Other,
                        *column,
                        format!(
                            "In function {}(), argument {} must be an expression reference \
                             (&expr)",
                            func.name(),
                            i + 1
                        ),
                    ));
                }
                check(arg, wants, d)?;
            }
            Ok(())
        }
        Node::Identity
        | Node::Current
        | Node::Field(_)
        | Node::Index(_)
        | Node::Slice(..)
        | Node::Literal(_) => Ok(()),
        Node::Subexpression(a, b)
        | Node::Projection(a, b)
        | Node::ValueProjection(a, b)
        | Node::Or(a, b)
        | Node::And(a, b)
        | Node::Comparator(_, a, b)
        | Node::Pipe(a, b) => {
            check(a, false, d)?;
            check(b, false, d)
        }
        Node::FilterProjection {
            left,
            right,
            condition,
        } => {
            check(left, false, d)?;
            check(right, false, d)?;
            check(condition, false, d)
        }
        Node::Flatten(a) | Node::Not(a) => check(a, false, d),
        Node::IndexExpression(items) | Node::MultiSelectList(items) => {
            items.iter().try_for_each(|n| check(n, false, d))
        }
        Node::MultiSelectHash(pairs) => pairs.iter().try_for_each(|(_, n)| check(n, false, d)),
    }
}

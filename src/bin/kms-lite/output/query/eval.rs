//! Evaluation, as the reference implementation's tree interpreter does it: a missing member,
//! an index out of range or a projection over something that is not a list is `null`; a
//! projection leaves out `null` results; `''`, `[]`, `{}`, `null` and `false` are false.
//!
//! Every value the evaluation copies or makes is charged to a budget, so that an expression
//! cannot build an exponentially large result (`{a:@,b:@}|{a:@,b:@}|...`).

use std::cmp::Ordering;

use super::functions;
use super::parser::{Cmp, Node};
use super::{ErrorKind, QueryError};
use crate::output::{Val, insert};

/// The most an evaluation may copy or make: values count one each, strings their length.
/// A KMS response is a few kilobytes; this leaves room for any real query, and bounds the
/// memory a hostile one can take to some hundred megabytes.
pub const BUDGET: usize = 4 << 20;

pub fn search(ast: &Node, value: &Val) -> Result<Val, QueryError> {
    let mut interp = Interp { budget: BUDGET };
    interp.visit(ast, value)
}

pub struct Interp {
    budget: usize,
}

impl Interp {
    fn spend(&mut self, units: usize) -> Result<(), QueryError> {
        self.budget = self.budget.checked_sub(units).ok_or_else(|| {
            QueryError::new(
                ErrorKind::Other,
                0,
                format!(
                    "the query would copy or build more than {} Mi values and string bytes; \
                     select less of the response",
                    BUDGET >> 20
                ),
            )
        })?;
        Ok(())
    }

    pub fn charge_str(&mut self, s: &str) -> Result<(), QueryError> {
        self.spend(1 + s.len())
    }

    /// A copy of `v`, charged.
    fn copy(&mut self, v: &Val) -> Result<Val, QueryError> {
        Ok(match v {
            Val::Str(s) => {
                self.charge_str(s)?;
                Val::Str(s.clone())
            }
            Val::List(items) => {
                self.spend(1)?;
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    out.push(self.copy(item)?);
                }
                Val::List(out)
            }
            Val::Object(members) => {
                self.spend(1)?;
                let mut out = Vec::with_capacity(members.len());
                for (k, item) in members {
                    self.charge_str(k)?;
                    out.push((k.clone(), self.copy(item)?));
                }
                Val::Object(out)
            }
            scalar => {
                self.spend(1)?;
                scalar.clone()
            }
        })
    }

    pub fn visit(&mut self, node: &Node, value: &Val) -> Result<Val, QueryError> {
        match node {
            Node::Identity | Node::Current => self.copy(value),
            Node::Field(name) => match value.get(name) {
                Some(v) => self.copy(v),
                None => Ok(Val::Null),
            },
            Node::Subexpression(left, right) | Node::Pipe(left, right) => {
                let base = self.visit(left, value)?;
                self.visit(right, &base)
            }
            Node::IndexExpression(children) => {
                let mut current = self.visit(&children[0], value)?;
                for child in &children[1..] {
                    current = self.visit(child, &current)?;
                }
                Ok(current)
            }
            Node::Index(i) => match value {
                Val::List(items) => {
                    let len = items.len() as i64;
                    let at = if *i < 0 { len + i } else { *i };
                    match usize::try_from(at).ok().and_then(|at| items.get(at)) {
                        Some(v) => self.copy(v),
                        None => Ok(Val::Null),
                    }
                }
                _ => Ok(Val::Null),
            },
            Node::Slice(start, stop, step) => match value {
                Val::List(items) => {
                    let mut out = Vec::new();
                    for i in slice_indices(items.len(), *start, *stop, *step) {
                        out.push(self.copy(&items[i])?);
                    }
                    Ok(Val::List(out))
                }
                _ => Ok(Val::Null),
            },
            Node::Projection(left, right) => {
                let Val::List(items) = self.visit(left, value)? else {
                    return Ok(Val::Null);
                };
                self.project(&items, right)
            }
            Node::ValueProjection(left, right) => {
                let Val::Object(members) = self.visit(left, value)? else {
                    return Ok(Val::Null);
                };
                let values: Vec<Val> = members.into_iter().map(|(_, v)| v).collect();
                self.project(&values, right)
            }
            Node::FilterProjection {
                left,
                right,
                condition,
            } => {
                let Val::List(items) = self.visit(left, value)? else {
                    return Ok(Val::Null);
                };
                let mut out = Vec::new();
                for item in &items {
                    if is_true(&self.visit(condition, item)?) {
                        let v = self.visit(right, item)?;
                        if v != Val::Null {
                            out.push(v);
                        }
                    }
                }
                Ok(Val::List(out))
            }
            Node::Flatten(inner) => {
                let Val::List(items) = self.visit(inner, value)? else {
                    return Ok(Val::Null);
                };
                let mut out = Vec::new();
                for item in items {
                    match item {
                        Val::List(inner) => out.extend(inner),
                        other => out.push(other),
                    }
                }
                Ok(Val::List(out))
            }
            Node::Literal(v) => self.copy(v),
            Node::MultiSelectList(items) => {
                if *value == Val::Null {
                    return Ok(Val::Null);
                }
                self.spend(1)?;
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    out.push(self.visit(item, value)?);
                }
                Ok(Val::List(out))
            }
            Node::MultiSelectHash(pairs) => {
                if *value == Val::Null {
                    return Ok(Val::Null);
                }
                self.spend(1)?;
                let mut out = Vec::with_capacity(pairs.len());
                for (key, item) in pairs {
                    self.charge_str(key)?;
                    let v = self.visit(item, value)?;
                    insert(&mut out, key.clone(), v);
                }
                Ok(Val::Object(out))
            }
            Node::Or(left, right) => {
                let l = self.visit(left, value)?;
                if is_true(&l) {
                    Ok(l)
                } else {
                    self.visit(right, value)
                }
            }
            Node::And(left, right) => {
                let l = self.visit(left, value)?;
                if is_true(&l) {
                    self.visit(right, value)
                } else {
                    Ok(l)
                }
            }
            Node::Not(inner) => {
                let v = self.visit(inner, value)?;
                // Numbers are true, 0 included.
                Ok(Val::Bool(!matches!(v, Val::Num(_)) && !is_true(&v)))
            }
            Node::Comparator(cmp, left, right) => {
                let l = self.visit(left, value)?;
                let r = self.visit(right, value)?;
                Ok(match cmp {
                    Cmp::Eq => Val::Bool(equals(&l, &r)),
                    Cmp::Ne => Val::Bool(!equals(&l, &r)),
                    _ => match compare_ordered(&l, &r) {
                        None => Val::Null,
                        Some(o) => Val::Bool(match cmp {
                            Cmp::Lt => o == Ordering::Less,
                            Cmp::Lte => o != Ordering::Greater,
                            Cmp::Gt => o == Ordering::Greater,
                            _ => o != Ordering::Less,
                        }),
                    },
                })
            }
            Node::Function { func, args, column } => {
                let mut values = Vec::with_capacity(args.len());
                for arg in args {
                    values.push(match arg {
                        // Taken unevaluated by the function.
                        Node::Expref(..) => Val::Null,
                        arg => self.visit(arg, value)?,
                    });
                }
                functions::call(self, *func, args, values, *column)
            }
            // The parser allows `&expr` only as a function's argument, handled above.
            Node::Expref(_, column) => Err(QueryError::new(
                ErrorKind::Other,
                *column,
                "An expression reference (&expr) is not a value".into(),
            )),
        }
    }

    fn project(&mut self, items: &[Val], right: &Node) -> Result<Val, QueryError> {
        let mut out = Vec::new();
        for item in items {
            let v = self.visit(right, item)?;
            if v != Val::Null {
                out.push(v);
            }
        }
        Ok(Val::List(out))
    }
}

/// JMESPath truth: everything but `''`, `[]`, `{}`, `null` and `false`.
pub fn is_true(v: &Val) -> bool {
    !matches!(v, Val::Null | Val::Bool(false))
        && !matches!(v, Val::Str(s) if s.is_empty())
        && !matches!(v, Val::List(l) if l.is_empty())
        && !matches!(v, Val::Object(o) if o.is_empty())
}

/// Equality as the specification defines it: same type and value, objects regardless of key
/// order, `1 == 1.0`, a boolean never equal to a number.
pub fn equals(a: &Val, b: &Val) -> bool {
    match (a, b) {
        (Val::List(x), Val::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| equals(p, q))
        }
        (Val::Object(x), Val::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| b.get(k).is_some_and(|w| equals(v, w)))
        }
        _ => a == b,
    }
}

/// The order of two numbers or two strings (by code point); `None` for any other pair (and
/// for NaN).
pub fn compare_ordered(a: &Val, b: &Val) -> Option<Ordering> {
    match (a, b) {
        (Val::Num(x), Val::Num(y)) => match (x, y) {
            (crate::output::Number::Int(i), crate::output::Number::Int(j)) => Some(i.cmp(j)),
            _ => x.as_f64().partial_cmp(&y.as_f64()),
        },
        (Val::Str(x), Val::Str(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

/// The indices Python's `list[start:stop:step]` selects.
fn slice_indices(
    len: usize,
    start: Option<i64>,
    stop: Option<i64>,
    step: Option<i64>,
) -> Vec<usize> {
    let len = len as i64;
    let step = step.unwrap_or(1);
    let clamp = |v: Option<i64>, default: i64| -> i64 {
        match v {
            None => default,
            Some(v) if v < 0 => {
                let v = v.saturating_add(len);
                if v < 0 {
                    if step < 0 { -1 } else { 0 }
                } else {
                    v
                }
            }
            Some(v) if v >= len => {
                if step < 0 {
                    len - 1
                } else {
                    len
                }
            }
            Some(v) => v,
        }
    };
    let (start, stop) = if step > 0 {
        (clamp(start, 0), clamp(stop, len))
    } else {
        (clamp(start, len - 1), clamp(stop, -1))
    };
    let mut out = Vec::new();
    let mut i = start;
    while (step > 0 && i < stop) || (step < 0 && i > stop) {
        out.push(i as usize);
        i = match i.checked_add(step) {
            Some(n) => n,
            None => break,
        };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_select_as_python_does() {
        let s = |start, stop, step| slice_indices(5, start, stop, step);
        assert_eq!(s(None, None, None), vec![0, 1, 2, 3, 4]);
        assert_eq!(s(Some(1), Some(3), None), vec![1, 2]);
        assert_eq!(s(Some(-2), None, None), vec![3, 4]);
        assert_eq!(s(None, None, Some(-1)), vec![4, 3, 2, 1, 0]);
        assert_eq!(s(None, None, Some(2)), vec![0, 2, 4]);
        assert_eq!(s(Some(10), None, None), Vec::<usize>::new());
        assert_eq!(s(Some(-10), Some(2), None), vec![0, 1]);
        assert_eq!(s(Some(10), None, Some(-2)), vec![4, 2, 0]);
        assert_eq!(s(Some(3), Some(-10), Some(-1)), vec![3, 2, 1, 0]);
        assert_eq!(s(Some(i64::MIN), Some(i64::MAX), Some(i64::MAX)), vec![0]);
        assert_eq!(slice_indices(0, None, None, Some(-1)), Vec::<usize>::new());
    }
}

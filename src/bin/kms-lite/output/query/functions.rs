//! The JMESPath built-in functions, with the reference implementation's argument types,
//! results (an integer stays an integer: `ceil(1.5)` is `2`, `sum([1, 2])` is `3`) and type
//! errors. A type error names the function and the types, never the value (it may be a
//! plaintext).

use super::eval::{Interp, compare_ordered, equals};
use super::parser::Node;
use super::{ErrorKind, QueryError};
use crate::output::{Number, Val, insert};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    Abs,
    Avg,
    Ceil,
    Contains,
    EndsWith,
    Floor,
    Join,
    Keys,
    Length,
    Map,
    Max,
    MaxBy,
    Merge,
    Min,
    MinBy,
    NotNull,
    Reverse,
    Sort,
    SortBy,
    StartsWith,
    Sum,
    ToArray,
    ToNumber,
    ToString,
    Type,
    Values,
}

const ALL: [(Func, &str); 26] = [
    (Func::Abs, "abs"),
    (Func::Avg, "avg"),
    (Func::Ceil, "ceil"),
    (Func::Contains, "contains"),
    (Func::EndsWith, "ends_with"),
    (Func::Floor, "floor"),
    (Func::Join, "join"),
    (Func::Keys, "keys"),
    (Func::Length, "length"),
    (Func::Map, "map"),
    (Func::Max, "max"),
    (Func::MaxBy, "max_by"),
    (Func::Merge, "merge"),
    (Func::Min, "min"),
    (Func::MinBy, "min_by"),
    (Func::NotNull, "not_null"),
    (Func::Reverse, "reverse"),
    (Func::Sort, "sort"),
    (Func::SortBy, "sort_by"),
    (Func::StartsWith, "starts_with"),
    (Func::Sum, "sum"),
    (Func::ToArray, "to_array"),
    (Func::ToNumber, "to_number"),
    (Func::ToString, "to_string"),
    (Func::Type, "type"),
    (Func::Values, "values"),
];

/// A JMESPath type, as errors name it.
fn type_name(v: &Val) -> &'static str {
    match v {
        Val::Null => "null",
        Val::Bool(_) => "boolean",
        Val::Num(_) => "number",
        Val::Str(_) => "string",
        Val::List(_) => "array",
        Val::Object(_) => "object",
    }
}

impl Func {
    pub fn named(name: &str) -> Option<Func> {
        ALL.iter().find(|(_, n)| *n == name).map(|(f, _)| *f)
    }

    pub fn name(self) -> &'static str {
        ALL.iter().find(|(f, _)| *f == self).map_or("", |(_, n)| n)
    }

    /// The number of parameters, and whether the last repeats.
    fn arity(self) -> (usize, bool) {
        use Func::*;
        match self {
            Merge | NotNull => (1, true),
            Contains | EndsWith | Join | Map | MaxBy | MinBy | SortBy | StartsWith => (2, false),
            _ => (1, false),
        }
    }

    pub fn check_arity(self, given: usize) -> Result<(), String> {
        let (n, variadic) = self.arity();
        let plural = if n == 1 { "argument" } else { "arguments" };
        if variadic && given < n {
            return Err(format!(
                "Expected at least {n} {plural} for function {}(), received {given}",
                self.name()
            ));
        }
        if !variadic && given != n {
            return Err(format!(
                "Expected {n} {plural} for function {}(), received {given}",
                self.name()
            ));
        }
        Ok(())
    }

    /// Whether parameter `i` is an expression reference (`&expr`).
    pub fn takes_expref(self, i: usize) -> bool {
        matches!(
            (self, i),
            (Func::Map, 0) | (Func::SortBy | Func::MinBy | Func::MaxBy, 1)
        )
    }
}

/// The error for an argument of the wrong type.
fn type_error(func: Func, column: usize, expected: &[&str], got: &Val) -> QueryError {
    let expected: Vec<String> = expected.iter().map(|t| format!("'{t}'")).collect();
    QueryError::new(
        ErrorKind::Other,
        column,
        format!(
            "In function {}(), invalid type for value, expected one of: [{}], received: \"{}\"",
            func.name(),
            expected.join(", "),
            type_name(got)
        ),
    )
}

fn other(column: usize, message: String) -> QueryError {
    QueryError::new(ErrorKind::Other, column, message)
}

/// `array-number` or `array-string`: all numbers, or all strings (an empty list is either).
#[derive(PartialEq, Eq)]
enum Homogeneous {
    Numbers,
    Strings,
}

fn homogeneous(items: &[Val]) -> Option<Homogeneous> {
    match items.first() {
        None | Some(Val::Num(_)) if items.iter().all(|v| matches!(v, Val::Num(_))) => {
            Some(Homogeneous::Numbers)
        }
        Some(Val::Str(_)) if items.iter().all(|v| matches!(v, Val::Str(_))) => {
            Some(Homogeneous::Strings)
        }
        _ => None,
    }
}

/// Python's `sum` of numbers: exact integers until a float joins in.
fn add(a: Number, b: Number, column: usize) -> Result<Number, QueryError> {
    match (a, b) {
        (Number::Int(x), Number::Int(y)) => x
            .checked_add(y)
            .map(Number::Int)
            .ok_or_else(|| other(column, "In function sum(), the sum overflows".into())),
        _ => Ok(Number::Float(a.as_f64() + b.as_f64())),
    }
}

/// A float rounded by `f` as Python's `math.ceil`/`math.floor`: an integer.
fn to_int(f: f64, func: Func, column: usize) -> Result<Val, QueryError> {
    if f.is_finite() && f.abs() < 9.2e18 {
        Ok(Val::Num(Number::Int(f as i64)))
    } else {
        Err(other(
            column,
            format!("In function {}(), the result is out of range", func.name()),
        ))
    }
}

/// A string as `to_number` reads it, as Python's `int()` then `float()` do: surrounding
/// whitespace, a sign, `_` between digits; `inf` and `nan`; else `null`.
fn parse_number(s: &str) -> Val {
    let t = s.trim();
    let b = t.as_bytes();
    let underscores_ok = b.iter().enumerate().all(|(i, &c)| {
        c != b'_'
            || (i > 0 && b[i - 1].is_ascii_digit() && b.get(i + 1).is_some_and(u8::is_ascii_digit))
    });
    if !underscores_ok {
        return Val::Null;
    }
    let t: String = t.chars().filter(|&c| c != '_').collect();
    let unsigned = t.strip_prefix(['+', '-']).unwrap_or(&t);
    if !unsigned.is_empty() && unsigned.bytes().all(|c| c.is_ascii_digit()) {
        if let Ok(i) = t.parse::<i64>() {
            return Val::Num(Number::Int(i));
        }
    }
    match t.parse::<f64>() {
        Ok(f) => Val::Num(Number::Float(f)),
        Err(_) => Val::Null,
    }
}

/// Calls `func` on the evaluated `args` (exprefs unevaluated, in `nodes`).
pub fn call(
    interp: &mut Interp,
    func: Func,
    nodes: &[Node],
    args: Vec<Val>,
    column: usize,
) -> Result<Val, QueryError> {
    let bad = |expected: &[&str], got: &Val| type_error(func, column, expected, got);
    let mut args = args;
    let count = args.len();
    let mut take = |i: usize| {
        args.get_mut(i)
            .map_or(Val::Null, |v| std::mem::replace(v, Val::Null))
    };
    let expref = |i: usize| match nodes.get(i) {
        Some(Node::Expref(inner, _)) => Ok(inner.as_ref()),
        _ => Err(other(column, "an expression reference was expected".into())),
    };
    Ok(match func {
        Func::Abs => match take(0) {
            Val::Num(Number::Int(i)) => {
                Val::Num(Number::Int(i.checked_abs().ok_or_else(|| {
                    other(column, "In function abs(), out of range".into())
                })?))
            }
            Val::Num(Number::Float(f)) => Val::Num(Number::Float(f.abs())),
            v => return Err(bad(&["number"], &v)),
        },
        Func::Avg => match take(0) {
            Val::List(items) if homogeneous(&items) == Some(Homogeneous::Numbers) => {
                if items.is_empty() {
                    Val::Null
                } else {
                    let mut total = Number::Int(0);
                    for v in &items {
                        if let Val::Num(n) = v {
                            total = add(total, *n, column)?;
                        }
                    }
                    Val::Num(Number::Float(total.as_f64() / items.len() as f64))
                }
            }
            v => return Err(bad(&["array-number"], &v)),
        },
        Func::Ceil | Func::Floor => match take(0) {
            Val::Num(Number::Int(i)) => Val::Num(Number::Int(i)),
            Val::Num(Number::Float(f)) => to_int(
                if func == Func::Ceil {
                    f.ceil()
                } else {
                    f.floor()
                },
                func,
                column,
            )?,
            v => return Err(bad(&["number"], &v)),
        },
        Func::Contains => {
            let subject = take(0);
            let search = take(1);
            match subject {
                Val::List(items) => Val::Bool(items.iter().any(|v| equals(v, &search))),
                Val::Str(s) => Val::Bool(matches!(&search, Val::Str(t) if s.contains(t.as_str()))),
                v => return Err(bad(&["array", "string"], &v)),
            }
        }
        Func::EndsWith | Func::StartsWith => {
            let (subject, affix) = (take(0), take(1));
            match (&subject, &affix) {
                (Val::Str(s), Val::Str(a)) => Val::Bool(if func == Func::EndsWith {
                    s.ends_with(a.as_str())
                } else {
                    s.starts_with(a.as_str())
                }),
                (Val::Str(_), v) | (v, _) => return Err(bad(&["string"], v)),
            }
        }
        Func::Join => {
            let (sep, list) = (take(0), take(1));
            let Val::Str(sep) = sep else {
                return Err(bad(&["string"], &sep));
            };
            match list {
                Val::List(items)
                    if homogeneous(&items) != Some(Homogeneous::Numbers) || items.is_empty() =>
                {
                    let parts: Vec<&str> = items
                        .iter()
                        .filter_map(|v| match v {
                            Val::Str(s) => Some(s.as_str()),
                            _ => None,
                        })
                        .collect();
                    if parts.len() != items.len() {
                        return Err(bad(&["array-string"], &Val::List(items)));
                    }
                    let joined = parts.join(&sep);
                    interp.charge_str(&joined)?;
                    Val::Str(joined)
                }
                v => return Err(bad(&["array-string"], &v)),
            }
        }
        Func::Keys | Func::Values => match take(0) {
            Val::Object(members) => Val::List(
                members
                    .into_iter()
                    .map(|(k, v)| if func == Func::Keys { Val::Str(k) } else { v })
                    .collect(),
            ),
            v => return Err(bad(&["object"], &v)),
        },
        Func::Length => match take(0) {
            Val::Str(s) => Val::Num(Number::Int(s.chars().count() as i64)),
            Val::List(items) => Val::Num(Number::Int(items.len() as i64)),
            Val::Object(members) => Val::Num(Number::Int(members.len() as i64)),
            v => return Err(bad(&["string", "array", "object"], &v)),
        },
        Func::Map => {
            let expr = expref(0)?;
            match take(1) {
                Val::List(items) => {
                    let mut out = Vec::with_capacity(items.len());
                    for item in &items {
                        out.push(interp.visit(expr, item)?);
                    }
                    Val::List(out)
                }
                v => return Err(bad(&["array"], &v)),
            }
        }
        Func::Max | Func::Min => match take(0) {
            Val::List(items) if homogeneous(&items).is_some() => {
                let mut best: Option<Val> = None;
                for item in items {
                    let better = match &best {
                        None => true,
                        Some(b) => {
                            let ord = compare_ordered(&item, b);
                            if func == Func::Max {
                                ord == Some(std::cmp::Ordering::Greater)
                            } else {
                                ord == Some(std::cmp::Ordering::Less)
                            }
                        }
                    };
                    if better {
                        best = Some(item);
                    }
                }
                best.unwrap_or(Val::Null)
            }
            v => return Err(bad(&["array-number", "array-string"], &v)),
        },
        Func::MaxBy | Func::MinBy | Func::SortBy => {
            let list = take(0);
            let expr = expref(1)?;
            let Val::List(items) = list else {
                return Err(bad(&["array"], &list));
            };
            let mut keyed = Vec::with_capacity(items.len());
            let mut kind: Option<bool> = None; // Some(true): numbers, Some(false): strings
            for item in items {
                let key = interp.visit(expr, &item)?;
                let is_number = match &key {
                    Val::Num(_) => true,
                    Val::Str(_) => false,
                    v => return Err(bad(&["number", "string"], v)),
                };
                if *kind.get_or_insert(is_number) != is_number {
                    let expected = if is_number { "string" } else { "number" };
                    return Err(bad(&[expected], &key));
                }
                keyed.push((key, item));
            }
            match func {
                Func::SortBy => {
                    keyed.sort_by(|a, b| {
                        compare_ordered(&a.0, &b.0).unwrap_or(std::cmp::Ordering::Equal)
                    });
                    Val::List(keyed.into_iter().map(|(_, v)| v).collect())
                }
                _ => {
                    let want = if func == Func::MaxBy {
                        std::cmp::Ordering::Greater
                    } else {
                        std::cmp::Ordering::Less
                    };
                    let mut best: Option<(Val, Val)> = None;
                    for (key, item) in keyed {
                        let better = best
                            .as_ref()
                            .is_none_or(|(k, _)| compare_ordered(&key, k) == Some(want));
                        if better {
                            best = Some((key, item));
                        }
                    }
                    best.map_or(Val::Null, |(_, v)| v)
                }
            }
        }
        Func::Merge => {
            let mut merged = Vec::new();
            for i in 0..count {
                match take(i) {
                    Val::Object(members) => {
                        for (k, item) in members {
                            insert(&mut merged, k, item);
                        }
                    }
                    // The reference implementation checks only the first argument's type and
                    // merges an empty string or list as nothing.
                    Val::Str(s) if i > 0 && s.is_empty() => {}
                    Val::List(l) if i > 0 && l.is_empty() => {}
                    v => return Err(bad(&["object"], &v)),
                }
            }
            Val::Object(merged)
        }
        Func::NotNull => (0..count)
            .map(&mut take)
            .find(|v| *v != Val::Null)
            .unwrap_or(Val::Null),
        Func::Reverse => match take(0) {
            Val::Str(s) => Val::Str(s.chars().rev().collect()),
            Val::List(mut items) => {
                items.reverse();
                Val::List(items)
            }
            v => return Err(bad(&["array", "string"], &v)),
        },
        Func::Sort => match take(0) {
            Val::List(mut items) if homogeneous(&items).is_some() => {
                items.sort_by(|a, b| compare_ordered(a, b).unwrap_or(std::cmp::Ordering::Equal));
                Val::List(items)
            }
            v => return Err(bad(&["array-string", "array-number"], &v)),
        },
        Func::Sum => match take(0) {
            Val::List(items) if homogeneous(&items) == Some(Homogeneous::Numbers) => {
                let mut total = Number::Int(0);
                for v in &items {
                    if let Val::Num(n) = v {
                        total = add(total, *n, column)?;
                    }
                }
                Val::Num(total)
            }
            v => return Err(bad(&["array-number"], &v)),
        },
        Func::ToArray => match take(0) {
            Val::List(items) => Val::List(items),
            v => Val::List(vec![v]),
        },
        Func::ToNumber => match take(0) {
            Val::Num(n) => Val::Num(n),
            Val::Str(s) => parse_number(&s),
            _ => Val::Null,
        },
        Func::ToString => match take(0) {
            Val::Str(s) => Val::Str(s),
            v => {
                let out = crate::output::format::json_compact(&v);
                interp.charge_str(&out)?;
                Val::Str(out)
            }
        },
        Func::Type => Val::Str(type_name(&take(0)).into()),
    })
}

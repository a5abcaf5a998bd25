//! `--output text`, as the AWS CLI's `awscli/text.py` writes it: a scalar on its own line;
//! an object's scalar members on one tab-separated line in key order, then each list or
//! object member under its key upper-cased as an identifier; a list of scalars on one line
//! (or one `IDENTIFIER\tvalue` line each under a key); a list of objects one line each, with
//! the scalar columns of all of them.

use super::py_str;
use crate::output::Val;

pub fn render(v: &Val) -> Result<String, String> {
    let mut out = String::new();
    item(v, None, None, &mut out)?;
    Ok(out)
}

fn item(
    v: &Val,
    identifier: Option<&str>,
    scalar_keys: Option<&[&str]>,
    out: &mut String,
) -> Result<(), String> {
    match v {
        Val::Object(members) => object(members, identifier, scalar_keys, out),
        Val::List(items) => list(items, identifier, out),
        _ => {
            out.push_str(&py_str(v));
            out.push('\n');
            Ok(())
        }
    }
}

fn list(items: &[Val], identifier: Option<&str>, out: &mut String) -> Result<(), String> {
    if items.is_empty() {
        return Ok(());
    }
    if items.iter().any(|e| matches!(e, Val::Object(_))) {
        let keys = all_scalar_keys(items)?;
        for e in items {
            item(e, identifier, Some(&keys), out)?;
        }
    } else if items.iter().any(|e| matches!(e, Val::List(_))) {
        let (scalars, others): (Vec<&Val>, Vec<&Val>) =
            items.iter().partition(|e| !e.is_container());
        if !scalars.is_empty() {
            scalar_list(&scalars, identifier, out);
        }
        for e in others {
            item(e, identifier, None, out)?;
        }
    } else {
        scalar_list(&items.iter().collect::<Vec<_>>(), identifier, out);
    }
    Ok(())
}

fn scalar_list(items: &[&Val], identifier: Option<&str>, out: &mut String) {
    match identifier {
        Some(id) => {
            for e in items {
                out.push_str(&id.to_uppercase());
                out.push('\t');
                out.push_str(&py_str(e));
                out.push('\n');
            }
        }
        None => {
            let cells: Vec<String> = items.iter().map(|e| py_str(e)).collect();
            out.push_str(&cells.join("\t"));
            out.push('\n');
        }
    }
}

fn object(
    members: &[(String, Val)],
    identifier: Option<&str>,
    scalar_keys: Option<&[&str]>,
    out: &mut String,
) -> Result<(), String> {
    let mut cells = Vec::new();
    let mut others: Vec<&(String, Val)> = Vec::new();
    match scalar_keys {
        None => {
            let mut sorted: Vec<&(String, Val)> = members.iter().collect();
            sorted.sort_by(|a, b| a.0.cmp(&b.0));
            for m in sorted {
                if m.1.is_container() {
                    others.push(m);
                } else {
                    cells.push(py_str(&m.1));
                }
            }
        }
        Some(keys) => {
            for k in keys {
                let cell = members.iter().find(|(m, _)| m == k).map(|(_, v)| py_str(v));
                cells.push(cell.unwrap_or_default());
            }
            others = members
                .iter()
                .filter(|(k, _)| !keys.contains(&k.as_str()))
                .collect();
            others.sort_by(|a, b| a.0.cmp(&b.0));
        }
    }
    if !cells.is_empty() {
        if let Some(id) = identifier {
            cells.insert(0, id.to_uppercase());
        }
        out.push_str(&cells.join("\t"));
        out.push('\n');
    }
    for (k, v) in others {
        item(v, Some(k), None, out)?;
    }
    Ok(())
}

/// The keys holding a scalar in any of the objects, sorted. Every element must be an object
/// (the AWS CLI fails on a list mixing objects with other values).
fn all_scalar_keys(items: &[Val]) -> Result<Vec<&str>, String> {
    let mut keys: Vec<&str> = Vec::new();
    for e in items {
        let Val::Object(members) = e else {
            return Err(
                "the text output cannot show a list that mixes objects with other \
                        values; use --output json"
                    .into(),
            );
        };
        for (k, v) in members {
            if !v.is_container() && !keys.contains(&k.as_str()) {
                keys.push(k);
            }
        }
    }
    keys.sort_unstable();
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::super::tests::{obj, s};
    use super::*;
    use crate::output::Number;

    #[test]
    fn scalars_then_nested_members_under_upper_case_identifiers() {
        let v = obj(&[
            ("Zeta", s("z")),
            ("Alpha", Val::Null),
            ("Flag", Val::Bool(true)),
            ("List", Val::List(vec![s("a"), s("b")])),
            (
                "Nested",
                obj(&[
                    ("B", Val::Num(Number::Int(2))),
                    ("A", Val::Num(Number::Float(1.0))),
                ]),
            ),
        ]);
        assert_eq!(
            render(&v).unwrap(),
            "None\tTrue\tz\nLIST\ta\nLIST\tb\nNESTED\t1.0\t2\n"
        );
    }

    #[test]
    fn lists_of_objects_share_their_scalar_columns() {
        let v = obj(&[(
            "Users",
            Val::List(vec![
                obj(&[
                    ("Name", s("a")),
                    ("Id", s("1")),
                    ("Tags", Val::List(vec![s("t")])),
                ]),
                obj(&[("Name", s("b")), ("Extra", Val::Bool(false))]),
            ]),
        )]);
        assert_eq!(
            render(&v).unwrap(),
            "USERS\t\t1\ta\nTAGS\tt\nUSERS\tFalse\t\tb\n"
        );
    }

    #[test]
    fn bare_lists_and_scalars() {
        assert_eq!(render(&s("x")).unwrap(), "x\n");
        assert_eq!(render(&Val::Null).unwrap(), "None\n");
        assert_eq!(render(&Val::List(vec![])).unwrap(), "");
        assert_eq!(render(&Val::Object(vec![])).unwrap(), "");
        assert_eq!(
            render(&Val::List(vec![s("a"), Val::Num(Number::Int(1))])).unwrap(),
            "a\t1\n"
        );
        // Scalars first on one line, then each inner list.
        assert_eq!(
            render(&Val::List(vec![
                Val::List(vec![s("x"), s("y")]),
                s("a"),
                Val::List(vec![s("z")])
            ]))
            .unwrap(),
            "a\nx\ty\nz\n"
        );
        // A key scalar in one object and a list in another: the list is a Python repr cell.
        assert_eq!(
            render(&Val::List(vec![
                obj(&[("k", s("v"))]),
                obj(&[("k", Val::List(vec![s("x")]))]),
            ]))
            .unwrap(),
            "v\n['x']\n"
        );
        assert!(render(&Val::List(vec![obj(&[]), s("x")])).is_err());
    }
}

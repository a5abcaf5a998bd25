//! `--output table`, as the AWS CLI draws it (`awscli/formatter.py` TableFormatter building a
//! `awscli/table.py` MultiTable, colour off): a section per object or list, titled with the
//! operation name or the member's key; an object's scalar members as one header row and one
//! value row (keys sorted), a single scalar member as a key/value row; a list of objects as
//! one row each under the union of their scalar keys; nested members as indented sections.
//! Columns are sized to their widest cell and scaled to the widest section; when the table
//! is wider than the terminal, every one-row section turns into key/value rows.
//!
//! The terminal width is 80 unless stdout is a terminal and `COLUMNS` says otherwise (the AWS
//! CLI asks the terminal; a program cannot without `unsafe` code, which this crate forbids).

use std::io::IsTerminal;

use super::py_str;
use super::width::text_width;
use crate::output::Val;

pub fn render(value: &Val, operation: &str) -> Result<String, String> {
    render_with_width(value, operation, terminal_width())
}

/// 80 columns, or `COLUMNS` when stdout is a terminal.
fn terminal_width() -> i64 {
    if std::io::stdout().is_terminal() {
        if let Some(n) = std::env::var("COLUMNS")
            .ok()
            .and_then(|v| v.trim().parse::<i64>().ok())
            .filter(|n| (1..=10_000).contains(n))
        {
            return n;
        }
    }
    80
}

fn render_with_width(value: &Val, operation: &str, terminal_width: i64) -> Result<String, String> {
    let mut table = Table::default();
    if !table.build(Some(operation), value, 0)? {
        return Ok(String::new());
    }
    Ok(table.render(terminal_width))
}

const SHAPE: &str = "the table output cannot show this value (a list mixing objects with other \
                     values, or rows of different lengths); use --output json, or --query to \
                     select part of it";

#[derive(Default)]
struct Section {
    /// `None` for a section Python titles with `None` (no title line, but four columns wide).
    title: Option<String>,
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
    indent_level: i64,
    num_cols: Option<usize>,
    max_widths: Vec<i64>,
}

impl Section {
    fn titled(title: Option<&str>, indent_level: i64) -> Section {
        Section {
            title: title.map(str::to_owned),
            indent_level,
            ..Section::default()
        }
    }

    fn title_width(&self) -> i64 {
        self.title.as_deref().map_or(4, text_width) as i64
    }

    fn add_header(&mut self, headers: Vec<String>) -> Result<(), String> {
        self.update_max_widths(&headers)?;
        self.num_cols.get_or_insert(headers.len());
        self.headers = headers;
        Ok(())
    }

    fn add_row(&mut self, row: Vec<String>) -> Result<(), String> {
        if *self.num_cols.get_or_insert(row.len()) != row.len() {
            return Err(SHAPE.into());
        }
        self.update_max_widths(&row)?;
        self.rows.push(row);
        Ok(())
    }

    fn update_max_widths(&mut self, row: &[String]) -> Result<(), String> {
        if self.max_widths.is_empty() {
            self.max_widths = row.iter().map(|c| text_width(c) as i64).collect();
            return Ok(());
        }
        for (i, cell) in row.iter().enumerate() {
            let w = self.max_widths.get_mut(i).ok_or(SHAPE)?;
            *w = (*w).max(text_width(cell) as i64);
        }
        Ok(())
    }

    /// Each column's width plus `padding`, scaled so that they add up to `max_width`
    /// (Python's `round`, ties to even, then off-by-one corrections from the left, or from
    /// the right when short).
    fn column_widths(&self, padding: i64, max_width: i64) -> Vec<i64> {
        let unscaled: Vec<i64> = self.max_widths.iter().map(|w| w + padding).collect();
        if unscaled.is_empty() {
            return unscaled;
        }
        let scale = max_width as f64 / unscaled.iter().sum::<i64>() as f64;
        let mut scaled: Vec<i64> = unscaled
            .iter()
            .map(|&w| (scale * w as f64).round_ties_even() as i64)
            .collect();
        let mut off_by = scaled.iter().sum::<i64>() - max_width;
        while off_by != 0 {
            let n = scaled.len();
            for k in 0..n {
                let i = if off_by < 0 { n - 1 - k } else { k };
                if off_by > 0 {
                    scaled[i] -= 1;
                    off_by -= 1;
                } else {
                    scaled[i] += 1;
                    off_by += 1;
                }
                if off_by == 0 {
                    break;
                }
            }
        }
        scaled
    }

    /// The width the section needs: its columns padded by 4 plus the borders and indentation,
    /// or its title's.
    fn total_width(&self) -> i64 {
        let outer = 2 + 2 * self.indent_level;
        let columns: i64 = self.max_widths.iter().map(|w| w + 4).sum();
        (self.title_width() + outer).max(columns + outer)
    }
}

#[derive(Default)]
struct Table {
    sections: Vec<Section>,
}

impl Table {
    fn current(&mut self) -> &mut Section {
        if self.sections.is_empty() {
            self.sections.push(Section::default());
        }
        let last = self.sections.len() - 1;
        &mut self.sections[last]
    }

    fn new_section(&mut self, title: Option<&str>, indent_level: i64) {
        self.sections.push(Section::titled(title, indent_level));
    }

    fn add_row(&mut self, row: &[&Val]) -> Result<(), String> {
        self.current()
            .add_row(row.iter().map(|v| py_str(v)).collect())
    }

    /// Adds `current` under `title`; false when it is empty or false, which prints nothing.
    fn build(&mut self, title: Option<&str>, current: &Val, indent: i64) -> Result<bool, String> {
        if current.is_falsy() {
            return Ok(false);
        }
        if let Some(t) = title {
            self.new_section(Some(t), indent);
        }
        match current {
            Val::List(items) if matches!(items.first(), Some(Val::Object(_))) => {
                self.list_of_objects(items, indent, title)?;
            }
            Val::List(items) => {
                for item in items {
                    match item {
                        Val::List(inner) if inner.iter().all(|e| !e.is_container()) => {
                            self.add_row(&inner.iter().collect::<Vec<_>>())?;
                        }
                        // Python iterates an object's keys here: a row of them.
                        Val::Object(members) => {
                            let row = members.iter().map(|(k, _)| py_str(&Val::Str(k.clone())));
                            self.current().add_row(row.collect())?;
                        }
                        Val::List(_) => {
                            self.build(None, item, 0)?;
                        }
                        scalar => self.add_row(&[scalar])?,
                    }
                }
            }
            Val::Object(members) => self.object(members, indent)?,
            _ => {}
        }
        Ok(true)
    }

    fn object(&mut self, members: &[(String, Val)], indent: i64) -> Result<(), String> {
        let (headers, more) = scalar_keys(members);
        let value = |k: &str| members.iter().find(|(m, _)| m == k).map(|(_, v)| v);
        if let [only] = headers.as_slice() {
            let cell = value(only).map(py_str).unwrap_or_default();
            self.current().add_row(vec![only.to_string(), cell])?;
        } else if !headers.is_empty() {
            self.current()
                .add_header(headers.iter().map(|h| h.to_string()).collect())?;
            let row: Vec<&Val> = headers.iter().filter_map(|h| value(h)).collect();
            self.add_row(&row)?;
        }
        for key in more {
            if let Some(v) = value(key) {
                self.build(Some(key), v, indent + 1)?;
            }
        }
        Ok(())
    }

    fn list_of_objects(
        &mut self,
        items: &[Val],
        indent: i64,
        title: Option<&str>,
    ) -> Result<(), String> {
        let mut headers: Vec<&str> = Vec::new();
        let mut more: Vec<&str> = Vec::new();
        // Python looks into every element as if it were an object: an empty string or list
        // has nothing to look at and passes, anything else that is not an object fails.
        let nothing_to_look_at = |v: &Val| {
            matches!(v, Val::Str(s) if s.is_empty()) || matches!(v, Val::List(l) if l.is_empty())
        };
        for item in items {
            let members = match item {
                Val::Object(members) => members.as_slice(),
                v if nothing_to_look_at(v) => &[],
                _ => return Err(SHAPE.into()),
            };
            let (h, m) = scalar_keys(members);
            for k in h {
                if !headers.contains(&k) {
                    headers.push(k);
                }
            }
            for k in m {
                if !more.contains(&k) {
                    more.push(k);
                }
            }
        }
        headers.sort_unstable();
        more.sort_unstable();
        let header_row = || headers.iter().map(|h| h.to_string()).collect::<Vec<_>>();
        self.current().add_header(header_row())?;
        for (i, item) in items.iter().enumerate() {
            let members = match item {
                Val::Object(members) => members.as_slice(),
                // Its row is empty when there are no columns; with columns Python fails.
                _ if headers.is_empty() => &[],
                _ => return Err(SHAPE.into()),
            };
            if i > 0 && !more.is_empty() {
                self.new_section(title, indent);
                self.current().add_header(header_row())?;
            }
            let cell = |h: &str| {
                members
                    .iter()
                    .find(|(k, _)| k == h)
                    .map_or(String::new(), |(_, v)| py_str(v))
            };
            let row = headers.iter().map(|h| cell(h)).collect();
            self.current().add_row(row)?;
            for key in &more {
                if let Some((_, v)) = members.iter().find(|(k, _)| k == key) {
                    self.build(Some(key), v, indent + 1)?;
                }
            }
        }
        Ok(())
    }

    fn max_width(&self) -> i64 {
        self.sections
            .iter()
            .map(Section::total_width)
            .max()
            .unwrap_or(0)
    }

    fn render(mut self, terminal_width: i64) -> String {
        let mut max_width = self.max_width();
        if max_width > terminal_width {
            for s in &mut self.sections {
                if s.rows.len() == 1 && !s.headers.is_empty() {
                    let mut vertical = Section::titled(s.title.as_deref(), s.indent_level);
                    for (h, cell) in s.headers.iter().zip(&s.rows[0]) {
                        // Two columns in every row: cannot fail.
                        let _ = vertical.add_row(vec![h.clone(), cell.clone()]);
                    }
                    *s = vertical;
                }
            }
            max_width = self.max_width();
        }
        let mut out = String::new();
        out.push_str(&"-".repeat(max_width.max(0) as usize));
        out.push('\n');
        for s in &self.sections {
            render_section(s, max_width, &mut out);
        }
        out
    }
}

/// The scalar members' keys and the others', each sorted.
fn scalar_keys(members: &[(String, Val)]) -> (Vec<&str>, Vec<&str>) {
    let (mut scalars, mut others): (Vec<&str>, Vec<&str>) = (Vec::new(), Vec::new());
    for (k, v) in members {
        if v.is_container() {
            others.push(k);
        } else {
            scalars.push(k);
        }
    }
    scalars.sort_unstable();
    others.sort_unstable();
    (scalars, others)
}

fn spaces(n: i64) -> String {
    " ".repeat(n.max(0) as usize)
}

/// A line of the section, inside one `|` per indentation level on each side.
fn line(indent: i64, content: &str, out: &mut String) {
    let bars = "|".repeat(indent.max(0) as usize);
    out.push_str(&bars);
    out.push_str(content);
    out.push_str(&bars);
    out.push('\n');
}

fn center(text: &str, length: i64, left: &str, right: &str) -> String {
    let text_len = text_width(text) as i64;
    let start = length.div_euclid(2) - text_len.div_euclid(2) - 1;
    let so_far = left.len() as i64 + start + text_len;
    let right_spaces = length - right.len() as i64 - so_far;
    format!(
        "{left}{}{text}{}{right}",
        spaces(start),
        spaces(right_spaces)
    )
}

fn align_left(text: &str, length: i64, left: &str, right: &str) -> String {
    let text_len = text_width(text) as i64;
    let needed = text_len + 2 + left.len() as i64 + right.len() as i64;
    let padding = if length - needed >= 0 { 2 } else { 0 };
    let so_far = left.len() as i64 + padding + text_len;
    format!(
        "{left}{}{text}{}{right}",
        spaces(padding),
        spaces(length - so_far - right.len() as i64)
    )
}

fn line_break(widths: &[i64]) -> String {
    let mut s = String::new();
    for (i, &w) in widths.iter().enumerate() {
        if i == 0 {
            s.push('+');
            s.push_str(&"-".repeat((w - 2).max(0) as usize));
        } else {
            s.push_str(&"-".repeat((w - 1).max(0) as usize));
        }
        s.push('+');
    }
    s
}

/// A row of cells in their columns, each laid out by `cell(text, width, left edge, right
/// edge)`: only the first has a left edge.
fn cells(widths: &[i64], texts: &[String], cell: fn(&str, i64, &str, &str) -> String) -> String {
    let mut line = String::new();
    for (i, (w, text)) in widths.iter().zip(texts).enumerate() {
        line.push_str(&cell(text, *w, if i == 0 { "|" } else { "" }, "|"));
    }
    line
}

fn render_section(s: &Section, max_width: i64, out: &mut String) {
    let indent = s.indent_level;
    let width = max_width - indent * 2;
    if let Some(title) = s.title.as_deref().filter(|t| !t.is_empty()) {
        line(indent, &center(title, width, "|", "|"), out);
        if s.headers.is_empty() && s.rows.is_empty() {
            line(
                indent,
                &format!("+{}+", "-".repeat((width - 2).max(0) as usize)),
                out,
            );
        }
    }
    if !s.headers.is_empty() {
        let widths = s.column_widths(4, width);
        line(indent, &line_break(&widths), out);
        line(indent, &cells(&widths, &s.headers, center), out);
    }
    if !s.rows.is_empty() {
        let widths = s.column_widths(4, width);
        if widths.is_empty() {
            return;
        }
        line(indent, &line_break(&widths), out);
        for row in &s.rows {
            line(indent, &cells(&widths, row, align_left), out);
        }
        line(indent, &line_break(&widths), out);
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{obj, s};
    use super::*;
    use crate::output::Number;

    fn table(v: &Val) -> String {
        render_with_width(v, "ReEncrypt", 80).unwrap()
    }

    #[test]
    fn scalars_in_a_header_row_and_a_value_row_nested_members_in_indented_sections() {
        let v = obj(&[
            ("KeyId", s("k1")),
            ("EncryptionAlgorithm", s("SYMMETRIC_DEFAULT")),
            (
                "Nested",
                obj(&[
                    ("A", Val::Num(Number::Int(1))),
                    (
                        "B",
                        Val::List(vec![Val::Num(Number::Int(1)), Val::Num(Number::Int(2))]),
                    ),
                ]),
            ),
            (
                "L",
                Val::List(vec![
                    obj(&[("x", Val::Num(Number::Int(1))), ("y", s("a"))]),
                    obj(&[("x", Val::Num(Number::Int(2))), ("z", Val::Bool(true))]),
                ]),
            ),
        ]);
        assert_eq!(
            table(&v),
            "\
----------------------------------
|            ReEncrypt           |
+----------------------+---------+
|  EncryptionAlgorithm |  KeyId  |
+----------------------+---------+
|  SYMMETRIC_DEFAULT   |  k1     |
+----------------------+---------+
||               L              ||
|+-------+--------+-------------+|
||   x   |   y    |      z      ||
|+-------+--------+-------------+|
||  1    |  a     |             ||
||  2    |        |  True       ||
|+-------+--------+-------------+|
||            Nested            ||
|+--------------+---------------+|
||  A           |  1            ||
|+--------------+---------------+|
|||              B             |||
||+----------------------------+||
|||  1                         |||
|||  2                         |||
||+----------------------------+||
"
        );
    }

    #[test]
    fn a_table_wider_than_the_terminal_turns_one_row_sections_into_key_value_rows() {
        let blob = "AQICAHh+".repeat(12);
        let v = obj(&[
            ("CiphertextBlob", s(&blob)),
            ("KeyId", s("arn:aws:kms:us-east-1:111122223333:key/new")),
            ("EncryptionAlgorithm", s("SYMMETRIC_DEFAULT")),
        ]);
        let got = render_with_width(&v, "Encrypt", 80).unwrap();
        let want = format!(
            "\
{dashes}
|{title}|
+---------------------+{bar}+
|  CiphertextBlob     |  {blob}   |
|  EncryptionAlgorithm|  SYMMETRIC_DEFAULT{pad1}|
|  KeyId              |  arn:aws:kms:us-east-1:111122223333:key/new{pad2}|
+---------------------+{bar}+
",
            dashes = "-".repeat(125),
            title = " ".repeat(58) + "Encrypt" + &" ".repeat(58),
            bar = "-".repeat(101),
            pad1 = " ".repeat(82),
            pad2 = " ".repeat(57),
        );
        assert_eq!(got, want);
    }

    #[test]
    fn scalars_falsy_values_and_lists_of_scalars() {
        // A scalar shows only the title; a falsy value prints nothing.
        assert_eq!(table(&s("k1")), "-----------\n|ReEncrypt|\n+---------+\n");
        for falsy in [
            Val::Null,
            Val::Bool(false),
            Val::Num(Number::Int(0)),
            Val::Num(Number::Float(0.0)),
            s(""),
            Val::List(vec![]),
            Val::Object(vec![]),
        ] {
            assert_eq!(table(&falsy), "");
        }
        assert_eq!(
            table(&Val::List(vec![s("a"), s("bb")])),
            "\
-----------
|ReEncrypt|
+---------+
|  a      |
|  bb     |
+---------+
"
        );
        // One scalar member: a key/value row.
        assert_eq!(
            table(&obj(&[("KeyId", s("k"))])),
            "\
----------------
|   ReEncrypt  |
+--------+-----+
|  KeyId |  k  |
+--------+-----+
"
        );
    }

    #[test]
    fn shapes_python_cannot_draw_are_errors() {
        // Rows of different lengths.
        let v = Val::List(vec![s("a"), Val::List(vec![s("b"), s("c")])]);
        assert_eq!(render_with_width(&v, "X", 80), Err(SHAPE.into()));
        // A list of objects with a string in it.
        let v = Val::List(vec![obj(&[("a", s("b"))]), s("c")]);
        assert_eq!(render_with_width(&v, "X", 80), Err(SHAPE.into()));
        let v = Val::List(vec![obj(&[("a", s("b"))]), s("")]);
        assert_eq!(render_with_width(&v, "X", 80), Err(SHAPE.into()));
        // Unless Python has nothing to look at: an empty string or list, and no columns.
        let v = Val::List(vec![obj(&[]), s(""), Val::List(vec![])]);
        // Three empty rows: no closing border.
        assert_eq!(render_with_width(&v, "X", 80), Ok("---\n|X|\n".into()));
    }
}

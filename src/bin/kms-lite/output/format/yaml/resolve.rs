//! Which plain scalars would read back as something other than a string: ruamel.yaml's
//! implicit resolvers for YAML 1.2 (the set its dumper uses), each tried only for the first
//! characters ruamel registers it under. A string that matches is quoted.

/// Whether the plain scalar `s` would resolve to null, a boolean, an integer, a float, a
/// timestamp, a merge key (`<<`), a value key (`=`) or the `!`/`&`/`*` indicators.
pub fn resolves_implicitly(s: &str) -> bool {
    let b = s.as_bytes();
    let Some(&first) = b.first() else {
        return true; // null
    };
    match first {
        b'~' => s == "~",
        b'n' | b'N' => matches!(s, "null" | "Null" | "NULL"),
        b't' | b'T' | b'f' | b'F' => {
            matches!(s, "true" | "True" | "TRUE" | "false" | "False" | "FALSE")
        }
        b'<' => s == "<<",
        b'=' => s == "=",
        b'!' | b'&' | b'*' => s.len() == 1,
        b'.' => is_float(b),
        b'-' | b'+' => is_float(b) || is_int(b),
        b'0'..=b'9' => is_float(b) || is_int(b) || is_timestamp(b),
        _ => false,
    }
}

/// A position in a byte string, for matching one pattern left to right.
struct Cursor<'a> {
    b: &'a [u8],
    p: usize,
}

impl<'a> Cursor<'a> {
    fn new(b: &'a [u8]) -> Cursor<'a> {
        Cursor { b, p: 0 }
    }

    fn rest(&self) -> &'a [u8] {
        &self.b[self.p..]
    }

    fn at_end(&self) -> bool {
        self.p == self.b.len()
    }

    /// Takes `c` if it is next.
    fn byte(&mut self, c: u8) -> bool {
        let found = self.rest().first() == Some(&c);
        self.p += usize::from(found);
        found
    }

    /// Takes a run of bytes satisfying `f`, at most `max` of them; whether at least `min`.
    fn run(&mut self, min: usize, max: usize, f: impl Fn(u8) -> bool) -> bool {
        let n = self.rest().iter().take(max).take_while(|&&c| f(c)).count();
        self.p += n;
        n >= min
    }

    fn digits(&mut self, min: usize, max: usize) -> bool {
        self.run(min, max, |c| c.is_ascii_digit())
    }

    fn sign(&mut self) -> bool {
        self.byte(b'-') || self.byte(b'+')
    }
}

fn digit_or_underscore(c: u8) -> bool {
    c.is_ascii_digit() || c == b'_'
}

/// `[eE][-+]?[0-9]+` up to the end (the sign required when `signed`).
fn exponent_to_end(c: &mut Cursor<'_>, signed: bool) -> bool {
    (c.byte(b'e') || c.byte(b'E')) && (c.sign() || !signed) && c.digits(1, usize::MAX) && c.at_end()
}

/// `[-+]?(digit[digit_]*\.[digit_]*(exp)? | digit[digit_]*exp | \.[digit_]+(exp with sign)?
/// | \.inf)` or `\.nan`, with their case variants.
fn is_float(b: &[u8]) -> bool {
    if matches!(b, b".nan" | b".NaN" | b".NAN") {
        return true;
    }
    let mut c = Cursor::new(b);
    c.sign();
    if matches!(c.rest(), b".inf" | b".Inf" | b".INF") {
        return true;
    }
    if c.byte(b'.') {
        return c.run(1, usize::MAX, digit_or_underscore)
            && (c.at_end() || exponent_to_end(&mut c, true));
    }
    if !c.digits(1, 1) {
        return false;
    }
    c.run(0, usize::MAX, digit_or_underscore);
    if c.byte(b'.') {
        c.run(0, usize::MAX, digit_or_underscore);
        return c.at_end() || exponent_to_end(&mut c, false);
    }
    exponent_to_end(&mut c, false)
}

/// `[-+]?` then `0b[01_]+`, `0o?[0-7_]+`, `[0-9_]+` or `0x[0-9a-fA-F_]+`, to the end.
fn is_int(b: &[u8]) -> bool {
    let whole = |prefix: &[u8], f: fn(u8) -> bool| {
        let mut c = Cursor::new(b);
        c.sign();
        prefix.iter().all(|&p| c.byte(p)) && c.run(1, usize::MAX, f) && c.at_end()
    };
    whole(b"", digit_or_underscore)
        || whole(b"0b", |c| matches!(c, b'0' | b'1' | b'_'))
        || whole(b"0o", |c| matches!(c, b'0'..=b'7' | b'_'))
        || whole(b"0x", |c| c.is_ascii_hexdigit() || c == b'_')
}

/// `YYYY-MM-DD`, or `YYYY-M-D`, `T`/`t`/blanks, `H:MM:SS`, an optional fraction, and an
/// optional `Z` or `±H[:MM]` after optional blanks.
fn is_timestamp(b: &[u8]) -> bool {
    let blank = |c: u8| c == b' ' || c == b'\t';
    let mut c = Cursor::new(b);
    if c.digits(4, 4)
        && c.byte(b'-')
        && c.digits(2, 2)
        && c.byte(b'-')
        && c.digits(2, 2)
        && c.at_end()
    {
        return true;
    }
    let mut c = Cursor::new(b);
    let date = c.digits(4, 4) && c.byte(b'-') && c.digits(1, 2) && c.byte(b'-') && c.digits(1, 2);
    let separator = date && (c.byte(b'T') || c.byte(b't') || c.run(1, usize::MAX, blank));
    let time = separator
        && c.digits(1, 2)
        && c.byte(b':')
        && c.digits(2, 2)
        && c.byte(b':')
        && c.digits(2, 2);
    if !time {
        return false;
    }
    if c.byte(b'.') {
        c.digits(0, usize::MAX);
    }
    if c.at_end() {
        return true;
    }
    c.run(0, usize::MAX, blank);
    if c.byte(b'Z') {
        return c.at_end();
    }
    c.sign() && c.digits(1, 2) && (!c.byte(b':') || c.digits(2, 2)) && c.at_end()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_reads_back_as_another_type() {
        for s in [
            "",
            "~",
            "null",
            "NULL",
            "true",
            "False",
            "<<",
            "=",
            "!",
            "&",
            "*",
            "0",
            "-1",
            "+_",
            "1_000",
            "0777",
            "0o17",
            "0b101",
            "0x1F",
            "1.",
            "1.5",
            ".5",
            "-.5e+3",
            "1e5",
            "1E-5",
            "1_0.5_",
            ".inf",
            "-.Inf",
            ".nan",
            "2014-10-16",
            "2014-1-6 1:02:03",
            "2001-12-14t21:59:43.10-05:00",
            "2001-12-14 21:59:43.10 -5",
            "2001-12-14T21:59:43Z",
            "2001-12-14T21:59:43 Z",
        ] {
            assert!(resolves_implicitly(s), "{s:?}");
        }
        for s in [
            "yes",
            "on",
            "tRue",
            "nULL",
            "1:20",
            "1e",
            ".e5",
            ".5e5",
            "-",
            "+",
            "_1",
            "0x",
            "0b2",
            "0o8",
            "+.nan",
            ".Nan",
            "!!",
            "<",
            "2014-10-16 ",
            "2014-1-6",
            "2014-10-16T21:59",
            "2014-10-16T21:59:43+",
            "2014-10-16T21:59:43+05:",
            "2014-10-16T21:59:43 ",
            "12345-10-16",
            "AQIDBA==",
            "a1b2",
            "d1c6b1d3f1e2a3b4",
        ] {
            assert!(!resolves_implicitly(s), "{s:?}");
        }
    }
}

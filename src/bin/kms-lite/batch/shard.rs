//! `--shard`: which items of the input a run takes, so that N runs (machines, array jobs) split
//! one input without talking to each other.

use crate::files;

/// `--shard K/N`: the items whose number `i` (from 1) has `(i - 1) % N == K - 1`, `1 <= K <= N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub k: u64,
    pub n: u64,
}

/// What `--shard` accepts, for messages.
const EXPECTED: &str = "expected K/N with 1 <= K <= N (for example 2/8), or env:VAR/N to take \
                        the shard's index, counted from 0, from the variable VAR";

impl Shard {
    /// Every item.
    pub const ALL: Shard = Shard { k: 1, n: 1 };

    /// Parses `K/N`.
    pub fn parse(s: &str) -> Option<Shard> {
        let (k, n) = s.split_once('/')?;
        let (k, n) = (number(k)?, number(n)?);
        (1..=n).contains(&k).then_some(Shard { k, n })
    }

    /// Parses the value of `--shard`: `K/N`, or `env:VAR/N`, which takes `K - 1` from the
    /// variable `VAR` read through `env`: a Kubernetes Indexed Job sets `JOB_COMPLETION_INDEX`,
    /// an AWS Batch array job `AWS_BATCH_JOB_ARRAY_INDEX`, both counted from 0. So one command
    /// line serves every member of the job.
    pub fn from_arg(s: &str, env: impl Fn(&str) -> Option<String>) -> Result<Shard, String> {
        let Some(rest) = s.strip_prefix("env:") else {
            return Shard::parse(s).ok_or_else(|| EXPECTED.to_owned());
        };
        let (var, n) = rest.split_once('/').ok_or_else(|| EXPECTED.to_owned())?;
        let n = number(n).filter(|n| *n >= 1);
        let (Some(n), true) = (n, is_variable_name(var)) else {
            return Err(EXPECTED.to_owned());
        };
        let Some(value) = env(var) else {
            return Err(format!(
                "{var} is not set (env:{var}/{n} takes the shard's index, counted from 0, \
                 from it)"
            ));
        };
        match number(value.trim()) {
            Some(i) if i < n => Ok(Shard { k: i + 1, n }),
            _ => Err(format!(
                "{var} is {}, not an index from 0 to {}",
                files::escape(value.chars().take(32).collect::<String>().as_bytes()),
                n - 1
            )),
        }
    }

    /// Whether item `i` (from 1) belongs to this shard.
    pub fn holds(&self, i: u64) -> bool {
        (i - 1) % self.n == self.k - 1
    }

    /// Whether some item belongs to both shards: `K - 1` and `K' - 1` agree modulo
    /// `gcd(N, N')`.
    pub fn overlaps(&self, other: &Shard) -> bool {
        let g = gcd(self.n, other.n);
        (self.k - 1) % g == (other.k - 1) % g
    }
}

fn number(t: &str) -> Option<u64> {
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

fn is_variable_name(v: &str) -> bool {
    let mut bytes = v.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(var: &str) -> Option<String> {
        match var {
            "JOB_COMPLETION_INDEX" => Some("2".into()),
            "AWS_BATCH_JOB_ARRAY_INDEX" => Some(" 0\n".into()),
            "BIG" => Some("8".into()),
            "HOSTILE" => Some("\x1b[2J".into()),
            _ => None,
        }
    }

    #[test]
    fn the_index_comes_from_a_variable_counted_from_zero() {
        assert_eq!(
            Shard::from_arg("env:JOB_COMPLETION_INDEX/8", env),
            Ok(Shard { k: 3, n: 8 })
        );
        assert_eq!(
            Shard::from_arg("env:AWS_BATCH_JOB_ARRAY_INDEX/2", env),
            Ok(Shard { k: 1, n: 2 })
        );
        assert_eq!(Shard::from_arg("3/8", env), Ok(Shard { k: 3, n: 8 }));
        assert_eq!(
            Shard::from_arg("env:BIG/8", env),
            Err("BIG is 8, not an index from 0 to 7".into())
        );
        assert_eq!(
            Shard::from_arg("env:HOSTILE/8", env),
            Err("HOSTILE is \\u{1b}[2J, not an index from 0 to 7".into())
        );
        assert!(
            Shard::from_arg("env:UNSET/8", env)
                .unwrap_err()
                .starts_with("UNSET is not set")
        );
        for bad in [
            "env:/8",
            "env:X/0",
            "env:X",
            "env:1X/2",
            "env:X-Y/2",
            "0/3",
            "4/3",
        ] {
            assert_eq!(Shard::from_arg(bad, env), Err(EXPECTED.into()), "{bad}");
        }
    }

    #[test]
    fn overlapping_shards() {
        let s = |k, n| Shard { k, n };
        assert!(s(1, 2).overlaps(&s(1, 3))); // item 1
        assert!(s(2, 4).overlaps(&s(2, 2))); // item 2
        assert!(!s(1, 2).overlaps(&s(2, 4))); // odd and even items
        assert!(!s(1, 3).overlaps(&s(2, 3)));
        assert!(Shard::ALL.overlaps(&s(5, 7)));
        // Checked against the definition for small N.
        for (n1, n2) in [(2, 3), (4, 6), (3, 9)] {
            for k1 in 1..=n1 {
                for k2 in 1..=n2 {
                    let (a, b) = (s(k1, n1), s(k2, n2));
                    let brute = (1..=n1 * n2).any(|i| a.holds(i) && b.holds(i));
                    assert_eq!(a.overlaps(&b), brute, "{a:?} {b:?}");
                }
            }
        }
    }
}

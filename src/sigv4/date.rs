//! The `X-Amz-Date` timestamp, formatted by hand without allocation.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

/// First second representable with a four-digit year: `0000-01-01T00:00:00Z`.
const MIN_UNIX: i64 = -62_167_219_200;
/// Last second representable with a four-digit year: `9999-12-31T23:59:59Z`.
const MAX_UNIX: i64 = 253_402_300_799;

/// A SigV4 timestamp, `YYYYMMDD'T'HHMMSS'Z'` in UTC (for example `20150830T123600Z`).
///
/// Sixteen ASCII bytes held inline: no allocation. The same instant gives both the
/// `X-Amz-Date` header value ([`AmzDate::as_str`]) and the credential-scope date
/// ([`AmzDate::date`]).
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use kms_lite::__private::sigv4::amz_date;
///
/// let d = amz_date(UNIX_EPOCH + Duration::from_secs(1_440_938_160));
/// assert_eq!(d.as_str(), "20150830T123600Z");
/// assert_eq!(d.date(), "20150830");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AmzDate([u8; 16]);

/// Formats `t` (UTC) as a SigV4 timestamp, truncating sub-second precision.
///
/// Instants before the year 0000 or after 9999 cannot be written with four digits and are
/// clamped to `00000101T000000Z` and `99991231T235959Z`.
pub fn amz_date(t: SystemTime) -> AmzDate {
    let secs = match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => {
            // Before the epoch: round towards negative infinity, as a clock would.
            let d = e.duration();
            let s = i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
            let s = if d.subsec_nanos() > 0 {
                s.saturating_add(1)
            } else {
                s
            };
            -s
        }
    };
    AmzDate::from_unix_seconds(secs)
}

impl AmzDate {
    /// The timestamp for `secs` seconds since 1970-01-01T00:00:00Z (negative before it),
    /// clamped to the years 0000..=9999 like [`amz_date`].
    pub fn from_unix_seconds(secs: i64) -> AmzDate {
        let secs = secs.clamp(MIN_UNIX, MAX_UNIX);
        let days = secs.div_euclid(86_400);
        let sod = secs.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        // After clamping, 0 <= year <= 9999, so every field fits its digits.
        let year = year.clamp(0, 9999) as u32;
        let (h, m, s) = (
            (sod / 3600) as u32,
            (sod / 60 % 60) as u32,
            (sod % 60) as u32,
        );

        let mut b = *b"00000000T000000Z";
        put_digits(&mut b[0..4], year);
        put_digits(&mut b[4..6], month);
        put_digits(&mut b[6..8], day);
        put_digits(&mut b[9..11], h);
        put_digits(&mut b[11..13], m);
        put_digits(&mut b[13..15], s);
        AmzDate(b)
    }

    /// The full timestamp, `YYYYMMDD'T'HHMMSS'Z'`: the `X-Amz-Date` header value.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits, 'T' and 'Z' are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("00000000T000000Z")
    }

    /// The date part, `YYYYMMDD`: the first element of the credential scope.
    pub fn date(&self) -> &str {
        &self.as_str()[..8]
    }

    /// The timestamp as its 16 ASCII bytes.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }
}

impl fmt::Display for AmzDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for AmzDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("AmzDate").field(&self.as_str()).finish()
    }
}

/// Writes `v` as zero-padded decimal filling `out`.
fn put_digits(out: &mut [u8], mut v: u32) {
    for slot in out.iter_mut().rev() {
        *slot = b'0' + (v % 10) as u8;
        v /= 10;
    }
}

/// Proleptic Gregorian (year, month, day) of a day count since 1970-01-01
/// (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11], March-based
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn at(secs: i64) -> String {
        AmzDate::from_unix_seconds(secs).as_str().to_owned()
    }

    #[test]
    fn known_instants() {
        assert_eq!(at(0), "19700101T000000Z");
        assert_eq!(at(1_440_938_160), "20150830T123600Z");
        assert_eq!(at(1_795_915_460), "20261129T012420Z");
        // Year 2000 (a leap year although divisible by 100) and its leap day.
        assert_eq!(at(946_684_800), "20000101T000000Z");
        assert_eq!(at(951_782_400), "20000229T000000Z");
        assert_eq!(at(951_868_799), "20000229T235959Z");
        assert_eq!(at(951_868_800), "20000301T000000Z");
        // A leap day in an ordinary leap year, and 1900 which is not one.
        assert_eq!(at(1_709_164_800), "20240229T000000Z");
        assert_eq!(at(-2_203_891_200), "19000301T000000Z");
        // The 32-bit time_t rollover and the second before it.
        assert_eq!(at(2_147_483_647), "20380119T031407Z");
        assert_eq!(at(2_147_483_648), "20380119T031408Z");
        // Before the epoch.
        assert_eq!(at(-1), "19691231T235959Z");
    }

    #[test]
    fn clamps_outside_four_digit_years() {
        assert_eq!(at(i64::MIN), "00000101T000000Z");
        assert_eq!(at(i64::MAX), "99991231T235959Z");
        assert_eq!(at(MAX_UNIX), "99991231T235959Z");
        assert_eq!(at(MIN_UNIX), "00000101T000000Z");
    }

    #[test]
    fn from_system_time_truncates_and_floors() {
        let t = UNIX_EPOCH + Duration::new(1_440_938_160, 999_999_999);
        assert_eq!(amz_date(t).as_str(), "20150830T123600Z");
        let t = UNIX_EPOCH - Duration::from_millis(1);
        assert_eq!(amz_date(t).as_str(), "19691231T235959Z");
        let t = UNIX_EPOCH - Duration::from_secs(1);
        assert_eq!(amz_date(t).as_str(), "19691231T235959Z");
    }

    #[test]
    fn date_part_and_display() {
        let d = AmzDate::from_unix_seconds(1_709_164_800 + 3_723);
        assert_eq!(d.date(), "20240229");
        assert_eq!(d.to_string(), "20240229T010203Z");
        assert_eq!(format!("{d:?}"), "AmzDate(\"20240229T010203Z\")");
        assert_eq!(d.as_bytes(), b"20240229T010203Z");
    }

    /// Cross-checks the hand-written calendar against the `time` crate over four centuries
    /// plus a few thousand years on each side.
    #[test]
    fn agrees_with_time_crate() {
        let mut secs: i64 = -62_135_596_800; // 0001-01-01
        let step = 86_400 * 29 + 3_607; // not a divisor of any calendar period: visits every month, day and hour
        while secs < 253_402_300_799 {
            let ours = AmzDate::from_unix_seconds(secs);
            let t = time::OffsetDateTime::from_unix_timestamp(secs).unwrap();
            let want = format!(
                "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            );
            assert_eq!(ours.as_str(), want, "at {secs}");
            secs += step;
        }
    }
}

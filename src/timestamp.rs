//! Hand-written parsers for the two timestamp formats kms-lite meets: RFC 3339 (STS
//! `Expiration`, `credential_process` JSON, container and instance metadata credentials) and the
//! HTTP `Date` header's IMF-fixdate (RFC 7231 section 7.1.1.1, used to detect clock skew).
//!
//! Both are strict, allocation-free and never panic: anything they do not understand is `None`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Parses an RFC 3339 timestamp such as `2026-11-29T12:34:56Z` into a [`SystemTime`].
///
/// Accepted: `YYYY-MM-DD`, a `T` (or `t`, or a single space, as RFC 3339 section 5.6 allows),
/// `hh:mm:ss`, an optional fraction of any length (`.123456789`; digits past nanoseconds are
/// ignored), then `Z`/`z` or a numeric offset `+hh:mm` / `-hh:mm`. Every field is range-checked
/// (month 1-12, day within the month with leap years, hour 0-23, minute 0-59, second 0-59: leap
/// seconds are refused, `SystemTime` cannot show them; offsets up to 23:59). Years before 1970 are
/// fine as long as the platform's `SystemTime` can hold them.
///
/// ```
/// use kms_lite::__private::timestamp::parse_rfc3339;
/// use std::time::{Duration, UNIX_EPOCH};
/// let t = parse_rfc3339("2026-11-29T12:34:56Z").unwrap();
/// assert_eq!(t, UNIX_EPOCH + Duration::from_secs(1_795_955_696));
/// assert_eq!(parse_rfc3339("2026-11-29T14:34:56.5+02:00"), Some(t + Duration::from_millis(500)));
/// assert_eq!(parse_rfc3339("2026-02-29T00:00:00Z"), None); // 2026 is not a leap year
/// ```
pub fn parse_rfc3339(s: &str) -> Option<SystemTime> {
    let b = s.as_bytes();
    if b.len() < 20 || b.len() > 64 {
        return None;
    }
    let year = digits(b, 0, 4)?;
    expect(b, 4, b'-')?;
    let month = digits(b, 5, 2)?;
    expect(b, 7, b'-')?;
    let day = digits(b, 8, 2)?;
    if !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let hour = digits(b, 11, 2)?;
    expect(b, 13, b':')?;
    let minute = digits(b, 14, 2)?;
    expect(b, 16, b':')?;
    let second = digits(b, 17, 2)?;
    let mut i = 19;
    let mut nanos: u32 = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        let mut scale: u32 = 100_000_000;
        while let Some(&c) = b.get(i) {
            if !c.is_ascii_digit() {
                break;
            }
            nanos += u32::from(c - b'0') * scale;
            scale /= 10;
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    let offset_secs: i64 = match b.get(i)? {
        b'Z' | b'z' => {
            i += 1;
            0
        }
        &sign @ (b'+' | b'-') => {
            let oh = digits(b, i + 1, 2)?;
            expect(b, i + 3, b':')?;
            let om = digits(b, i + 4, 2)?;
            if oh > 23 || om > 59 {
                return None;
            }
            i += 6;
            let off = i64::from(oh * 3600 + om * 60);
            if sign == b'+' { off } else { -off }
        }
        _ => return None,
    };
    if i != b.len() {
        return None;
    }
    let secs = civil_to_unix(year, month, day, hour, minute, second)? - offset_secs;
    to_system_time(secs, nanos)
}

/// Parses an HTTP `Date` header in the IMF-fixdate form of RFC 7231 section 7.1.1.1, e.g.
/// `Sun, 29 Nov 2026 02:21:10 GMT`, into a [`SystemTime`].
///
/// Strict: exactly that layout, English day and month names with their case, two-digit day,
/// four-digit year, `GMT`, every field range-checked, and the day name must be the right one for
/// the date. The obsolete RFC 850 and asctime forms are not accepted (AWS sends IMF-fixdate).
///
/// ```
/// use kms_lite::__private::timestamp::{parse_http_date, parse_rfc3339};
/// assert_eq!(
///     parse_http_date("Sun, 29 Nov 2026 02:21:10 GMT"),
///     parse_rfc3339("2026-11-29T02:21:10Z")
/// );
/// assert_eq!(parse_http_date("Mon, 29 Nov 2026 02:21:10 GMT"), None); // it was a Sunday
/// ```
pub fn parse_http_date(s: &str) -> Option<SystemTime> {
    const DAYS: [&[u8]; 7] = [b"Mon", b"Tue", b"Wed", b"Thu", b"Fri", b"Sat", b"Sun"];
    const MONTHS: [&[u8]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    let b = s.as_bytes();
    if b.len() != 29 {
        return None;
    }
    let weekday = DAYS.iter().position(|d| *d == &b[0..3])?;
    expect(b, 3, b',')?;
    expect(b, 4, b' ')?;
    let day = digits(b, 5, 2)?;
    expect(b, 7, b' ')?;
    let month = MONTHS.iter().position(|m| *m == &b[8..11])?;
    expect(b, 11, b' ')?;
    let year = digits(b, 12, 4)?;
    expect(b, 16, b' ')?;
    let hour = digits(b, 17, 2)?;
    expect(b, 19, b':')?;
    let minute = digits(b, 20, 2)?;
    expect(b, 22, b':')?;
    let second = digits(b, 23, 2)?;
    if &b[25..29] != b" GMT" {
        return None;
    }
    let month = u32::try_from(month).ok()? + 1;
    let secs = civil_to_unix(year, month, day, hour, minute, second)?;
    // 1970-01-01 was a Thursday (index 3 with Monday = 0).
    let actual = (secs.div_euclid(86_400) + 3).rem_euclid(7);
    if usize::try_from(actual).ok()? != weekday {
        return None;
    }
    to_system_time(secs, 0)
}

/// Whether `year` is a leap year in the proleptic Gregorian calendar.
fn is_leap(year: u32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// The number of days in `month` (1-12) of `year`.
fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Seconds since the Unix epoch of a UTC civil date and time, after range checks.
fn civil_to_unix(
    year: u32,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
) -> Option<i64> {
    if !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    // Days from civil, after Howard Hinnant's public-domain algorithm (years start in March).
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i64::from((month + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + i64::from(hour * 3600 + minute * 60 + second))
}

/// `UNIX_EPOCH` moved by `secs` seconds (either way) plus `nanos`, if `SystemTime` can hold it.
fn to_system_time(secs: i64, nanos: u32) -> Option<SystemTime> {
    let whole = if secs >= 0 {
        UNIX_EPOCH.checked_add(Duration::from_secs(secs.unsigned_abs()))?
    } else {
        UNIX_EPOCH.checked_sub(Duration::from_secs(secs.unsigned_abs()))?
    };
    whole.checked_add(Duration::from_nanos(u64::from(nanos)))
}

/// The decimal number made of exactly `len` ASCII digits at `b[at..at + len]`.
fn digits(b: &[u8], at: usize, len: usize) -> Option<u32> {
    let field = b.get(at..at.checked_add(len)?)?;
    field.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

/// `Some(())` when `b[at]` is `want`.
fn expect(b: &[u8], at: usize, want: u8) -> Option<()> {
    (b.get(at) == Some(&want)).then_some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn rfc3339_basic_forms() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(UNIX_EPOCH));
        assert_eq!(parse_rfc3339("2000-03-01T00:00:00Z"), Some(at(951_868_800)));
        assert_eq!(
            parse_rfc3339("2026-11-29T12:34:56Z"),
            parse_rfc3339("2026-11-29T12:34:56+00:00")
        );
        assert_eq!(
            parse_rfc3339("2026-11-29T12:34:56Z"),
            parse_rfc3339("2026-11-29 12:34:56z")
        );
        assert_eq!(
            parse_rfc3339("2026-11-29T12:34:56Z"),
            parse_rfc3339("2026-11-29T07:04:56-05:30")
        );
        assert_eq!(
            parse_rfc3339("2026-11-29T12:34:56.123456789123Z"),
            parse_rfc3339("2026-11-29T12:34:56Z").map(|t| t + Duration::from_nanos(123_456_789))
        );
        assert_eq!(
            parse_rfc3339("1969-12-31T23:59:59.5Z"),
            UNIX_EPOCH.checked_sub(Duration::from_millis(500))
        );
    }

    #[test]
    fn rfc3339_leap_years() {
        assert!(parse_rfc3339("2024-02-29T00:00:00Z").is_some());
        assert!(parse_rfc3339("2000-02-29T00:00:00Z").is_some());
        assert!(parse_rfc3339("1900-02-29T00:00:00Z").is_none());
        assert!(parse_rfc3339("2100-02-29T00:00:00Z").is_none());
        assert!(parse_rfc3339("2023-02-29T00:00:00Z").is_none());
        assert_eq!(
            parse_rfc3339("2024-03-01T00:00:00Z"),
            parse_rfc3339("2024-02-29T00:00:00Z").map(|t| t + Duration::from_secs(86_400))
        );
    }

    #[test]
    fn rfc3339_rejects_out_of_range_fields() {
        for bad in [
            "2026-00-10T00:00:00Z",
            "2026-13-10T00:00:00Z",
            "2026-04-31T00:00:00Z",
            "2026-01-00T00:00:00Z",
            "2026-01-32T00:00:00Z",
            "2026-01-01T24:00:00Z",
            "2026-01-01T00:60:00Z",
            "2026-01-01T00:00:60Z",
            "2026-01-01T00:00:00+24:00",
            "2026-01-01T00:00:00+01:60",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn rfc3339_rejects_garbage() {
        for bad in [
            "",
            "garbage",
            "2026-11-29",
            "2026-11-29T12:34:56",
            "2026-11-29T12:34:56ZZ",
            "2026-11-29T12:34:56.Z",
            "2026-11-29T12:34:56+0000",
            "2026-11-29T12:34:56+00",
            "2026-11-29X12:34:56Z",
            "2026/11/29T12:34:56Z",
            "+026-11-29T12:34:56Z",
            "2026-1-029T12:34:56Z",
            "２０２６-11-29T12:34:56Z",
            "2026-11-29T12:34:56Z\n",
            " 2026-11-29T12:34:56Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad:?}");
        }
        let long = format!("2026-11-29T12:34:56.{}Z", "1".repeat(100));
        assert_eq!(parse_rfc3339(&long), None);
    }

    #[test]
    fn http_date() {
        assert_eq!(
            parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"),
            Some(UNIX_EPOCH)
        );
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(at(784_111_777))
        );
        assert_eq!(
            parse_http_date("Thu, 29 Feb 2024 23:59:59 GMT"),
            parse_rfc3339("2024-02-29T23:59:59Z")
        );
        for bad in [
            "",
            "Sun, 29 Nov 2026 02:21:10 UTC",
            "Sun, 29 Nov 2026 02:21:10 GMT ",
            "Sunday, 29-Nov-26 02:21:10 GMT",
            "Sun Nov 29 02:21:10 2026",
            "sun, 29 Nov 2026 02:21:10 GMT",
            "Sun, 29 nov 2026 02:21:10 GMT",
            "Sun, 29 Xyz 2026 02:21:10 GMT",
            "Sun, 32 Nov 2026 02:21:10 GMT",
            "Sun, 31 Nov 2026 02:21:10 GMT",
            "Sun, 29 Nov 2026 24:21:10 GMT",
            "Sun, 29 Nov 2026 02:60:10 GMT",
            "Sun, 29 Nov 2026 02:21:60 GMT",
            "Fri, 29 Feb 2023 00:00:00 GMT",
            "Sat, 29 Nov 2026 02:21:10 GMT",
            "Sun,29 Nov 2026 02:21:10 GMT ",
            "Sun, 2a Nov 2026 02:21:10 GMT",
            "Sun, 29 Nov 2026 02:21:1é GMT",
        ] {
            assert_eq!(parse_http_date(bad), None, "{bad:?}");
        }
    }
}

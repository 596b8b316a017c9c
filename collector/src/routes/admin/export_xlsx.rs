//! The responses export as an Excel workbook (`format=xlsx`): the same rows and columns as the
//! CSV export, with numbers stored as numbers, a bold frozen header row and an auto-filter, so
//! the file opens ready to sort and filter.

use crate::error::{ApiError, ApiResult};
use nps_core::wire::ResponseRow;
use rust_xlsxwriter::{Format, Workbook, XlsxError};

/// Column titles, in the CSV export's order.
pub const COLUMNS: [&str; 15] = [
    "id", "survey_id", "created_at", "user_id", "score", "band", "comment", "account_id", "role", "language", "device",
    "trigger", "sampling_rate_bp", "attributes", "extra_answers",
];

/// Excel refuses longer cell texts; only pathological attribute blobs get near it.
const MAX_CELL_CHARS: usize = 32_767;

/// One cell: a number or a text.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Number(f64),
    Text(String),
}

fn text(s: impl Into<String>) -> Cell {
    let s: String = s.into();
    if s.chars().count() > MAX_CELL_CHARS { Cell::Text(s.chars().take(MAX_CELL_CHARS).collect()) } else { Cell::Text(s) }
}

fn opt_text(s: &Option<String>) -> Cell {
    text(s.clone().unwrap_or_default())
}

fn opt_number(n: Option<f64>) -> Cell {
    n.map_or_else(|| Cell::Text(String::new()), Cell::Number)
}

/// The cells of one answer, matching the CSV export column for column.
pub fn cells(r: &ResponseRow) -> [Cell; 15] {
    let created = chrono::DateTime::from_timestamp_millis(r.created_at).map(|t| t.to_rfc3339()).unwrap_or_default();
    [
        text(r.id.clone()),
        Cell::Number(r.survey_id as f64),
        text(created),
        text(r.user_id.clone()),
        opt_number(r.score.map(f64::from)),
        text(r.band.map(|b| b.as_str()).unwrap_or_default()),
        opt_text(&r.comment),
        opt_text(&r.account_id),
        opt_text(&r.role),
        opt_text(&r.language),
        opt_text(&r.device),
        opt_text(&r.trigger),
        opt_number(r.sampling_rate_bp.map(f64::from)),
        text(serde_json::Value::Object(r.attributes.clone()).to_string()),
        text(serde_json::Value::Object(r.extra_answers.clone()).to_string()),
    ]
}

fn build(rows: &[ResponseRow]) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("responses")?;
    let bold = Format::new().set_bold();
    for (col, title) in (0u16..).zip(COLUMNS) {
        sheet.write_string_with_format(0, col, title, &bold)?;
    }
    for (row, answer) in (1u32..).zip(rows) {
        for (col, cell) in (0u16..).zip(cells(answer)) {
            match cell {
                Cell::Number(n) => sheet.write_number(row, col, n)?,
                // Empty cells stay blank, as in the CSV.
                Cell::Text(s) if s.is_empty() => sheet,
                Cell::Text(s) => sheet.write_string(row, col, s)?,
            };
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    let last_row = u32::try_from(rows.len()).unwrap_or(u32::MAX - 1);
    sheet.autofilter(0, 0, last_row, (COLUMNS.len() - 1) as u16)?;
    for col in [2u16, 6, 13] {
        sheet.set_column_width(col, if col == 2 { 26 } else { 40 })?;
    }
    workbook.save_to_buffer()
}

/// The workbook of `rows` as bytes.
pub fn xlsx_of(rows: &[ResponseRow]) -> ApiResult<Vec<u8>> {
    if rows.len() >= 1_048_575 {
        return Err(ApiError::invalid("an Excel sheet holds at most 1,048,575 answers; narrow the filters or use CSV"));
    }
    build(rows).map_err(|e| ApiError::Internal(anyhow::anyhow!("xlsx: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_texts_are_cut_to_what_excel_accepts() {
        let long = "x".repeat(MAX_CELL_CHARS + 10);
        assert_eq!(text(long), Cell::Text("x".repeat(MAX_CELL_CHARS)));
        assert_eq!(opt_number(None), Cell::Text(String::new()));
    }

    #[test]
    fn an_empty_selection_is_a_workbook_with_the_header_only() {
        let bytes = xlsx_of(&[]).unwrap_or_default();
        assert!(bytes.starts_with(b"PK"), "an xlsx file is a zip archive");
    }
}

//! Campaign recipients from a CSV file, read client-side (the admin app, any script) into the
//! recipients the import endpoint takes (`POST /api/admin/campaigns/{id}/recipients`).
//!
//! The header names the columns: `email` (required), `name`, `language`, then any attribute
//! columns (department, location, tenure_band, manager; partner, role, tier, region, ...).
//! Cells are trimmed; an empty cell is left out.

use crate::wire::{Attributes, ClientAttributes, EmailAddress, RecipientInput};

/// The recipients of a CSV file, in file order, or what is wrong with it (`csv line 3: ...`,
/// the header being line 1).
pub fn parse(text: &str) -> Result<Vec<RecipientInput>, String> {
    let mut reader = crate::csv_file::reader(text);
    let headers = reader.headers().map_err(|e| format!("csv: {e}"))?.clone();
    if !headers.iter().any(|h| h == "email") {
        return Err("csv: the header must have an `email` column".to_owned());
    }
    let mut out = Vec::new();
    for (line, record) in reader.records().enumerate() {
        let record = record.map_err(|e| format!("csv line {}: {e}", line + 2))?;
        let (mut email, mut name, mut language) = ("", None, None);
        let mut attributes = Attributes::new();
        for (header, value) in headers.iter().zip(record.iter()) {
            match header {
                "email" => email = value,
                "name" => name = Some(value.to_owned()).filter(|v| !v.is_empty()),
                "language" => language = Some(value.to_owned()).filter(|v| !v.is_empty()),
                key if !value.is_empty() => {
                    attributes.insert(key.to_owned(), value.into());
                }
                _ => {}
            }
        }
        let email = EmailAddress::parse(email).map_err(|e| format!("csv line {}: the email `{email}` {e}", line + 2))?;
        let attributes = ClientAttributes::parse(attributes).map_err(|e| format!("csv line {}: the attributes {e}", line + 2))?;
        out.push(RecipientInput { email, name, language, attributes });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_become_fields_and_attributes() {
        let rows = parse("email,name,language,department\nann@x.io,Ann,de,sales\nbob@x.io,,,\n").expect("valid");
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].name.as_deref(), rows[0].language.as_deref()), (Some("Ann"), Some("de")));
        assert_eq!(rows[0].attributes.get("department"), Some(&"sales".into()));
        assert_eq!((rows[1].name.as_deref(), rows[1].attributes.len()), (None, 0));
    }

    #[test]
    fn a_file_without_email_or_with_a_broken_line_is_refused() {
        assert_eq!(parse("name\nAnn\n"), Err("csv: the header must have an `email` column".to_owned()));
        assert!(parse("email\na@x.io,extra\n").is_err_and(|e| e.starts_with("csv line 2")));
        assert!(parse("email\nann@x.io\nbob\n").is_err_and(|e| e.starts_with("csv line 3: the email `bob` must be an e-mail address")));
    }
}

//! Partner organisations from a CSV file, read client-side (the admin app, any script) into
//! the partners the import endpoint takes (`POST /api/admin/projects/{id}/partners`).
//!
//! The header names the columns: `id` and `name` (required), `tier`, `region`, `owner_email`
//! (the partner manager who owns the partner and alone reads its answers). Cells are trimmed;
//! an empty optional cell is no value. A file with any problem yields every problem and no
//! partners.

use crate::csv_file::{Problem, header_problems, headers, line_of, reader, row_problem};
use crate::wire::{ClientId, MAX_ID_CHARS, Partner, PartnerName};
use std::collections::BTreeMap;

pub const COLUMNS: [&str; 5] = ["id", "name", "tier", "region", "owner_email"];
/// The longest name, tier or region the collector stores.
pub const MAX_TEXT_CHARS: usize = PartnerName::MAX_CHARS;

/// The partners of a CSV file, in file order, or every problem it has.
pub fn parse(text: &str) -> Result<Vec<Partner>, Vec<Problem>> {
    let mut reader = reader(text);
    let headers = headers(&mut reader)?;
    let mut problems = header_problems(&headers, &COLUMNS, &["id", "name"]);
    let mut partners = Vec::new();
    let mut first_line: BTreeMap<ClientId, u64> = BTreeMap::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(row_problem(&e));
                continue;
            }
        };
        let line = line_of(&record);
        let cell = |name: &str| {
            headers
                .iter()
                .position(|h| h == name)
                .and_then(|i| record.get(i))
                .unwrap_or("")
        };
        let optional = |name: &str| Some(cell(name).to_owned()).filter(|v| !v.is_empty());
        let (id, name) = (cell("id"), cell("name"));
        let (tier, region) = (optional("tier"), optional("region"));
        let owner_email = optional("owner_email");
        let mut add = |field: &str, message: String| {
            problems.push(Problem {
                line,
                field: field.to_owned(),
                message,
            })
        };
        let id = ClientId::parse(id).map_err(|_| {
            add(
                "id",
                format!("must be 1 to {MAX_ID_CHARS} characters, none a control character"),
            )
        });
        if let Ok(id) = &id {
            match first_line.get(id) {
                Some(earlier) => add("id", format!("`{id}` is also on line {earlier}")),
                None => {
                    first_line.insert(id.clone(), line);
                }
            }
        }
        if name.is_empty() {
            add("name", "must not be empty".to_owned());
        }
        for (field, value) in [
            ("name", Some(name)),
            ("tier", tier.as_deref()),
            ("region", region.as_deref()),
        ] {
            if value.is_some_and(|v| v.chars().count() > MAX_TEXT_CHARS) {
                add(
                    field,
                    format!("must be at most {MAX_TEXT_CHARS} characters"),
                );
            }
        }
        if owner_email.as_ref().is_some_and(|e| !e.contains('@')) {
            add("owner_email", "is not an e-mail address".to_owned());
        }
        if let (Ok(id), Ok(name)) = (id, PartnerName::parse(name)) {
            partners.push(Partner { id, name, tier, region, owner_email });
        }
    }
    if problems.is_empty() {
        Ok(partners)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(text: &str) -> String {
        match parse(text) {
            Err(problems) => problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; "),
            Ok(rows) => panic!("expected problems, got {rows:?}"),
        }
    }

    #[test]
    fn a_good_file_becomes_partners_in_file_order() {
        let rows = parse("\u{feff}id,name,tier,region,owner_email\np1,Northwind,gold,emea,pm1@x.io\np2,\"Contoso, Ltd\",,,\n").expect("valid");
        assert_eq!(rows.len(), 2);
        assert_eq!(
            (
                rows[0].id.as_str(),
                rows[0].tier.as_deref(),
                rows[0].owner_email.as_deref()
            ),
            ("p1", Some("gold"), Some("pm1@x.io"))
        );
        assert_eq!(
            (
                rows[1].name.as_str(),
                rows[1].tier.as_deref(),
                rows[1].owner_email.as_deref()
            ),
            ("Contoso, Ltd", None, None)
        );
        assert_eq!(
            parse("name,id\nAcme,a\n").expect("columns in any order")[0].id,
            "a"
        );
    }

    #[test]
    fn every_problem_is_named_by_line_and_field() {
        let m = messages("id,name,owner_email\np1,Northwind,pm1\n,Nameless,\np1,Again,\np3,,\n");
        assert!(
            m.contains("line 2, field owner_email: is not an e-mail address"),
            "{m}"
        );
        assert!(m.contains("line 3, field id: must be 1 to 128"), "{m}");
        assert!(
            m.contains("line 4, field id: `p1` is also on line 2"),
            "{m}"
        );
        assert!(m.contains("line 5, field name: must not be empty"), "{m}");
        let m = messages("partner,name\np1,N\n");
        assert!(
            m.contains("line 1, field partner: unknown column")
                && m.contains("line 1, field id: the header must have a column id"),
            "{m}"
        );
        let m = messages(&format!("id,name,tier\np1,N,{}\n", "t".repeat(201)));
        assert!(m.contains("line 2, field tier: must be at most 200"), "{m}");
        assert!(messages("id,name\np1,N,extra\n").contains("line 2, field row"));
    }
}

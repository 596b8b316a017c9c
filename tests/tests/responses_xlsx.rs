//! The XLSX export of the responses holds exactly what the filters select, the same rows and
//! cells as the CSV export, with scores as numbers; the file is opened with calamine, an
//! independent reader.

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use nps_core::wire::SurveyKind;
use nps_e2e::{World, wait_drained};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::io::Cursor;

/// (user, score, comment): texts with commas, quotes, new lines and non-ASCII letters, as a
/// spreadsheet must keep them.
const ANSWERS: [(&str, u8, Option<&str>); 8] = [
    ("u-1", 10, Some("Love the \"export\" button, really")),
    ("u-2", 9, None),
    ("u-3", 8, Some("ok")),
    ("u-4", 6, Some("Export is slow,\nand breaks on Ümlauts")),
    ("u-5", 3, Some("export failed twice")),
    ("u-6", 0, None),
    ("u-7", 7, None),
    ("u-8", 2, Some("Pricing")),
];

async fn post(url: &str, body: Value) -> anyhow::Result<()> {
    let response = reqwest::Client::new().post(url).json(&body).send().await?;
    anyhow::ensure!(response.status().is_success(), "POST {url}: {}", response.status());
    Ok(())
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
        Data::Int(i) => i.to_string(),
        other => format!("{other:?}"),
    }
}

/// Rows of cell texts, and the same rows as calamine read them.
type Texts = Vec<Vec<String>>;
type Cells = Vec<Vec<Data>>;

/// The workbook's `responses` sheet as rows of texts (numbers written as CSV writes them).
fn xlsx_rows(bytes: Vec<u8>) -> anyhow::Result<(Texts, Cells)> {
    let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes))?;
    let range = workbook.worksheet_range("responses")?;
    let raw: Cells = range.rows().map(<[Data]>::to_vec).collect();
    let texts = raw.iter().map(|row| row.iter().map(cell_text).collect()).collect();
    Ok((texts, raw))
}

fn csv_rows(text: &str) -> anyhow::Result<Vec<Vec<String>>> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(text.as_bytes());
    Ok(reader.records().map(|r| r.map(|r| r.iter().map(str::to_owned).collect())).collect::<Result<_, _>>()?)
}

#[tokio::test]
async fn the_xlsx_export_has_the_csv_rows_of_the_filters() -> anyhow::Result<()> {
    let world = World::start(SurveyKind::Tnps).await?;
    let base = world.client_base();
    for (i, (user, _, _)) in ANSWERS.iter().enumerate() {
        let account = json!({ "id": format!("acme, inc #{}", i % 2), "role": if i % 2 == 0 { "admin" } else { "end_user" } });
        post(&format!("{base}/identify"), json!({ "user_id": user, "attributes": { "plan": if i % 3 == 0 { "pro" } else { "free" }, "note": "a \"quoted\", value" }, "account": account })).await?;
    }
    wait_drained(&world.collector.url).await?;
    for (user, score, comment) in ANSWERS {
        let id = format!("r-{user}");
        post(&format!("{base}/responses"), json!({ "response_id": id, "survey_id": world.survey.id, "user_id": user, "score": score, "device": "desktop", "trigger": "export_done" })).await?;
        if let Some(comment) = comment {
            post(&format!("{base}/responses/{id}/complete"), json!({ "survey_id": world.survey.id, "user_id": user, "comment": comment })).await?;
        }
    }
    wait_drained(&world.collector.url).await?;

    let survey = world.survey.id;
    let detractors = ANSWERS.iter().filter(|a| a.1 <= 6).count();
    let export_comments = ANSWERS.iter().filter(|a| a.2.is_some_and(|c| c.to_lowercase().contains("export"))).count();
    // (filters, rows expected from the data above)
    let cases = [
        (String::new(), ANSWERS.len()),
        ("&band=detractor".to_owned(), detractors),
        ("&has_comment=true&q=export".to_owned(), export_comments),
        ("&band=promoter&has_comment=false".to_owned(), 1),
    ];
    for (filters, expected) in cases {
        let url = |format: &str| format!("{}/api/admin/responses?survey_id={survey}&limit=1000{filters}&format={format}", world.collector.url);
        let csv_text = world.admin.http.get(url("csv")).send().await?.text().await?;
        let response = world.admin.http.get(url("xlsx")).send().await?;
        assert_eq!(response.status(), StatusCode::OK);
        let content_type = response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        assert_eq!(content_type, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
        let disposition = response.headers().get("content-disposition").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        assert_eq!(disposition, "attachment; filename=\"responses.xlsx\"");
        let (xlsx, raw) = xlsx_rows(response.bytes().await?.to_vec())?;
        let csv = csv_rows(&csv_text)?;

        assert_eq!(xlsx.len(), 1 + expected, "{filters}: header + the selected rows");
        assert_eq!(xlsx, csv, "{filters}: the XLSX has the CSV's cells");
        assert_eq!(xlsx[0][4], "score");
        // Scores are numbers, not texts, so a spreadsheet can average them.
        assert!(raw.iter().skip(1).all(|row| matches!(row[4], Data::Float(_) | Data::Int(_))), "{filters}");
        // The JSON listing with the same filters selects the same answers.
        let listed: Vec<Value> = world.admin.get(&format!("/api/admin/responses?survey_id={survey}&limit=1000{filters}")).await?;
        let ids: Vec<&str> = listed.iter().filter_map(|r| r["id"].as_str()).collect();
        let exported: Vec<&str> = xlsx.iter().skip(1).map(|row| row[0].as_str()).collect();
        assert_eq!(exported, ids, "{filters}");
    }
    // The multi-line, quoted comment survives intact.
    let (all, _) = xlsx_rows(world.admin.http.get(format!("{}/api/admin/responses?survey_id={survey}&format=xlsx&band=detractor&q=slow", world.collector.url)).send().await?.bytes().await?.to_vec())?;
    assert_eq!(all.get(1).map(|r| r[6].as_str()), Some("Export is slow,\nand breaks on Ümlauts"));

    let bad = world.admin.http.get(format!("{}/api/admin/responses?survey_id={survey}&format=ods", world.collector.url)).send().await?;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.json::<Value>().await?["message"], "format must be json, csv or xlsx (got `ods`)");
    Ok(())
}

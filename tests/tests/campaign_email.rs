//! Campaign e-mail against a real local SMTP server: invitations in the recipient's language
//! whose links open the hosted page and take an answer; an SMTP outage during which mails wait
//! in the outbox and then go out exactly once; reminders to non-responders only; a recurring
//! campaign that starts its next wave by itself (a scheduling day is shortened to 1 s).

use nps_core::wire::{SurveyDefinition, SurveyInput, SurveyKind, SurveyTexts};
use nps_e2e::{Admin, Backend, Collector, Installation, ReceivedMail, SmtpSink, live_survey, wait_for};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

struct Setup {
    _dir: tempfile::TempDir,
    collector: Collector,
    admin: Admin,
    project_id: i64,
}

/// Mail through the SMTP server on `smtp_port`, retried soon, and a scheduling day of 1 s.
async fn start(smtp_port: u16) -> anyhow::Result<Setup> {
    let port = smtp_port.to_string();
    let env = [
        ("NPS_SMTP__HOST", "127.0.0.1"),
        ("NPS_SMTP__PORT", port.as_str()),
        ("NPS_SMTP__FROM", "Acme People Team <people@acme.test>"),
        ("NPS_OUTBOX__RETRY_BASE_MS", "200"),
        ("NPS_OUTBOX__RETRY_MAX_MS", "1000"),
        ("NPS_CAMPAIGNS__TICK_MS", "250"),
        ("NPS_CAMPAIGNS__DAY_MS", "1000"),
    ];
    let Installation { dir, collector, owner: admin, .. } = Installation::start_with(Backend::Sqlite, &env).await?;
    let project = admin.create_project(&["*"]).await?;
    Ok(Setup { _dir: dir, collector, admin, project_id: project.id })
}

const QUESTIONS: [(&str, &str); 4] = [
    ("en", "How likely are you to recommend Acme as an employer?"),
    ("de", "Wie wahrscheinlich empfehlen Sie Acme als Arbeitgeber?"),
    ("fr", "Recommanderiez-vous Acme comme employeur ?"),
    ("es", "¿Recomendaría Acme como empleador?"),
];

const INVITE_SUBJECTS: [(&str, &str); 4] = [
    ("en", "One question: how likely are you to recommend us?"),
    ("de", "Eine Frage: Wie wahrscheinlich empfehlen Sie uns weiter?"),
    ("fr", "Une question : quelle est la probabilité que vous nous recommandiez ?"),
    ("es", "Una pregunta: ¿qué probabilidad hay de que nos recomiende?"),
];

const REMINDER_SUBJECTS: [(&str, &str); 4] = [
    ("en", "Reminder: your opinion counts (one question)"),
    ("de", "Erinnerung: Ihre Meinung zählt (eine Frage)"),
    ("fr", "Rappel : votre avis compte (une question)"),
    ("es", "Recordatorio: su opinión cuenta (una pregunta)"),
];

fn lookup(table: &[(&str, &'static str)], lang: &str) -> &'static str {
    table.iter().find(|(l, _)| *l == lang).map_or("", |(_, s)| s)
}

async fn survey(s: &Setup, kind: SurveyKind) -> anyhow::Result<i64> {
    let mut definition = SurveyDefinition::default();
    for (lang, question) in QUESTIONS {
        definition.texts.insert(lang.to_owned(), SurveyTexts { question: question.to_owned(), ..SurveyTexts::default() });
    }
    Ok(s.admin.create_survey(s.project_id, &SurveyInput { definition, ..live_survey("People pulse", kind) }).await?.id)
}

/// Waits until `sink` holds at least `n` mails.
async fn mails(sink: &SmtpSink, n: usize, what: &str) -> anyhow::Result<Vec<ReceivedMail>> {
    wait_for(Duration::from_secs(30), || async { (sink.messages().len() >= n).then(|| sink.messages()) })
        .await
        .ok_or_else(|| anyhow::anyhow!("{what}: expected {n} mails, got {:?}", sink.messages().iter().map(|m| &m.to).collect::<Vec<_>>()))
}

fn to(mail: &ReceivedMail) -> String {
    mail.to.join(",")
}

/// The personal link in a mail's plain-text part.
fn link(mail: &ReceivedMail) -> String {
    let text = mime::plain_text(&mail.data);
    text.split_whitespace().find(|w| w.starts_with("http://") && w.contains("/s/")).unwrap_or_default().to_owned()
}

fn subject(mail: &ReceivedMail) -> String {
    mime::decode_words(&mime::header(&mail.data, "subject"))
}

/// Answers a personal link with a score and no comment.
async fn answer(url: &str, score: u8) -> anyhow::Result<(u16, String)> {
    nps_e2e::links::answer(url, score, "").await
}

/// Following a link from the mail opens the hosted page in that language (Bert's, German);
/// answering works, once per link.
async fn mailed_links_open_in_their_language_and_answer_once(bert: &str, chloe: &str) -> anyhow::Result<()> {
    let page = reqwest::get(bert).await?;
    assert_eq!(page.status().as_u16(), 200, "{bert}");
    let html = page.text().await?;
    assert!(html.contains("lang=\"de\"") && html.contains(lookup(&QUESTIONS, "de")) && html.contains(">Senden<"), "{html}");
    assert_eq!(answer(bert, 9).await?.0, 200);
    assert_eq!(answer(chloe, 4).await?.0, 200);
    assert_eq!(answer(bert, 10).await?.0, 409, "the link is single-use");
    Ok(())
}

#[tokio::test]
async fn invitations_reach_a_real_smtp_server_survive_an_outage_and_reminders_go_to_non_responders_only() -> anyhow::Result<()> {
    let sink = SmtpSink::start(0).await;
    let port = sink.port();
    let s = start(port).await?;
    let survey_id = survey(&s, SurveyKind::Enps).await?;
    let fields = json!({ "survey_id": survey_id, "name": "Pulse", "anonymity": "anonymous", "group_attributes": ["department"] });
    let csv = "email,name,language,department\nann@acme.test,Ann,en,ops\nbert@acme.test,Bert,de-DE,ops\nchloe@acme.test,Chloé,fr,sales\ndiego@acme.test,Diego,es,sales\n";
    let id = s.admin.create_campaign(&fields, csv).await?["id"].as_i64().unwrap_or_default();
    let language: BTreeMap<&str, &str> =
        [("ann@acme.test", "en"), ("bert@acme.test", "de"), ("chloe@acme.test", "fr"), ("diego@acme.test", "es")].into();

    // Send now: one invitation each, in their language, with the question in it.
    let sent: Value = s.admin.post(&format!("/api/admin/campaigns/{id}/send"), &json!({})).await?;
    assert_eq!(sent["step"]["invitations"], 4, "{sent}");
    let first = mails(&sink, 4, "invitations").await?;
    for mail in &first {
        let lang = language.get(to(mail).as_str()).copied().unwrap_or("?");
        assert_eq!(subject(mail), lookup(&INVITE_SUBJECTS, lang), "{}", to(mail));
        assert!(mime::plain_text(&mail.data).contains(lookup(&QUESTIONS, lang)), "{}", mime::plain_text(&mail.data));
        assert_eq!(mail.from, "people@acme.test");
    }
    let link_of = |mails: &[ReceivedMail], email: &str| mails.iter().find(|m| to(m) == email).map(link).unwrap_or_default();

    mailed_links_open_in_their_language_and_answer_once(&link_of(&first, "bert@acme.test"), &link_of(&first, "chloe@acme.test")).await?;

    // SMTP goes down; recipients added now are picked up by the scheduler by itself and wait.
    sink.stop().await;
    let more = "email,name,language,department\nemil@acme.test,Emil,de,ops\nfay@acme.test,Fay,en,ops\ngus@acme.test,Gus,,sales\n";
    let _: Value = s.admin.post(&format!("/api/admin/campaigns/{id}/recipients"), &nps_e2e::recipients_json(more)).await?;
    let retried = wait_for(Duration::from_secs(30), || async {
        let log: Vec<Value> = s.admin.get(&format!("/api/admin/deliveries?project_id={}&channel=email&status=retrying", s.project_id)).await.ok()?;
        let waiting: BTreeSet<&str> = log.iter().filter(|r| r["attempt"].as_i64() >= Some(2)).filter_map(|r| r["message_id"].as_str()).collect();
        (waiting.len() == 3).then_some(())
    })
    .await;
    assert!(retried.is_some(), "the three invitations were not retried while SMTP was down");
    let status: Value = s.admin.get(&format!("/api/admin/campaigns/{id}/status")).await?;
    assert_eq!((status["waves"][0]["invitations_sent"].as_u64(), status["waves"][0]["invitations_delivered"].as_u64()), (Some(7), Some(4)), "{status}");

    // SMTP back on the same port: each waiting invitation goes out, once.
    let back = SmtpSink::start(port).await;
    mails(&back, 3, "invitations after the outage").await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after: BTreeSet<String> = back.messages().iter().map(to).collect();
    assert_eq!(back.messages().len(), 3, "{after:?}");
    assert_eq!(after, ["emil@acme.test", "fay@acme.test", "gus@acme.test"].map(str::to_owned).into());
    let status: Value = s.admin.get(&format!("/api/admin/campaigns/{id}/status")).await?;
    let wave = &status["waves"][0];
    // Two of seven answered: an anonymous campaign's participation is withheld while either
    // side is under its smallest group (5), and its reminders are never counted.
    assert_eq!((wave["invitations_delivered"].as_u64(), wave["answered"].as_u64()), (Some(7), None), "{status}");

    // Reminders (one round, a "day" after the wave started, which has passed): only to the five
    // who have not answered, in their language, with the same personal link.
    s.admin.put(&format!("/api/admin/campaigns/{id}/delivery"), &json!({ "reminder_after_days": 1, "max_reminders": 1 })).await?;
    let all = mails(&back, 3 + 5, "reminders").await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(back.messages().len(), 8, "one round only: {:?}", back.messages().iter().map(to).collect::<Vec<_>>());
    let reminders: Vec<&ReceivedMail> = all[3..].iter().collect();
    let reminded: BTreeSet<String> = reminders.iter().map(|m| to(m)).collect();
    assert_eq!(reminded, ["ann@acme.test", "diego@acme.test", "emil@acme.test", "fay@acme.test", "gus@acme.test"].map(str::to_owned).into());
    for mail in &reminders {
        let lang = language.get(to(mail).as_str()).copied().unwrap_or(if to(mail) == "emil@acme.test" { "de" } else { "en" });
        assert_eq!(subject(mail), lookup(&REMINDER_SUBJECTS, lang), "{}", to(mail));
    }
    let diego = reminders.iter().find(|m| to(m) == "diego@acme.test").map(|m| link(m)).unwrap_or_default();
    assert_eq!(diego, link_of(&first, "diego@acme.test"), "the reminder carries the invitation's link");
    assert_eq!(answer(&diego, 8).await?.0, 200);
    let status: Value = s.admin.get(&format!("/api/admin/campaigns/{id}/status")).await?;
    let wave = &status["waves"][0];
    assert_eq!((wave["reminders_sent"].as_u64(), wave["answered"].as_u64(), wave["reminder_rounds"].as_u64()), (None, None, Some(1)), "{status}");
    assert!(wave["reminders_sent"].is_null() && wave["answered"].is_null(), "{status}");
    // Nor does the delivery log list them: their number per round is who had not answered.
    let log: Vec<Value> = s.admin.get("/api/admin/deliveries?limit=1000").await?;
    assert!(log.iter().any(|r| r["message_id"].as_str().is_some_and(|m| m.starts_with("invite:"))), "{log:?}");
    assert!(!log.iter().any(|r| r["message_id"].as_str().is_some_and(|m| m.starts_with("remind:"))), "{log:?}");
    Ok(())
}

#[tokio::test]
async fn a_recurring_campaign_starts_its_next_wave_by_itself_with_new_links() -> anyhow::Result<()> {
    let sink = SmtpSink::start(0).await;
    let s = start(sink.port()).await?;
    let survey_id = survey(&s, SurveyKind::Partner).await?;
    let fields = json!({ "survey_id": survey_id, "name": "Partner pulse", "anonymity": "identified" });
    let csv = "email,partner,role\na@p1.test,p1,executive_buyer\nb@p1.test,p1,admin\nc@p2.test,p2,end_user\n";
    let id = s.admin.create_campaign(&fields, csv).await?["id"].as_i64().unwrap_or_default();
    // Every 4 "days" (4 s here).
    s.admin.put(&format!("/api/admin/campaigns/{id}/delivery"), &json!({ "cadence_days": 4 })).await?;
    let _: Value = s.admin.post(&format!("/api/admin/campaigns/{id}/send"), &json!({})).await?;
    let wave1 = mails(&sink, 3, "wave 1").await?;
    let link1 = |email: &str| wave1.iter().find(|m| to(m) == email).map(link).unwrap_or_default();
    assert_eq!(answer(&link1("a@p1.test"), 9).await?.0, 200);
    assert_eq!(answer(&link1("c@p2.test"), 5).await?.0, 200);

    // Wave 2 starts by itself: new invitations with new links.
    let all = mails(&sink, 6, "wave 2").await?;
    s.admin.put(&format!("/api/admin/campaigns/{id}/delivery"), &json!({ "cadence_days": null })).await?;
    let wave2: Vec<&ReceivedMail> = all[3..].iter().collect();
    assert_eq!(wave2.iter().map(|m| to(m)).collect::<BTreeSet<_>>(), ["a@p1.test", "b@p1.test", "c@p2.test"].map(str::to_owned).into());
    let link2 = |email: &str| wave2.iter().find(|m| to(m) == email).map(|m| link(m)).unwrap_or_default();
    assert_ne!(link2("a@p1.test"), link1("a@p1.test"));
    assert_eq!(answer(&link1("a@p1.test"), 9).await?.0, 409, "wave 1's link stays spent");
    assert_eq!(answer(&link2("a@p1.test"), 6).await?.0, 200, "wave 2's link is a new one");

    // The wave is on the answers and in the status and reports.
    let rows = s.admin.responses(survey_id).await?;
    let mut waves: Vec<(String, i64)> =
        rows.iter().map(|r| (r.attributes.get("partner").and_then(|v| v.as_str()).unwrap_or("").to_owned(), r.attributes.get("wave").and_then(|v| v.as_i64()).unwrap_or(0))).collect();
    waves.sort();
    assert_eq!(waves, [("p1".to_owned(), 1), ("p1".to_owned(), 2), ("p2".to_owned(), 1)]);
    let status: Value = s.admin.get(&format!("/api/admin/campaigns/{id}/status")).await?;
    let per_wave: Vec<(u64, u64, u64)> = status["waves"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|w| (w["wave"].as_u64().unwrap_or(0), w["invitations_sent"].as_u64().unwrap_or(0), w["answered"].as_u64().unwrap_or(0)))
        .collect();
    assert_eq!(per_wave, [(1, 3, 2), (2, 3, 1)], "{status}");
    let segments: Value = s.admin.get(&format!("/api/admin/reports/segments?survey_id={survey_id}&by=attr:wave&min_n=1")).await?;
    let n: BTreeMap<String, u64> = segments["segments"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|seg| (seg["value"].as_str().unwrap_or("").to_owned(), seg["summary"]["n"].as_u64().unwrap_or(0)))
        .collect();
    assert_eq!(n, [("1".to_owned(), 2), ("2".to_owned(), 1)].into(), "{segments}");

    // A restart repeats nothing: the waves and the mails handed over are recorded.
    let mut collector = s.collector;
    collector.terminate().await?;
    let collector = collector.restart().await?;
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(sink.messages().len(), 6, "{:?}", sink.messages().iter().map(to).collect::<Vec<_>>());
    drop(collector);
    Ok(())
}

/// Just enough MIME to read what lettre sends: the text/plain part (7bit, quoted-printable or
/// base64) and RFC 2047 encoded words in headers.
mod mime {
    fn base64(text: &str) -> Vec<u8> {
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let (mut bits, mut n, mut out) = (0u32, 0, Vec::new());
        for c in text.bytes() {
            let Some(v) = alphabet.iter().position(|a| *a == c) else { continue };
            bits = (bits << 6) | v as u32;
            n += 6;
            if n >= 8 {
                n -= 8;
                out.push((bits >> n) as u8);
                bits &= (1 << n) - 1;
            }
        }
        out
    }

    fn quoted_printable(text: &str, underscore_is_space: bool) -> Vec<u8> {
        let bytes = text.replace("=\r\n", "").into_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'=' => match bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok()).and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                    }
                    None => {
                        out.push(b'=');
                        i += 1;
                    }
                },
                b'_' if underscore_is_space => {
                    out.push(b' ');
                    i += 1;
                }
                b => {
                    out.push(b);
                    i += 1;
                }
            }
        }
        out
    }

    /// A header's value, unfolded as RFC 5322 says (only the line breaks go; the folding
    /// whitespace stays).
    pub fn header(raw: &str, name: &str) -> String {
        let head = raw.split("\r\n\r\n").next().unwrap_or("").replace("\r\n ", " ").replace("\r\n\t", "\t");
        head.split("\r\n")
            .find_map(|line| line.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim().to_owned()))
            .unwrap_or_default()
    }

    /// The decoded text/plain part of a raw message.
    pub fn plain_text(raw: &str) -> String {
        let Some(start) = raw.to_ascii_lowercase().find("content-type: text/plain") else { return String::new() };
        let part = &raw[start..];
        let (head, body) = part.split_once("\r\n\r\n").unwrap_or((part, ""));
        let body = body.split("\r\n--").next().unwrap_or(body);
        let head = head.to_ascii_lowercase();
        let bytes = if head.contains("content-transfer-encoding: base64") {
            base64(body)
        } else if head.contains("content-transfer-encoding: quoted-printable") {
            quoted_printable(body, false)
        } else {
            body.as_bytes().to_vec()
        };
        String::from_utf8_lossy(&bytes).replace("\r\n", "\n")
    }

    /// Decodes `=?utf-8?b?...?=` / `=?utf-8?q?...?=` words (whitespace between two encoded
    /// words is dropped, as RFC 2047 says).
    pub fn decode_words(value: &str) -> String {
        let mut out = String::new();
        let mut last_encoded = false;
        for word in value.split_whitespace() {
            let parts: Vec<&str> = word.split('?').collect();
            if parts.len() == 5 && parts[0] == "=" && parts[4] == "=" {
                let bytes = if parts[2].eq_ignore_ascii_case("b") { base64(parts[3]) } else { quoted_printable(parts[3], true) };
                if !last_encoded && !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(&String::from_utf8_lossy(&bytes));
                last_encoded = true;
            } else {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(word);
                last_encoded = false;
            }
        }
        out
    }
}

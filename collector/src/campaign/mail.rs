//! The invitation and reminder e-mails: plain text (always) and an HTML alternative, in the
//! recipient's language, carrying their personal link.

use super::i18n::{self, Strings};
use crate::outbox::EmailMessage;
use crate::html::escape;
use crate::store::RecipientRecord;
use nps_core::wire::{Anonymity, Campaign, Survey};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailKind {
    Invitation,
    Reminder,
}

impl MailKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::Invitation => "invitation",
            MailKind::Reminder => crate::outbox::REMINDER_KIND,
        }
    }
}

/// Everything one mail needs.
pub struct MailInput<'a> {
    pub kind: MailKind,
    pub campaign: &'a Campaign,
    pub survey: &'a Survey,
    pub recipient: &'a RecipientRecord,
    pub wave: u32,
    pub link: &'a str,
    pub expires_at: i64,
}

fn date(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map(|t| t.format("%Y-%m-%d").to_string()).unwrap_or_default()
}

/// The paragraphs of the mail, in order (the link has its own place).
struct Parts {
    subject: String,
    greeting: String,
    intro: String,
    question: String,
    answer_here: &'static str,
    after_link: Vec<String>,
}

fn parts(input: &MailInput, s: &Strings, question: &str) -> Parts {
    let greeting = match input.recipient.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        Some(name) => s.hello_name.replace("{name}", name),
        None => s.hello.to_owned(),
    };
    let (subject, intro) = match input.kind {
        MailKind::Invitation => (s.invite_subject, s.invite_intro),
        MailKind::Reminder => (s.reminder_subject, s.reminder_intro),
    };
    let mut after_link = vec![s.valid_until.replace("{date}", &date(input.expires_at))];
    if input.campaign.anonymity == Anonymity::Anonymous {
        after_link.push(s.anonymous_mail.to_owned());
    }
    after_link.push(s.personal.to_owned());
    Parts { subject: subject.to_owned(), greeting, intro: intro.to_owned(), question: question.to_owned(), answer_here: s.answer_here, after_link }
}

pub fn compose(input: &MailInput) -> EmailMessage {
    let definition = &input.survey.definition;
    let lang = i18n::chrome_language(definition, input.recipient.language.as_deref());
    let texts_lang = i18n::texts_language(definition, input.recipient.language.as_deref());
    let s = i18n::strings(&lang);
    let question = definition.texts_for(Some(&texts_lang)).map(|t| t.question.clone()).unwrap_or_default();
    let question_lang = if texts_lang == lang { String::new() } else { format!(" lang=\"{}\"", escape(&texts_lang)) };
    let p = parts(input, s, &question);
    let text = format!(
        "{}\n\n{}\n\n{}\n\n{}\n{}\n\n{}\n",
        p.greeting,
        p.intro,
        p.question,
        p.answer_here,
        input.link,
        p.after_link.join("\n")
    );
    let paragraphs: String = p.after_link.iter().map(|l| format!("<p>{}</p>", escape(l))).collect();
    let html = format!(
        "<!doctype html><html lang=\"{lang}\"><body><p>{greeting}</p><p>{intro}</p><p{question_lang}><strong>{question}</strong></p>\
         <p><a href=\"{link}\">{answer}</a></p>{paragraphs}</body></html>",
        lang = escape(&lang),
        greeting = escape(&p.greeting),
        intro = escape(&p.intro),
        question = escape(&p.question),
        link = escape(input.link),
        answer = escape(p.answer_here.trim_end_matches([':', ' '])),
    );
    EmailMessage {
        project_id: input.campaign.project_id,
        to: input.recipient.email.clone(),
        subject: p.subject,
        text,
        html: Some(html),
        kind: input.kind.as_str().to_owned(),
        reference: format!("campaign {} wave {} recipient {}", input.campaign.id, input.wave, input.recipient.id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nps_core::wire::{SurveyDefinition, SurveyKind, SurveyStatus, SurveyTexts};

    fn survey() -> Survey {
        let mut definition = SurveyDefinition::default();
        definition.texts.insert("de".into(), SurveyTexts { question: "Würden Sie uns empfehlen?".into(), ..SurveyTexts::default() });
        Survey {
            id: 1,
            project_id: 7,
            name: "eNPS".into(),
            kind: SurveyKind::Enps,
            status: SurveyStatus::Live,
            definition,
            rules: Default::default(),
            created_at: 0,
            updated_at: 0,
        }
    }

    fn campaign() -> Campaign {
        Campaign {
            id: 3,
            project_id: 7,
            survey_id: 1,
            name: "Q1".into(),
            anonymity: Anonymity::Anonymous,
            min_group: 5,
            verbatim_min_group: 5,
            group_attributes: vec![],
            expires_at: 1_767_225_600_000,
            created_at: 0,
            created_by: None,
        }
    }

    fn recipient(language: Option<&str>, name: Option<&str>) -> RecipientRecord {
        RecipientRecord {
            id: "r1".into(),
            campaign_id: 3,
            email: "ann@corp.test".into(),
            name: name.map(str::to_owned),
            language: language.map(str::to_owned),
            attributes: Default::default(),
            token_id: "t".into(),
        }
    }

    #[test]
    fn a_german_recipient_gets_a_german_invitation_with_the_link() {
        let (c, s, r) = (campaign(), survey(), recipient(Some("de-DE"), Some("Änne <x>")));
        let input = MailInput { kind: MailKind::Invitation, campaign: &c, survey: &s, recipient: &r, wave: 1, link: "http://h/s/abc", expires_at: c.expires_at };
        let mail = compose(&input);
        assert_eq!(mail.subject, i18n::strings("de").invite_subject);
        assert!(mail.text.contains("Hallo Änne <x>,") && mail.text.contains("Würden Sie uns empfehlen?"));
        assert!(mail.text.contains("http://h/s/abc") && mail.text.contains("2026-01-01") && mail.text.contains("anonym"));
        let html = mail.html.unwrap_or_default();
        assert!(html.contains("lang=\"de\"") && html.contains("Änne &lt;x&gt;") && html.contains("href=\"http://h/s/abc\""));
        assert_eq!((mail.to.as_str(), mail.kind.as_str(), mail.project_id), ("ann@corp.test", "invitation", 7));
    }

    #[test]
    fn without_texts_in_their_language_the_question_keeps_the_default_language() {
        let (c, s, r) = (campaign(), survey(), recipient(Some("fr"), None));
        let input = MailInput { kind: MailKind::Reminder, campaign: &c, survey: &s, recipient: &r, wave: 2, link: "http://h/s/x", expires_at: 0 };
        let mail = compose(&input);
        assert_eq!(mail.subject, i18n::strings("fr").reminder_subject);
        assert!(mail.text.starts_with("Bonjour,") && mail.text.contains("How likely are you") && mail.reference.contains("wave 2"));
        assert!(mail.html.unwrap_or_default().contains("<p lang=\"en\"><strong>How likely"));
        let r = recipient(Some("ja"), None);
        let input = MailInput { kind: MailKind::Invitation, campaign: &c, survey: &s, recipient: &r, wave: 1, link: "http://h/s/x", expires_at: 0 };
        assert_eq!(compose(&input).subject, i18n::strings("en").invite_subject);
    }
}

//! The words around a link campaign's survey texts, per language: the hosted page (buttons,
//! scale ends, notices, clear error pages) and the invitation and reminder e-mails. The
//! survey's own texts (question, follow-up, thank-you) come from its definition, in the
//! language [`texts_language`] picks; the words around them follow [`chrome_language`].
//! English is the fallback.

use nps_core::wire::SurveyDefinition;

pub struct Strings {
    pub send: &'static str,
    pub not_likely: &'static str,
    pub very_likely: &'static str,
    /// Shown above the form of an anonymous campaign.
    pub anonymous_page: &'static str,
    pub choose_score: &'static str,
    pub too_long: &'static str,
    /// A form that could not be read (a character that cannot be stored, a garbled or
    /// oversized body): never sent by the page itself.
    pub unreadable: &'static str,
    pub thank_you_title: &'static str,
    pub link_title: &'static str,
    pub already_answered: &'static str,
    pub expired: &'static str,
    pub invalid: &'static str,
    pub closed: &'static str,
    pub invite_subject: &'static str,
    pub reminder_subject: &'static str,
    /// `{name}` is replaced.
    pub hello_name: &'static str,
    pub hello: &'static str,
    pub invite_intro: &'static str,
    pub reminder_intro: &'static str,
    pub answer_here: &'static str,
    /// `{date}` is replaced (YYYY-MM-DD).
    pub valid_until: &'static str,
    pub personal: &'static str,
    pub anonymous_mail: &'static str,
}

/// `pt-BR` -> `pt`.
pub fn primary(lang: &str) -> &str {
    lang.split(['-', '_']).next().unwrap_or(lang)
}

/// The strings for `lang` (by its primary subtag), English when it is not built in.
pub fn strings(lang: &str) -> &'static Strings {
    let p = primary(lang).to_ascii_lowercase();
    ALL.iter().find(|(code, _)| *code == p).map_or(&ALL[0].1, |(_, s)| s)
}

/// The language of the survey texts a recipient reads: theirs when the survey has texts in it
/// (exactly or by its primary subtag), else the survey's default language.
pub fn texts_language(definition: &SurveyDefinition, recipient: Option<&str>) -> String {
    recipient
        .and_then(|l| {
            if definition.texts.contains_key(l) {
                Some(l.to_owned())
            } else {
                let p = primary(l);
                definition.texts.contains_key(p).then(|| p.to_owned())
            }
        })
        .unwrap_or_else(|| definition.default_language.clone())
}

/// The language of the words around the texts: the recipient's when built in (even if the
/// survey has no texts in it), else the texts' language. Where the two differ, the page and
/// the mail mark the survey texts with their own `lang`.
pub fn chrome_language(definition: &SurveyDefinition, recipient: Option<&str>) -> String {
    let built_in = |l: &str| ALL.iter().any(|(code, _)| *code == primary(l).to_ascii_lowercase());
    match recipient.filter(|l| built_in(l)) {
        Some(l) => primary(l).to_ascii_lowercase(),
        None => texts_language(definition, recipient),
    }
}

pub static ALL: [(&str, Strings); 4] = [
    (
        "en",
        Strings {
            send: "Send",
            not_likely: "Not at all likely",
            very_likely: "Extremely likely",
            anonymous_page: "Your answer is anonymous: it is stored without your name or e-mail address.",
            choose_score: "Please choose a score from 0 to 10.",
            too_long: "Your comment is too long.",
            unreadable: "Your answer could not be read. Please go back, check your comment and send it again.",
            thank_you_title: "Thank you",
            link_title: "Survey link",
            already_answered: "You have already answered this survey. Thank you!",
            expired: "This survey link has expired.",
            invalid: "This survey link is not valid. Please use the link from your invitation.",
            closed: "This survey is closed. Thank you for your interest.",
            invite_subject: "One question: how likely are you to recommend us?",
            reminder_subject: "Reminder: your opinion counts (one question)",
            hello_name: "Hello {name},",
            hello: "Hello,",
            invite_intro: "We would like to hear from you. It takes less than a minute:",
            reminder_intro: "A short reminder: we have not heard from you yet, and your answer counts.",
            answer_here: "Answer here:",
            valid_until: "Your personal link works until {date}.",
            personal: "This link is personal: please do not forward it.",
            anonymous_mail: "Your answer is anonymous: it is stored without your name or e-mail address.",
        },
    ),
    (
        "de",
        Strings {
            send: "Senden",
            not_likely: "Überhaupt nicht wahrscheinlich",
            very_likely: "Äußerst wahrscheinlich",
            anonymous_page: "Ihre Antwort ist anonym: Sie wird ohne Ihren Namen und Ihre E-Mail-Adresse gespeichert.",
            choose_score: "Bitte wählen Sie einen Wert von 0 bis 10.",
            too_long: "Ihr Kommentar ist zu lang.",
            unreadable: "Ihre Antwort konnte nicht gelesen werden. Bitte gehen Sie zurück, prüfen Sie Ihren Kommentar und senden Sie ihn erneut.",
            thank_you_title: "Vielen Dank",
            link_title: "Umfragelink",
            already_answered: "Sie haben diese Umfrage bereits beantwortet. Vielen Dank!",
            expired: "Dieser Umfragelink ist abgelaufen.",
            invalid: "Dieser Umfragelink ist ungültig. Bitte verwenden Sie den Link aus Ihrer Einladung.",
            closed: "Diese Umfrage ist beendet. Vielen Dank für Ihr Interesse.",
            invite_subject: "Eine Frage: Wie wahrscheinlich empfehlen Sie uns weiter?",
            reminder_subject: "Erinnerung: Ihre Meinung zählt (eine Frage)",
            hello_name: "Hallo {name},",
            hello: "Hallo,",
            invite_intro: "Wir möchten gern Ihre Meinung hören. Es dauert weniger als eine Minute:",
            reminder_intro: "Eine kurze Erinnerung: Wir haben noch keine Antwort von Ihnen, und Ihre Antwort zählt.",
            answer_here: "Hier antworten:",
            valid_until: "Ihr persönlicher Link gilt bis {date}.",
            personal: "Dieser Link ist persönlich: Bitte leiten Sie ihn nicht weiter.",
            anonymous_mail: "Ihre Antwort ist anonym: Sie wird ohne Ihren Namen und Ihre E-Mail-Adresse gespeichert.",
        },
    ),
    (
        "fr",
        Strings {
            send: "Envoyer",
            not_likely: "Pas du tout probable",
            very_likely: "Très probable",
            anonymous_page: "Votre réponse est anonyme : elle est enregistrée sans votre nom ni votre adresse e-mail.",
            choose_score: "Veuillez choisir une note de 0 à 10.",
            too_long: "Votre commentaire est trop long.",
            unreadable: "Votre réponse n'a pas pu être lue. Veuillez revenir en arrière, vérifier votre commentaire et l'envoyer à nouveau.",
            thank_you_title: "Merci",
            link_title: "Lien du sondage",
            already_answered: "Vous avez déjà répondu à ce sondage. Merci !",
            expired: "Ce lien de sondage a expiré.",
            invalid: "Ce lien de sondage n’est pas valide. Veuillez utiliser le lien de votre invitation.",
            closed: "Ce sondage est terminé. Merci de votre intérêt.",
            invite_subject: "Une question : quelle est la probabilité que vous nous recommandiez ?",
            reminder_subject: "Rappel : votre avis compte (une question)",
            hello_name: "Bonjour {name},",
            hello: "Bonjour,",
            invite_intro: "Nous aimerions avoir votre avis. Cela prend moins d’une minute :",
            reminder_intro: "Petit rappel : nous n’avons pas encore reçu votre réponse, et elle compte.",
            answer_here: "Répondre ici :",
            valid_until: "Votre lien personnel est valable jusqu’au {date}.",
            personal: "Ce lien est personnel : merci de ne pas le transférer.",
            anonymous_mail: "Votre réponse est anonyme : elle est enregistrée sans votre nom ni votre adresse e-mail.",
        },
    ),
    (
        "es",
        Strings {
            send: "Enviar",
            not_likely: "Nada probable",
            very_likely: "Muy probable",
            anonymous_page: "Su respuesta es anónima: se guarda sin su nombre ni su dirección de correo.",
            choose_score: "Elija una puntuación de 0 a 10.",
            too_long: "Su comentario es demasiado largo.",
            unreadable: "No se ha podido leer su respuesta. Vuelva atrás, revise su comentario y envíelo de nuevo.",
            thank_you_title: "Gracias",
            link_title: "Enlace de la encuesta",
            already_answered: "Ya ha respondido a esta encuesta. ¡Gracias!",
            expired: "Este enlace de la encuesta ha caducado.",
            invalid: "Este enlace de la encuesta no es válido. Use el enlace de su invitación.",
            closed: "Esta encuesta está cerrada. Gracias por su interés.",
            invite_subject: "Una pregunta: ¿qué probabilidad hay de que nos recomiende?",
            reminder_subject: "Recordatorio: su opinión cuenta (una pregunta)",
            hello_name: "Hola, {name}:",
            hello: "Hola:",
            invite_intro: "Nos gustaría conocer su opinión. Le llevará menos de un minuto:",
            reminder_intro: "Un breve recordatorio: aún no hemos recibido su respuesta, y su respuesta cuenta.",
            answer_here: "Responda aquí:",
            valid_until: "Su enlace personal es válido hasta el {date}.",
            personal: "Este enlace es personal: no lo reenvíe.",
            anonymous_mail: "Su respuesta es anónima: se guarda sin su nombre ni su dirección de correo.",
        },
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use nps_core::wire::SurveyTexts;

    #[test]
    fn the_page_and_the_mail_speak_the_language_of_the_texts_shown() {
        let mut definition = SurveyDefinition::default();
        definition.texts.insert("de".into(), SurveyTexts::default());
        assert_eq!(texts_language(&definition, Some("de-AT")), "de");
        assert_eq!(texts_language(&definition, Some("fr")), "en", "no French texts: the default language");
        assert_eq!(texts_language(&definition, None), "en");
        assert_eq!(chrome_language(&definition, Some("fr-CA")), "fr", "the words around them are built in");
        assert_eq!(chrome_language(&definition, Some("ja")), "en");
        assert_eq!(strings("de-CH").send, "Senden");
        assert_eq!(strings("xx").send, "Send");
        for (code, s) in &ALL {
            assert!(s.hello_name.contains("{name}") && s.valid_until.contains("{date}"), "{code}");
        }
    }
}

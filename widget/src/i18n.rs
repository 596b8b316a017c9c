//! Built-in UI strings (buttons, scale end labels, aria labels). Survey texts come from the
//! survey definition; these are the words around them.

pub struct Strings {
    pub later: &'static str,
    /// Opt-out: never ask again (honoured forever by the collector).
    pub never: &'static str,
    pub close: &'static str,
    pub send: &'static str,
    pub not_likely: &'static str,
    pub very_likely: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    pub survey: &'static str,
    pub optional: &'static str,
    /// The promoter link's label.
    pub go: &'static str,
}

/// Languages written right to left.
pub fn is_rtl(lang: &str) -> bool {
    matches!(primary(lang), "ar" | "he" | "fa" | "ur")
}

/// `pt-BR` -> `pt`.
pub fn primary(lang: &str) -> &str {
    lang.split(['-', '_']).next().unwrap_or(lang)
}

/// The strings for `lang` (by its primary subtag), English when the language is not built in.
pub fn strings(lang: &str) -> &'static Strings {
    let p = primary(lang).to_ascii_lowercase();
    ALL.iter().find(|(code, _)| *code == p).map_or(&ALL[0].1, |(_, s)| s)
}

pub static ALL: [(&str, Strings); 16] = [
    ("en", Strings { never: "Don't ask me again", later: "Ask me later", close: "Close", send: "Send", not_likely: "Not at all likely", very_likely: "Extremely likely", yes: "Yes", no: "No", survey: "Survey", optional: "Optional" , go: "Continue" }),
    ("de", Strings { never: "Nicht mehr fragen", later: "Später fragen", close: "Schließen", send: "Senden", not_likely: "Überhaupt nicht wahrscheinlich", very_likely: "Äußerst wahrscheinlich", yes: "Ja", no: "Nein", survey: "Umfrage", optional: "Optional" , go: "Weiter" }),
    ("fr", Strings { never: "Ne plus me demander", later: "Me demander plus tard", close: "Fermer", send: "Envoyer", not_likely: "Pas du tout probable", very_likely: "Très probable", yes: "Oui", no: "Non", survey: "Sondage", optional: "Facultatif" , go: "Continuer" }),
    ("es", Strings { never: "No volver a preguntar", later: "Preguntarme más tarde", close: "Cerrar", send: "Enviar", not_likely: "Nada probable", very_likely: "Muy probable", yes: "Sí", no: "No", survey: "Encuesta", optional: "Opcional" , go: "Continuar" }),
    ("it", Strings { never: "Non chiedermelo più", later: "Chiedimelo più tardi", close: "Chiudi", send: "Invia", not_likely: "Per niente probabile", very_likely: "Estremamente probabile", yes: "Sì", no: "No", survey: "Sondaggio", optional: "Facoltativo" , go: "Continua" }),
    ("pt", Strings { never: "Não perguntar novamente", later: "Perguntar mais tarde", close: "Fechar", send: "Enviar", not_likely: "Nada provável", very_likely: "Extremamente provável", yes: "Sim", no: "Não", survey: "Pesquisa", optional: "Opcional" , go: "Continuar" }),
    ("nl", Strings { never: "Niet meer vragen", later: "Vraag het later", close: "Sluiten", send: "Versturen", not_likely: "Helemaal niet waarschijnlijk", very_likely: "Zeer waarschijnlijk", yes: "Ja", no: "Nee", survey: "Enquête", optional: "Optioneel" , go: "Doorgaan" }),
    ("sv", Strings { never: "Fråga inte igen", later: "Fråga mig senare", close: "Stäng", send: "Skicka", not_likely: "Inte alls troligt", very_likely: "Mycket troligt", yes: "Ja", no: "Nej", survey: "Enkät", optional: "Valfritt" , go: "Fortsätt" }),
    ("pl", Strings { never: "Nie pytaj ponownie", later: "Zapytaj później", close: "Zamknij", send: "Wyślij", not_likely: "Zupełnie nieprawdopodobne", very_likely: "Bardzo prawdopodobne", yes: "Tak", no: "Nie", survey: "Ankieta", optional: "Opcjonalne" , go: "Dalej" }),
    ("ru", Strings { never: "Больше не спрашивать", later: "Спросить позже", close: "Закрыть", send: "Отправить", not_likely: "Совершенно маловероятно", very_likely: "Очень вероятно", yes: "Да", no: "Нет", survey: "Опрос", optional: "Необязательно" , go: "Продолжить" }),
    ("tr", Strings { never: "Bir daha sorma", later: "Daha sonra sor", close: "Kapat", send: "Gönder", not_likely: "Hiç olası değil", very_likely: "Çok olası", yes: "Evet", no: "Hayır", survey: "Anket", optional: "İsteğe bağlı" , go: "Devam et" }),
    ("ja", Strings { never: "今後表示しない", later: "後で聞く", close: "閉じる", send: "送信", not_likely: "まったく思わない", very_likely: "非常にそう思う", yes: "はい", no: "いいえ", survey: "アンケート", optional: "任意" , go: "続ける" }),
    ("zh", Strings { never: "不再询问", later: "稍后再问", close: "关闭", send: "提交", not_likely: "完全不可能", very_likely: "非常可能", yes: "是", no: "否", survey: "调查", optional: "可选" , go: "继续" }),
    ("ko", Strings { never: "다시 묻지 않기", later: "나중에 묻기", close: "닫기", send: "보내기", not_likely: "전혀 그렇지 않다", very_likely: "매우 그렇다", yes: "예", no: "아니요", survey: "설문", optional: "선택 사항" , go: "계속" }),
    ("ar", Strings { never: "لا تسألني مرة أخرى", later: "اسألني لاحقًا", close: "إغلاق", send: "إرسال", not_likely: "غير محتمل على الإطلاق", very_likely: "محتمل للغاية", yes: "نعم", no: "لا", survey: "استبيان", optional: "اختياري" , go: "متابعة" }),
    ("he", Strings { never: "אל תשאלו אותי שוב", later: "שאלו אותי אחר כך", close: "סגירה", send: "שליחה", not_likely: "בכלל לא סביר", very_likely: "סביר מאוד", yes: "כן", no: "לא", survey: "סקר", optional: "לא חובה" , go: "המשך" }),
];

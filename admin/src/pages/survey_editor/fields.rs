//! The editor's field builders: text, whole number, texts per language, enums by wire name.
//! Each is bound to the survey being edited, and shows the messages about its own path.

use super::*;

/// The snake_case name serde gives an enum value.
pub(super) fn enum_str<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

pub(super) fn parse_enum<T: DeserializeOwned>(s: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(s.to_owned())).ok()
}

/// One field's committed value as a memo. An input bound to it is rewritten only when *this*
/// value changes: bound to the whole form instead, every commit of another field (which lands
/// a moment later, on `change`) would reset what the user is typing here to its last commit.
pub(super) fn committed<T: PartialEq + Send + Sync + 'static>(value: impl Fn() -> T + Send + Sync + 'static) -> Memo<T> {
    Memo::new(move |_| value())
}

pub(super) fn text_field(form: Form, errors: Errors, label: &'static str, path: &'static str, get: fn(&SurveyInput) -> String, set: fn(&mut SurveyInput, String)) -> impl IntoView {
    view! {
        <label class="field">
            <span>{label}</span>
            <input type="text" name=path prop:value=committed(move || form.with(get))
                on:input=move |ev| form.update(|f| set(f, event_target_value(&ev))) />
        </label>
        <FieldErrors errors=errors path=path />
    }
}

/// A whole number that may be left empty (= keep the default).
pub(super) fn number_field(
    form: Form,
    errors: Errors,
    parse_errors: ParseErrors,
    label: &'static str,
    path: &'static str,
    get: fn(&SurveyInput) -> Option<u32>,
    set: fn(&mut SurveyInput, Option<u32>),
) -> impl IntoView {
    let on_change = move |ev: web_sys::Event| {
        let text = event_target_value(&ev);
        let text = text.trim();
        if text.is_empty() {
            parse_errors.update(|p| {
                p.remove(path);
            });
            form.update(|f| set(f, None));
        } else if let Ok(n) = text.parse::<u32>() {
            parse_errors.update(|p| {
                p.remove(path);
            });
            form.update(|f| set(f, Some(n)));
        } else {
            parse_errors.update(|p| {
                p.insert(path.to_owned(), format!("{path} must be a whole number of 0 or more (or empty)"));
            });
        }
    };
    view! {
        <label class="field small">
            <span>{label}</span>
            <input type="number" min="0" step="1" inputmode="numeric" name=path
                prop:value=committed(move || form.with(get).map(|n| n.to_string()).unwrap_or_default())
                on:change=on_change />
        </label>
        <FieldErrors errors=errors path=path />
    }
}

/// A select of one of the survey's enums, by wire name (`choices`: wire name and text); a
/// value that does not parse changes nothing.
pub(super) fn enum_field<T: Serialize + DeserializeOwned + 'static>(
    form: Form,
    label: &'static str,
    name: &'static str,
    choices: &'static [(&'static str, &'static str)],
    get: fn(&SurveyInput) -> T,
    set: fn(&mut SurveyInput, T),
) -> impl IntoView {
    view! {
        <label class="field small">
            <span>{label}</span>
            <select name=name prop:value=committed(move || form.with(|f| enum_str(&get(f))))
                on:change=move |ev| { if let Some(v) = parse_enum::<T>(&event_target_value(&ev)) { form.update(|f| set(f, v)) } }>
                {options(choices)}
            </select>
        </label>
    }
}

/// One text of a language: the question, or a band's follow-up question or thank-you message.
#[derive(Clone, Copy)]
pub(super) enum Text {
    Question,
    FollowUp(Band),
    ThankYou(Band),
}

fn of_band<T>(texts: &PerBand<T>, band: Band) -> &T {
    match band {
        Band::Detractor => &texts.detractor,
        Band::Passive => &texts.passive,
        Band::Promoter => &texts.promoter,
    }
}

fn of_band_mut<T>(texts: &mut PerBand<T>, band: Band) -> &mut T {
    match band {
        Band::Detractor => &mut texts.detractor,
        Band::Passive => &mut texts.passive,
        Band::Promoter => &mut texts.promoter,
    }
}

impl Text {
    /// Its path under `definition.texts.<lang>`, as the collector's messages name it.
    fn path(self) -> String {
        match self {
            Text::Question => "question".to_owned(),
            Text::FollowUp(band) => format!("follow_up.{}", band.as_str()),
            Text::ThankYou(band) => format!("thank_you.{}", band.as_str()),
        }
    }

    fn get(self, t: &SurveyTexts) -> &String {
        match self {
            Text::Question => &t.question,
            Text::FollowUp(band) => of_band(&t.follow_up, band),
            Text::ThankYou(band) => of_band(&t.thank_you, band),
        }
    }

    fn get_mut(self, t: &mut SurveyTexts) -> &mut String {
        match self {
            Text::Question => &mut t.question,
            Text::FollowUp(band) => of_band_mut(&mut t.follow_up, band),
            Text::ThankYou(band) => of_band_mut(&mut t.thank_you, band),
        }
    }
}

/// The text `which` of language `lang`.
pub(super) fn texts_field(form: Form, errors: Errors, lang: String, label: &'static str, which: Text) -> impl IntoView {
    let path = format!("definition.texts.{lang}.{}", which.path());
    let lang_get = lang.clone();
    let value = move || form.with(|f| f.definition.texts.get(&lang_get).map(|t| which.get(t).clone()).unwrap_or_default());
    let on_input = move |ev: web_sys::Event| {
        let v = event_target_value(&ev);
        form.update(|f| {
            if let Some(t) = f.definition.texts.get_mut(&lang) {
                *which.get_mut(t) = v;
            }
        });
    };
    view! {
        <label class="field">
            <span>{label}</span>
            <textarea rows="2" name=path.clone() prop:value=committed(value) on:input=on_input></textarea>
        </label>
        <FieldErrors errors=errors path=path />
    }
}

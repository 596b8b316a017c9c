//! The card's input, read by hand from the plain JS object the decider passes (`{lang, texts,
//! appearance, start_band, start_thanks, preview}`, texts and appearance as in the project's
//! configuration). No serde: its derived deserializers and a JSON parser were a quarter of the
//! old bundle, and the browser has already parsed the JSON.

use nps_core::Band;
use nps_core::wire::{Appearance, ExtraQuestion, ExtraQuestionKind, PerBand, Placement, SurveyTexts, Theme};
use wasm_bindgen::{JsCast, JsValue};

/// A survey the collector allowed to be shown, with everything the card needs.
pub struct Shown {
    /// The language of `texts` (and of the built-in strings around them).
    pub lang: String,
    pub texts: SurveyTexts,
    pub appearance: Appearance,
    /// Preview only: open on the follow-up (or, with `start_thanks`, the thank-you) of a band.
    pub start_band: Option<Band>,
    pub start_thanks: bool,
    /// The admin's editor preview: the card never takes the focus (the editor keeps it while
    /// the user types; each keystroke re-renders the preview).
    pub preview: bool,
}

fn get(o: &JsValue, key: &str) -> JsValue {
    if o.is_object() { js_sys::Reflect::get(o, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED) } else { JsValue::UNDEFINED }
}

fn text(o: &JsValue, key: &str) -> String {
    get(o, key).as_string().unwrap_or_default()
}

fn per_band(o: &JsValue) -> PerBand<String> {
    PerBand { detractor: text(o, "detractor"), passive: text(o, "passive"), promoter: text(o, "promoter") }
}

fn extra_question(q: JsValue) -> Option<ExtraQuestion> {
    let kind = match get(&q, "kind").as_string()?.as_str() {
        "rating" => ExtraQuestionKind::Rating,
        "text" => ExtraQuestionKind::Text,
        "yes_no" => ExtraQuestionKind::YesNo,
        _ => return None,
    };
    Some(ExtraQuestion { id: get(&q, "id").as_string()?, text: text(&q, "text"), kind })
}

fn texts(t: &JsValue) -> SurveyTexts {
    let extras = get(t, "extra_questions");
    let extras = if js_sys::Array::is_array(&extras) { extras.unchecked_into::<js_sys::Array>().iter().filter_map(extra_question).collect() } else { Vec::new() };
    SurveyTexts {
        question: text(t, "question"),
        follow_up: per_band(&get(t, "follow_up")),
        thank_you: per_band(&get(t, "thank_you")),
        extra_questions: extras,
        promoter_link: get(t, "promoter_link").as_string(),
    }
}

fn appearance(a: &JsValue) -> Appearance {
    let placement = match get(a, "placement").as_string().as_deref() {
        Some("bottom_left") => Placement::BottomLeft,
        Some("centre") => Placement::Centre,
        Some("bottom_sheet") => Placement::BottomSheet,
        _ => Placement::BottomRight,
    };
    let theme = match get(a, "theme").as_string().as_deref() {
        Some("light") => Theme::Light,
        Some("dark") => Theme::Dark,
        _ => Theme::Auto,
    };
    let default = Appearance::default();
    Appearance { placement, theme, brand_colour: get(a, "brand_colour").as_string().unwrap_or(default.brand_colour) }
}

pub fn read(p: &JsValue) -> Shown {
    Shown {
        lang: get(p, "lang").as_string().unwrap_or_else(|| "en".to_owned()),
        texts: texts(&get(p, "texts")),
        appearance: appearance(&get(p, "appearance")),
        start_band: get(p, "start_band").as_string().and_then(|b| Band::parse(&b)),
        start_thanks: get(p, "start_thanks").as_bool() == Some(true),
        preview: get(p, "preview").as_bool() == Some(true),
    }
}

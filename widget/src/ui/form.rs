//! The card's form controls: the scale's radios and the optional extra questions.

use super::*;


/// Moves the scale's one tab stop (roving tabindex) to radio `n` and focuses it; `check` also
/// marks it as the one chosen. Done on the DOM directly: reactive attributes on eleven buttons
/// cost more code than these few lines.
pub(super) fn select_radio(group: &web_sys::Element, n: u8, check: bool) {
    let radios = group.children();
    for i in 0..radios.length() {
        let Some(radio) = radios.item(i) else { continue };
        let this = i == u32::from(n);
        let _ = radio.set_attribute("tabindex", if this { "0" } else { "-1" });
        if check {
            let _ = radio.set_attribute("aria-checked", if this { "true" } else { "false" });
        }
        if this {
            let _ = radio.dyn_into::<web_sys::HtmlElement>().map(|r| r.focus());
        }
    }
}

pub(super) fn element(target: Option<web_sys::EventTarget>) -> Option<web_sys::Element> {
    target?.dyn_into().ok()
}

/// The answers to the extra questions, read from the form when it is sent: `{id: value}` with
/// the text typed, the rating as a number or yes/no as a boolean. Inputs are named `x<index>`.
pub(super) fn extra_answers(form: &web_sys::Element, questions: &[nps_core::wire::ExtraQuestion]) -> js_sys::Object {
    let answers = js_sys::Object::new();
    for (i, q) in questions.iter().enumerate() {
        let name = ["x", DIGITS.get(i).copied().unwrap_or("")].concat();
        let value = if q.kind == ExtraQuestionKind::Text {
            let input = form.query_selector(&["input[name=", &name, "]"].concat()).ok().flatten();
            let text = input.and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok()).map(|e| e.value()).unwrap_or_default();
            (!text.trim().is_empty()).then(|| JsValue::from(text.trim()))
        } else {
            let checked = form.query_selector(&["[name=", &name, "]:checked"].concat()).ok().flatten();
            checked.and_then(|e| e.get_attribute("data-v")).map(|v| match v.as_str() {
                "true" => JsValue::TRUE,
                "false" => JsValue::FALSE,
                n => DIGITS.iter().position(|d| *d == n).map_or(JsValue::NULL, |n| (n as u32).into()),
            })
        };
        if let Some(v) = value {
            let _ = js_sys::Reflect::set(&answers, &q.id.as_str().into(), &v);
        }
    }
    answers
}

/// The card. All steps (score, follow-up, thanks) are in one static view; the section's

/// One optional extra question. Every kind has the same markup (a fieldset with its options,
/// or with a text box), so leptos builds one view type for all of them; the answers are read
/// from the form when it is sent ([`extra_answers`]).
pub(super) fn extra_question(index: usize, q: &nps_core::wire::ExtraQuestion, t: &'static Strings) -> impl IntoView + use<> {
    let name = ["x", DIGITS.get(index).copied().unwrap_or("")].concat();
    let options: Vec<(&'static str, &'static str)> = match q.kind {
        ExtraQuestionKind::Rating => vec![("1", "1"), ("2", "2"), ("3", "3"), ("4", "4"), ("5", "5")],
        ExtraQuestionKind::YesNo => vec![(t.yes, "true"), (t.no, "false")],
        ExtraQuestionKind::Text => Vec::new(),
    };
    let is_text = q.kind == ExtraQuestionKind::Text;
    view! {
        <fieldset>
            <legend>{q.text.clone()} " " <span class="muted">{t.optional}</span></legend>
            <input type="text" maxlength="1000" hidden=!is_text aria-label=q.text.clone() name=name.clone()/>
            <div class="opts">
                {options.into_iter().map(|(label, value)| view! {
                    <label><input type="radio" name=name.clone() data-v=value/>{label}</label>
                }).collect_view()}
            </div>
        </fieldset>
    }
}

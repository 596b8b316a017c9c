//! What the card's controls do: one handler per event type serves every control, by the
//! control's `data-a` (score digits, send, close, later, never).

use super::*;

/// A click anywhere in the card.
pub(super) fn clicked(ev: &MouseEvent, shown: &Shown, has_link: bool) {
    let Some(button) = element(ev.target()).and_then(|e| e.closest("button[data-a]").ok().flatten()) else { return };
    match button.get_attribute("data-a").as_deref() {
        Some("x") => dismiss(),
        Some("later") => leave("snooze"),
        Some("never") => leave("opt_out"),
        Some("send") => {
            if let Ok(Some(form)) = button.closest(".s-follow") {
                send(&form, shown, has_link);
            }
        }
        Some(digit) => {
            if let Some(n) = DIGITS.iter().position(|d| *d == digit) {
                choose(n as u8, &button, shown);
            }
        }
        None => {}
    }
}

/// The close button and Esc: declining at the score, or leaving a later step.
pub(super) fn dismiss() {
    match STEP.with(Cell::get) {
        Step::Score => leave("decline"),
        Step::FollowUp(_) => close("dismissed"),
        Step::Thanks(_) => close("completed"),
    }
}

/// Tells the collector why the card went away (declined, snoozed, opted out), then closes it.
fn leave(kind: &str) {
    feedback(kind);
    close(kind);
}

fn go(shown: &Shown, to: Step) {
    STEP.with(|c| c.set(to));
    show_step(to, &heading_text(&shown.texts, to));
}

fn choose(n: u8, radio: &web_sys::Element, shown: &Shown) {
    let Ok(score) = NpsScore::new(i64::from(n)) else { return };
    if let Some(group) = radio.parent_element() {
        select_radio(&group, n, true);
    }
    report("score", &[("score", u32::from(score.value()).into())]);
    go(shown, Step::FollowUp(score.band()));
}

/// Send: the comment and the extra answers, read from the follow-up's controls.
fn send(form: &web_sys::Element, shown: &Shown, has_link: bool) {
    let Step::FollowUp(band) = STEP.with(Cell::get) else { return };
    let text = form.query_selector("textarea").ok().flatten().and_then(|e| e.dyn_into::<web_sys::HtmlTextAreaElement>().ok());
    let text = text.map(|e| e.value()).unwrap_or_default();
    let comment = if text.trim().is_empty() { JsValue::NULL } else { text.trim().into() };
    report("complete", &[("comment", comment), ("extra_answers", extra_answers(form, &shown.texts.extra_questions).into())]);
    go(shown, Step::Thanks(band));
    // The thanks leaves by itself unless it offers a link to follow.
    if band != Band::Promoter || !has_link {
        let generation = GENERATION.with(Cell::get);
        set_timeout(
            move || {
                if card_is_up() && GENERATION.with(Cell::get) == generation {
                    close("completed");
                }
            },
            Duration::from_millis(6_000),
        );
    }
}

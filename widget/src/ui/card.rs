//! The card's view.

use super::*;

/// `data-step` shows one of them through the stylesheet, and one handler per event type serves
/// every control (by its `data-a`). Leptos compiles each distinct view and handler into code of
/// its own, so this keeps the renderer small (see widget/README.md "Size").
#[component]
pub(super) fn Card(shown: Arc<Shown>) -> impl IntoView {
    let t: &'static Strings = i18n::strings(&shown.lang);
    let rtl = i18n::is_rtl(&shown.lang);
    STEP.with(|c| c.set(first_step(&shown)));
    let texts = Arc::clone(&shown);
    let go = move |to: Step| {
        STEP.with(|c| c.set(to));
        show_step(to, &heading_text(&texts.texts, to));
    };
    let go_on_submit = go.clone();
    let modal = shown.appearance.placement == Placement::Centre;

    let dismiss = move || match STEP.with(Cell::get) {
        Step::Score => {
            feedback("decline");
            close("decline");
        }
        Step::FollowUp(_) => close("dismissed"),
        Step::Thanks(_) => close("completed"),
    };
    let choose = move |n: u8, radio: &web_sys::Element| {
        let Ok(score) = NpsScore::new(i64::from(n)) else { return };
        if let Some(group) = radio.parent_element() {
            select_radio(&group, n, true);
        }
        report("score", &[("score", u32::from(score.value()).into())]);
        go(Step::FollowUp(score.band()));
    };
    let link = shown.texts.promoter_link.clone().filter(|l| l.starts_with("http"));
    let has_link = link.is_some();
    let questions = shown.texts.extra_questions.clone();
    // Send: the comment and the extra answers, read from the follow-up's controls.
    let send = move |form: web_sys::Element| {
        let Step::FollowUp(band) = STEP.with(Cell::get) else { return };
        let text = form.query_selector("textarea").ok().flatten().and_then(|e| e.dyn_into::<web_sys::HtmlTextAreaElement>().ok());
        let text = text.map(|e| e.value()).unwrap_or_default();
        let comment = if text.trim().is_empty() { JsValue::NULL } else { text.trim().into() };
        report("complete", &[("comment", comment), ("extra_answers", extra_answers(&form, &questions).into())]);
        go_on_submit(Step::Thanks(band));
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
    };

    let on_click = move |ev: MouseEvent| {
        let Some(button) = element(ev.target()).and_then(|e| e.closest("button[data-a]").ok().flatten()) else { return };
        match button.get_attribute("data-a").as_deref() {
            Some("x") => dismiss(),
            Some("later") => {
                feedback("snooze");
                close("snooze");
            }
            Some("never") => {
                feedback("opt_out");
                close("opt_out");
            }
            Some("send") => {
                if let Ok(Some(form)) = button.closest(".s-follow") {
                    send(form);
                }
            }
            Some(digit) => {
                if let Some(n) = DIGITS.iter().position(|d| *d == digit) {
                    choose(n as u8, &button);
                }
            }
            None => {}
        }
    };
    // Arrows move along the scale (mirrored in RTL), Esc dismisses, Tab stays in the modal.
    let on_key = move |ev: KeyboardEvent| {
        let key = ev.key();
        let radio = element(ev.target()).filter(|e| e.get_attribute("role").as_deref() == Some("radio"));
        let on_radio = radio.is_some();
        let cur = radio.and_then(|r| r.get_attribute("data-a")).and_then(|d| DIGITS.iter().position(|x| *x == d)).unwrap_or(0) as i32;
        let (next, prev) = if rtl { (cur - 1, cur + 1) } else { (cur + 1, cur - 1) };
        let to = match key.as_str() {
            "Escape" => {
                ev.stop_propagation();
                return dismiss();
            }
            "Tab" if modal => {
                if let Some(card) = ev.current_target().and_then(|c| c.dyn_into::<web_sys::HtmlElement>().ok()) {
                    trap_focus(&card, &ev);
                }
                return;
            }
            _ if !on_radio => return,
            "ArrowRight" => next,
            "ArrowLeft" => prev,
            "ArrowDown" => cur + 1,
            "ArrowUp" => cur - 1,
            "Home" => 0,
            "End" => 10,
            _ => return,
        };
        ev.prevent_default();
        if let Some(group) = element(ev.target()).and_then(|e| e.parent_element()) {
            select_radio(&group, to.rem_euclid(11) as u8, false);
        }
    };

    let radios = (0u8..=10)
        .map(|n| {
            let described = match n {
                0 => Some("nps-low"),
                10 => Some("nps-high"),
                _ => None,
            };
            let label = DIGITS[usize::from(n)];
            view! {
                <button type="button" role="radio" data-a=label aria-checked="false" tabindex=if n == 0 { "0" } else { "-1" }
                    aria-describedby=described>{label}</button>
            }
        })
        .collect_view();

    let first = first_step(&shown);
    let heading = heading_text(&shown.texts, first);
    let extra_views = shown.texts.extra_questions.iter().enumerate().map(|(i, q)| extra_question(i, q, t)).collect_view();

    let placement = match shown.appearance.placement {
        Placement::BottomRight => "bottom_right",
        Placement::BottomLeft => "bottom_left",
        Placement::Centre => "centre",
        Placement::BottomSheet => "bottom_sheet",
    };
    let theme = match shown.appearance.theme {
        Theme::Light => "light",
        Theme::Dark => "dark",
        Theme::Auto => "auto",
    };
    let class = ["wrap ", placement, " ", theme, if modal { " modal" } else { "" }, if has_link { " has-link" } else { "" }].concat();
    view! {
        <div class=class>
            <div class="backdrop"></div>
            <section class="card" role="dialog" aria-modal=if modal { "true" } else { "false" }
                aria-labelledby="nps-q" aria-label=t.survey dir=if rtl { "rtl" } else { "ltr" } lang=shown.lang.clone()
                data-step=step_name(first) on:keydown=on_key on:click=on_click>
                <button type="button" class="x" data-a="x" aria-label=t.close>"×"</button>
                <p class="q" id="nps-q" tabindex="-1">{heading}</p>
                <div class="s-score">
                    <div class="scale" role="radiogroup" aria-labelledby="nps-q">{radios}</div>
                    <div class="ends" aria-hidden="true">
                        <span id="nps-low">{t.not_likely}</span>
                        <span id="nps-high">{t.very_likely}</span>
                    </div>
                    <div class="actions">
                        <button type="button" class="link" data-a="later">{t.later}</button>
                        <button type="button" class="link" data-a="never">{t.never}</button>
                    </div>
                </div>
                // A div, not a form: the Send button's click is all there is to sending (one
                // handler fewer, and no implicit submission from the text box).
                <div class="s-follow">
                    <textarea id="nps-comment" aria-labelledby="nps-q" rows="3" maxlength="5000"></textarea>
                    {extra_views}
                    <div class="actions">
                        <button type="submit" class="primary" data-a="send">{t.send}</button>
                    </div>
                </div>
                <div class="actions s-link">
                    <a class="primary" href=link target="_blank" rel="noopener noreferrer">{t.go}</a>
                </div>
            </section>
        </div>
    }
}


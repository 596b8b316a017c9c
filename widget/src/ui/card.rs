//! The card's view.

use super::*;

/// The card: the score, follow-up and thanks steps in one view, of which `data-step` shows one
/// through the stylesheet; one handler per event type serves every control (`controls.rs`).
/// Leptos compiles each distinct view and handler into code of its own, so this keeps the
/// renderer small (see widget/README.md "Size").
#[component]
pub(super) fn Card(shown: Arc<Shown>) -> impl IntoView {
    let t: &'static Strings = i18n::strings(&shown.lang);
    let rtl = i18n::is_rtl(&shown.lang);
    let first = first_step(&shown);
    STEP.with(|c| c.set(first));
    let modal = shown.appearance.placement == Placement::Centre;
    let link = shown.texts.promoter_link.clone().filter(|l| l.starts_with("http"));
    let has_link = link.is_some();
    let heading = heading_text(&shown.texts, first);
    let extra_views = shown.texts.extra_questions.iter().enumerate().map(|(i, q)| extra_question(i, q, t)).collect_view();
    let class = wrap_class(&shown.appearance, modal, has_link);
    let radios = score_radios();
    let lang = shown.lang.clone();
    let on_click = move |ev: MouseEvent| clicked(&ev, &shown, has_link);
    let on_key = move |ev: KeyboardEvent| key_pressed(&ev, rtl, modal);
    view! {
        <div class=class>
            <div class="backdrop"></div>
            <section class="card" role="dialog" aria-modal=if modal { "true" } else { "false" }
                aria-labelledby="nps-q" aria-label=t.survey dir=if rtl { "rtl" } else { "ltr" } lang=lang
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

/// The scale: eleven radios, one tab stop (the arrows move within it).
fn score_radios() -> impl IntoView {
    (0u8..=10)
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
        .collect_view()
}

/// The stylesheet's classes for the placement, the theme, the modal and the promoter link.
fn wrap_class(appearance: &nps_core::wire::Appearance, modal: bool, has_link: bool) -> String {
    let placement = match appearance.placement {
        Placement::BottomRight => "bottom_right",
        Placement::BottomLeft => "bottom_left",
        Placement::Centre => "centre",
        Placement::BottomSheet => "bottom_sheet",
    };
    let theme = match appearance.theme {
        Theme::Light => "light",
        Theme::Dark => "dark",
        Theme::Auto => "auto",
    };
    ["wrap ", placement, " ", theme, if modal { " modal" } else { "" }, if has_link { " has-link" } else { "" }].concat()
}

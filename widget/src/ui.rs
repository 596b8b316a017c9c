//! The survey card: leptos CSR mounted into a shadow root, styled by an adopted stylesheet.

use crate::i18n::{self, Strings};
use crate::payload::Shown;
use leptos::ev::{KeyboardEvent, MouseEvent};
use leptos::prelude::*;
use nps_core::wire::{ExtraQuestionKind, Placement, Theme};
use nps_core::{Band, NpsScore};
use std::cell::{Cell, RefCell};
use std::sync::Arc;
use std::time::Duration;
use wasm_bindgen::{JsCast, JsValue};

struct Mounted {
    /// The `<nps-survey>` element: a manual popover, shown in the top layer while a card is up.
    host: web_sys::Element,
    sheet: web_sys::CssStyleSheet,
    shadow: web_sys::ShadowRoot,
    /// Where leptos mounts the card inside the shadow root.
    root: web_sys::HtmlElement,
    /// The card on screen: dropping its `UnmountHandle` removes it. Each card is mounted afresh
    /// rather than swapped by a reactive `Option`, which would make leptos compile a second,
    /// "rebuild in place" copy of the whole card.
    card: Option<Box<dyn std::any::Any>>,
}

thread_local! {
    static MOUNTED: RefCell<Option<Mounted>> = const { RefCell::new(None) };
    /// Where the focus was before the card took it; it goes back there on close.
    static RETURN_FOCUS: RefCell<Option<web_sys::HtmlElement>> = const { RefCell::new(None) };
    /// The decider's `report(what, detail)`.
    static REPORT: RefCell<Option<js_sys::Function>> = const { RefCell::new(None) };
    /// The step of the card on screen (one card at a time).
    static STEP: Cell<Step> = const { Cell::new(Step::Score) };
    /// Counts the cards shown, so a timer set for one card never closes the next.
    static GENERATION: Cell<u32> = const { Cell::new(0) };
}

/// Tells the decider what the user did (it writes the answers and tells the host page).
fn report(what: &str, detail: &[(&str, JsValue)]) {
    let object = js_sys::Object::new();
    for (k, v) in detail {
        let _ = js_sys::Reflect::set(&object, &JsValue::from_str(k), v);
    }
    if let Some(f) = REPORT.with(|r| r.borrow().clone()) {
        let _ = f.call2(&JsValue::NULL, &what.into(), &object);
    }
}

/// The card's stylesheet, adopted by its shadow root: nothing in it reaches the host page, and
/// the host page's rules only reach the card through inheritance, which `.card` resets. The
/// last rules show the step named by the section's `data-step`. (No comments in the file:
/// every byte of it ships.)
const CSS: &str = include_str!("style.css");

/// Only plain colour syntax reaches the stylesheet, so a survey editor cannot inject CSS.
fn safe_colour(c: &str) -> &str {
    let ok = !c.is_empty() && c.len() < 40 && c.chars().all(|ch| ch.is_ascii_alphanumeric() || "#(),.% ".contains(ch));
    if ok { c } else { "#4f46e5" }
}

/// Creates the host element, its shadow root and the leptos root, once.
fn mount() -> Result<(), wasm_bindgen::JsValue> {
    if MOUNTED.with(|m| m.borrow().is_some()) {
        return Ok(());
    }
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    // A custom element name: host rules aimed at `div` or `section` do not match it.
    let host = document.create_element("nps-survey")?;
    // In the top layer, nothing of the host page can move, clip or cover the card: a
    // `transform` or `overflow: hidden` on the body would otherwise make the body, not the
    // viewport, what the card's `position: fixed` is relative to (and cut it off).
    host.set_attribute("popover", "manual")?;
    let shadow = host.attach_shadow(&web_sys::ShadowRootInit::new(web_sys::ShadowRootMode::Open))?;
    let sheet = web_sys::CssStyleSheet::new()?;
    shadow.set_adopted_style_sheets(&js_sys::Array::of1(&sheet));
    let root: web_sys::HtmlElement = document.create_element("div")?.unchecked_into();
    shadow.append_child(&root)?;
    document.body().ok_or("no body")?.append_child(&host)?;
    MOUNTED.with(|m| *m.borrow_mut() = Some(Mounted { host, sheet, shadow, root, card: None }));
    Ok(())
}

pub fn show(s: Shown, report: js_sys::Function) {
    if let Err(e) = mount() {
        web_sys::console::warn_2(&"nps: cannot mount".into(), &e);
        return;
    }
    REPORT.with(|r| *r.borrow_mut() = Some(report));
    GENERATION.with(|g| g.set(g.get().wrapping_add(1)));
    // Keep the first return target when a card replaces another. A preview leaves the focus
    // where it is: it must not pull the focus out of the editor the user is typing in.
    let preview = s.preview;
    if !preview && RETURN_FOCUS.with(|f| f.borrow().is_none()) {
        let active = web_sys::window().and_then(|w| w.document()).and_then(|d| d.active_element());
        let outside = active.filter(|e| e.local_name() != "nps-survey");
        RETURN_FOCUS.with(|f| *f.borrow_mut() = outside.and_then(|e| e.dyn_into().ok()));
    }
    MOUNTED.with(|m| {
        if let Some(m) = &mut *m.borrow_mut() {
            m.card = None;
            let mut css = String::with_capacity(CSS.len() + 40);
            css.push_str(CSS);
            css.push_str("\n:host{--nps-brand:");
            css.push_str(safe_colour(&s.appearance.brand_colour));
            css.push('}');
            let _ = m.sheet.replace_sync(&css);
            let step = first_step(&s);
            let shown = Arc::new(s);
            m.card = Some(Box::new(leptos::mount::mount_to(m.root.clone(), move || view! { <Card shown=shown/> })));
            top_layer(&m.host, true);
            if !preview {
                focus_step(step);
            }
        }
    });
}

/// Puts the host element in the top layer (`showPopover`) or takes it out. A browser without
/// the Popover API keeps the card in the page, as before it existed.
fn top_layer(host: &web_sys::Element, up: bool) {
    let open = host.matches(":popover-open").unwrap_or(false);
    if open == up {
        return;
    }
    let method = if up { "showPopover" } else { "hidePopover" };
    if let Ok(f) = js_sys::Reflect::get(host, &method.into()).and_then(|f| f.dyn_into::<js_sys::Function>().map_err(JsValue::from)) {
        let _ = f.call0(host);
    }
}

/// Moves the focus to what `step` is about once the view has caught up (the DOM is updated on
/// the next microtask; an animation frame comes after it): the scale's tab stop, the comment
/// box, or the thank-you text.
fn focus_step(step: Step) {
    let selector = match step {
        Step::Score => ".scale [tabindex='0']",
        Step::FollowUp(_) => "textarea",
        Step::Thanks(_) => ".q",
    };
    request_animation_frame(move || {
        let el = MOUNTED.with(|m| m.borrow().as_ref().and_then(|m| m.shadow.query_selector(selector).ok().flatten()));
        if let Some(el) = el.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
            let _ = el.focus();
        }
    });
}

/// Removes the card (if any) and gives the focus back.
pub fn close_now() {
    // Taken out first: unmounting runs the card's cleanups, which must not find MOUNTED borrowed.
    let card = MOUNTED.with(|m| m.borrow_mut().as_mut().and_then(|m| m.card.take().map(|card| (card, m.host.clone()))));
    let Some((card, host)) = card else { return };
    drop(card);
    top_layer(&host, false);
    if let Some(el) = RETURN_FOCUS.with(|f| f.borrow_mut().take()).filter(|e| e.is_connected()) {
        let _ = el.focus();
    }
}

fn close(reason: &str) {
    close_now();
    report("closed", &[("reason", reason.into())]);
}

fn feedback(kind: &str) {
    report("feedback", &[("kind", kind.into())]);
}

/// Keeps Tab and Shift+Tab inside the centre modal: from the last focusable element Tab goes
/// to the first, and from the first Shift+Tab to the last. In between, the browser moves the
/// focus itself (so a group of radio buttons stays one stop).
fn trap_focus(card: &web_sys::HtmlElement, ev: &KeyboardEvent) {
    let Ok(nodes) = card.query_selector_all("button,a[href],textarea,input,select,[tabindex]") else { return };
    // Tab stops: not taken out by tabindex=-1, and rendered (a hidden step has no offsetParent).
    let stops: Vec<web_sys::HtmlElement> = (0..nodes.length())
        .filter_map(|i| nodes.item(i)?.dyn_into::<web_sys::HtmlElement>().ok())
        .filter(|e| e.tab_index() >= 0 && e.offset_parent().is_some())
        .collect();
    let (Some(first), Some(last)) = (stops.first(), stops.last()) else {
        ev.prevent_default();
        return;
    };
    let root = card.get_root_node().dyn_into::<web_sys::ShadowRoot>().ok();
    let Some(active) = root.and_then(|r| r.active_element()) else {
        ev.prevent_default();
        let _ = first.focus();
        return;
    };
    // Whether any stop lies beyond the focused element in the direction of travel.
    let direction = if ev.shift_key() { web_sys::Node::DOCUMENT_POSITION_PRECEDING } else { web_sys::Node::DOCUMENT_POSITION_FOLLOWING };
    let more = stops.iter().any(|e| active.compare_document_position(e) & direction != 0);
    if !more {
        ev.prevent_default();
        let _ = if ev.shift_key() { last.focus() } else { first.focus() };
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Step {
    Score,
    FollowUp(Band),
    Thanks(Band),
}

fn first_step(s: &Shown) -> Step {
    match (s.start_band, s.start_thanks) {
        (Some(band), true) => Step::Thanks(band),
        (Some(band), false) => Step::FollowUp(band),
        (None, _) => Step::Score,
    }
}

fn band_text(per: &nps_core::wire::PerBand<String>, band: Band) -> String {
    match band {
        Band::Detractor => per.detractor.clone(),
        Band::Passive => per.passive.clone(),
        Band::Promoter => per.promoter.clone(),
    }
}

/// The scale's buttons as text (no integer formatting code for eleven labels).
const DIGITS: [&str; 11] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"];

/// One heading for every step: the question, the band's follow-up question (it labels the
/// comment box), or the band's thanks (focused, so screen readers read it).
fn heading_text(texts: &nps_core::wire::SurveyTexts, step: Step) -> String {
    match step {
        Step::Score => texts.question.clone(),
        Step::FollowUp(band) => band_text(&texts.follow_up, band),
        Step::Thanks(band) => band_text(&texts.thank_you, band),
    }
}

/// Moves the card to `step`: the section's `data-step` (the stylesheet shows that step's
/// controls), the heading, then the focus.
fn show_step(step: Step, heading: &str) {
    MOUNTED.with(|m| {
        let Some(m) = &*m.borrow() else { return };
        if let Ok(Some(card)) = m.shadow.query_selector(".card") {
            let _ = card.set_attribute("data-step", step_name(step));
        }
        if let Ok(Some(q)) = m.shadow.query_selector(".q") {
            q.set_text_content(Some(heading));
        }
    });
    focus_step(step);
}

fn step_name(step: Step) -> &'static str {
    match step {
        Step::Score => "score",
        Step::FollowUp(_) => "follow_up",
        Step::Thanks(Band::Promoter) => "thanks_promoter",
        Step::Thanks(_) => "thanks",
    }
}

/// Moves the scale's one tab stop (roving tabindex) to radio `n` and focuses it; `check` also
/// marks it as the one chosen. Done on the DOM directly: reactive attributes on eleven buttons
/// cost more code than these few lines.
fn select_radio(group: &web_sys::Element, n: u8, check: bool) {
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

fn element(target: Option<web_sys::EventTarget>) -> Option<web_sys::Element> {
    target?.dyn_into().ok()
}

/// The answers to the extra questions, read from the form when it is sent: `{id: value}` with
/// the text typed, the rating as a number or yes/no as a boolean. Inputs are named `x<index>`.
fn extra_answers(form: &web_sys::Element, questions: &[nps_core::wire::ExtraQuestion]) -> js_sys::Object {
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
/// `data-step` shows one of them through the stylesheet, and one handler per event type serves
/// every control (by its `data-a`). Leptos compiles each distinct view and handler into code of
/// its own, so this keeps the renderer small (see widget/README.md "Size").
#[component]
fn Card(shown: Arc<Shown>) -> impl IntoView {
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
                    let shown = MOUNTED.with(|m| m.borrow().as_ref().is_some_and(|m| m.card.is_some()));
                    if shown && GENERATION.with(Cell::get) == generation {
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

/// One optional extra question. Every kind has the same markup (a fieldset with its options,
/// or with a text box), so leptos builds one view type for all of them; the answers are read
/// from the form when it is sent ([`extra_answers`]).
fn extra_question(index: usize, q: &nps_core::wire::ExtraQuestion, t: &'static Strings) -> impl IntoView + use<> {
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

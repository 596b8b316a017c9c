//! The survey card: leptos CSR mounted into a shadow root, styled by an adopted stylesheet.

use crate::i18n::{self, Strings};
use crate::payload::Shown;
use leptos::ev::{KeyboardEvent, SubmitEvent};
use leptos::prelude::*;
use nps_core::wire::{ExtraQuestionKind, Placement, Theme};
use nps_core::{Band, NpsScore};
use std::cell::{Cell, RefCell};
use std::sync::Arc;
use std::time::Duration;
use wasm_bindgen::{JsCast, JsValue};

struct Mounted {
    current: RwSignal<Option<Arc<Shown>>>,
    sheet: web_sys::CssStyleSheet,
}

thread_local! {
    static MOUNTED: RefCell<Option<Mounted>> = const { RefCell::new(None) };
    /// Where the focus was before the card took it; it goes back there on close.
    static RETURN_FOCUS: RefCell<Option<web_sys::HtmlElement>> = const { RefCell::new(None) };
    /// The decider's `report(what, detail)`.
    static REPORT: RefCell<Option<js_sys::Function>> = const { RefCell::new(None) };
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

/// An answer to an extra question (kept `Send` for the signal; becomes JSON when reported).
#[derive(Clone)]
enum Answer {
    Text(String),
    Rating(u8),
    YesNo(bool),
}

impl Answer {
    fn to_js(&self) -> JsValue {
        match self {
            Answer::Text(s) => s.as_str().into(),
            Answer::Rating(n) => u32::from(*n).into(),
            Answer::YesNo(b) => (*b).into(),
        }
    }
}

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
    let shadow = host.attach_shadow(&web_sys::ShadowRootInit::new(web_sys::ShadowRootMode::Open))?;
    let sheet = web_sys::CssStyleSheet::new()?;
    shadow.set_adopted_style_sheets(&js_sys::Array::of1(&sheet));
    let root: web_sys::HtmlElement = document.create_element("div")?.unchecked_into();
    shadow.append_child(&root)?;
    document.body().ok_or("no body")?.append_child(&host)?;
    let current = RwSignal::new(None::<Arc<Shown>>);
    leptos::mount::mount_to(root, move || move || current.get().map(|s| view! { <Card shown=s/> })).forget();
    MOUNTED.with(|m| *m.borrow_mut() = Some(Mounted { current, sheet }));
    Ok(())
}

pub fn show(s: Shown, report: js_sys::Function) {
    if let Err(e) = mount() {
        web_sys::console::warn_2(&"nps: cannot mount".into(), &e);
        return;
    }
    REPORT.with(|r| *r.borrow_mut() = Some(report));
    GENERATION.with(|g| g.set(g.get().wrapping_add(1)));
    // Keep the first return target when a card replaces another (the admin's preview).
    if RETURN_FOCUS.with(|f| f.borrow().is_none()) {
        let active = web_sys::window().and_then(|w| w.document()).and_then(|d| d.active_element());
        let outside = active.filter(|e| e.local_name() != "nps-survey");
        RETURN_FOCUS.with(|f| *f.borrow_mut() = outside.and_then(|e| e.dyn_into().ok()));
    }
    MOUNTED.with(|m| {
        if let Some(m) = &*m.borrow() {
            let mut css = String::with_capacity(CSS.len() + 40);
            css.push_str(CSS);
            css.push_str("\n:host{--nps-brand:");
            css.push_str(safe_colour(&s.appearance.brand_colour));
            css.push('}');
            let _ = m.sheet.replace_sync(&css);
            m.current.set(Some(Arc::new(s)));
        }
    });
}

/// Removes the card (if any) and gives the focus back.
pub fn close_now() {
    let was = MOUNTED.with(|m| m.borrow().as_ref().and_then(|m| m.current.get_untracked()));
    let Some(was) = was else { return };
    MOUNTED.with(|m| {
        if let Some(m) = &*m.borrow() {
            m.current.set(None);
        }
    });
    if let Some(el) = RETURN_FOCUS.with(|f| f.borrow_mut().take()).filter(|e| e.is_connected()) {
        let _ = el.focus();
    }
    let _ = was;
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
    let stops: Vec<web_sys::HtmlElement> =
        (0..nodes.length()).filter_map(|i| nodes.item(i)?.dyn_into::<web_sys::HtmlElement>().ok()).filter(|e| e.tab_index() >= 0).collect();
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

fn band_text(per: &nps_core::wire::PerBand<String>, band: Band) -> String {
    match band {
        Band::Detractor => per.detractor.clone(),
        Band::Passive => per.passive.clone(),
        Band::Promoter => per.promoter.clone(),
    }
}

fn focus_child(group: Option<web_sys::HtmlDivElement>, i: u8) {
    let child = group.and_then(|g| g.children().item(u32::from(i)));
    if let Some(el) = child.and_then(|c| c.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = el.focus();
    }
}

#[component]
fn Card(shown: Arc<Shown>) -> impl IntoView {
    let t: &'static Strings = i18n::strings(&shown.lang);
    let rtl = i18n::is_rtl(&shown.lang);
    let step = RwSignal::new(match (shown.start_band, shown.start_thanks) {
        (Some(band), true) => Step::Thanks(band),
        (Some(band), false) => Step::FollowUp(band),
        (None, _) => Step::Score,
    });
    let selected = RwSignal::new(None::<u8>);
    let roving = RwSignal::new(0u8);
    let comment = RwSignal::new(String::new());
    let extras = RwSignal::new(Vec::<(String, Answer)>::new());
    let card_ref = NodeRef::<leptos::html::Section>::new();
    let modal = shown.appearance.placement == Placement::Centre;
    let group_ref = NodeRef::<leptos::html::Div>::new();
    let comment_ref = NodeRef::<leptos::html::Textarea>::new();
    let thanks_ref = NodeRef::<leptos::html::P>::new();

    // Focus follows the step: into the scale when shown, then the comment, then the thanks.
    // (A NodeRef keeps its element after that step's view is gone, hence the match on step.)
    Effect::new(move |_| match step.get() {
        Step::Score => focus_child(group_ref.get(), roving.get_untracked()),
        Step::FollowUp(_) => {
            if let Some(c) = comment_ref.get() {
                let _ = c.focus();
            }
        }
        Step::Thanks(_) => {
            if let Some(p) = thanks_ref.get() {
                let _ = p.focus();
            }
        }
    });

    let dismiss = move || match step.get_untracked() {
        Step::Score => {
            feedback("decline");
            close("decline");
        }
        Step::FollowUp(_) => close("dismissed"),
        Step::Thanks(_) => close("completed"),
    };
    let on_card_key = move |ev: KeyboardEvent| match ev.key().as_str() {
        "Escape" => {
            ev.stop_propagation();
            dismiss();
        }
        "Tab" if modal => {
            if let Some(card) = card_ref.get_untracked() {
                trap_focus(&card, &ev);
            }
        }
        _ => {}
    };

    let choose = move |n: u8| {
        let Ok(score) = NpsScore::new(i64::from(n)) else { return };
        selected.set(Some(n));
        roving.set(n);
        report("score", &[("score", u32::from(score.value()).into())]);
        step.set(Step::FollowUp(score.band()));
    };
    let on_scale_key = move |ev: KeyboardEvent| {
        let cur = i32::from(roving.get_untracked());
        let (next, prev) = if rtl { (cur - 1, cur + 1) } else { (cur + 1, cur - 1) };
        let to = match ev.key().as_str() {
            "ArrowRight" => next,
            "ArrowLeft" => prev,
            "ArrowDown" => cur + 1,
            "ArrowUp" => cur - 1,
            "Home" => 0,
            "End" => 10,
            _ => return,
        };
        ev.prevent_default();
        let to = to.rem_euclid(11) as u8;
        roving.set(to);
        focus_child(group_ref.get_untracked(), to);
    };

    let radios = (0u8..=10)
        .map(|n| {
            let described = match n {
                0 => Some("nps-low"),
                10 => Some("nps-high"),
                _ => None,
            };
            view! {
                <button type="button" role="radio"
                    aria-checked=move || if selected.get() == Some(n) { "true" } else { "false" }
                    tabindex=move || if roving.get() == n { "0" } else { "-1" }
                    aria-describedby=described
                    on:click=move |_| choose(n)>{n}</button>
            }
        })
        .collect_view();

    let snooze = move |_| {
        feedback("snooze");
        close("snooze");
    };
    let opt_out = move |_| {
        feedback("opt_out");
        close("opt_out");
    };
    let s = shown.clone();
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Step::FollowUp(band) = step.get_untracked() else { return };
        let text = comment.get_untracked().trim().to_owned();
        let answers = js_sys::Object::new();
        for (id, answer) in extras.get_untracked() {
            let _ = js_sys::Reflect::set(&answers, &id.as_str().into(), &answer.to_js());
        }
        let comment = if text.is_empty() { JsValue::NULL } else { text.into() };
        report("complete", &[("comment", comment), ("extra_answers", answers.into())]);
        step.set(Step::Thanks(band));
        // The thanks leaves by itself unless it offers a link to follow.
        if band != Band::Promoter || s.texts.promoter_link.is_none() {
            let generation = GENERATION.with(Cell::get);
            set_timeout(
                move || {
                    let shown = MOUNTED.with(|m| m.borrow().as_ref().is_some_and(|m| m.current.get_untracked().is_some()));
                    if shown && GENERATION.with(Cell::get) == generation {
                        close("completed");
                    }
                },
                Duration::from_millis(6_000),
            );
        }
    };

    let texts = shown.texts.clone();
    let body = move || match step.get() {
        Step::Score => view! {
            <p class="q" id="nps-q">{texts.question.clone()}</p>
            <div class="scale" role="radiogroup" aria-labelledby="nps-q" node_ref=group_ref on:keydown=on_scale_key>
                {radios.clone()}
            </div>
            <div class="ends" aria-hidden="true">
                <span id="nps-low">{t.not_likely}</span>
                <span id="nps-high">{t.very_likely}</span>
            </div>
            <div class="actions">
                <button type="button" class="link" on:click=snooze>{t.later}</button>
                <button type="button" class="link" on:click=opt_out>{t.never}</button>
            </div>
        }
        .into_any(),
        Step::FollowUp(band) => view! {
            <form on:submit=submit.clone()>
                <label class="q" id="nps-q" for="nps-comment">{band_text(&texts.follow_up, band)}</label>
                <textarea id="nps-comment" rows="3" maxlength="5000" node_ref=comment_ref
                    on:input=move |ev| comment.set(event_target_value(&ev))></textarea>
                {texts.extra_questions.iter().map(|q| extra_question(q, t, extras)).collect_view()}
                <div class="actions">
                    <button type="submit" class="primary">{t.send}</button>
                </div>
            </form>
        }
        .into_any(),
        Step::Thanks(band) => {
            let link = texts.promoter_link.clone().filter(|l| band == Band::Promoter && l.starts_with("http"));
            view! {
                <p class="q" id="nps-q" tabindex="-1" node_ref=thanks_ref>{band_text(&texts.thank_you, band)}</p>
                {link.map(|href| view! {
                    <div class="actions"><a class="primary" href=href target="_blank" rel="noopener noreferrer">{t.go}</a></div>
                })}
            }
            .into_any()
        }
    };

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
    let class = ["wrap ", placement, " ", theme].concat();
    view! {
        <div class=class>
            {modal.then(|| view! { <div class="backdrop"></div> })}
            <section class="card" role="dialog" aria-modal=if modal { "true" } else { "false" }
                aria-labelledby="nps-q" aria-label=t.survey dir=if rtl { "rtl" } else { "ltr" } lang=shown.lang.clone()
                node_ref=card_ref on:keydown=on_card_key>
                <button type="button" class="x" aria-label=t.close on:click=move |_| dismiss()>"×"</button>
                {body}
            </section>
        </div>
    }
}

/// One optional extra question; its answer lands in `extras` under the question's id.
fn extra_question(q: &nps_core::wire::ExtraQuestion, t: &'static Strings, extras: RwSignal<Vec<(String, Answer)>>) -> AnyView {
    let id = q.id.clone();
    let set = move |v: Answer| {
        let id = id.clone();
        extras.update(move |m| {
            m.retain(|(k, _)| *k != id);
            m.push((id, v));
        })
    };
    let name = ["x-", q.id.as_str()].concat();
    match q.kind {
        ExtraQuestionKind::Text => view! {
            <label>{q.text.clone()} " " <span class="muted">{t.optional}</span>
                <input type="text" maxlength="1000" on:change=move |ev| set(Answer::Text(event_target_value(&ev)))/>
            </label>
        }
        .into_any(),
        ExtraQuestionKind::Rating | ExtraQuestionKind::YesNo => {
            const DIGITS: [&str; 5] = ["1", "2", "3", "4", "5"];
            let options: Vec<(&'static str, Answer)> = if q.kind == ExtraQuestionKind::Rating {
                (1u8..=5).map(|n| (DIGITS[usize::from(n - 1)], Answer::Rating(n))).collect()
            } else {
                vec![(t.yes, Answer::YesNo(true)), (t.no, Answer::YesNo(false))]
            };
            view! {
                <fieldset>
                    <legend>{q.text.clone()} " " <span class="muted">{t.optional}</span></legend>
                    <div class="opts">
                        {options.into_iter().map(|(label, value)| {
                            let set = set.clone();
                            view! {
                                <label><input type="radio" name=name.clone() on:change=move |_| set(value.clone())/>{label}</label>
                            }
                        }).collect_view()}
                    </div>
                </fieldset>
            }
            .into_any()
        }
    }
}

//! The card's place in the host page: the `<nps-survey>` host in the top layer, showing and
//! closing a card, the focus it takes and gives back, and what it reports to the decider.

use super::*;

pub(super) struct Mounted {
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
    pub(super) static MOUNTED: RefCell<Option<Mounted>> = const { RefCell::new(None) };
    /// Where the focus was before the card took it; it goes back there on close.
    pub(super) static RETURN_FOCUS: RefCell<Option<web_sys::HtmlElement>> = const { RefCell::new(None) };
    /// The decider's `report(what, detail)`.
    pub(super) static REPORT: RefCell<Option<js_sys::Function>> = const { RefCell::new(None) };
    /// The step of the card on screen (one card at a time).
    pub(super) static STEP: Cell<Step> = const { Cell::new(Step::Score) };
    /// Counts the cards shown, so a timer set for one card never closes the next.
    pub(super) static GENERATION: Cell<u32> = const { Cell::new(0) };
}

/// Tells the decider what the user did (it writes the answers and tells the host page).
pub(super) fn report(what: &str, detail: &[(&str, JsValue)]) {
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
pub(super) const CSS: &str = include_str!("../style.css");

/// Only plain colour syntax reaches the stylesheet, so a survey editor cannot inject CSS.
pub(super) fn safe_colour(c: &str) -> &str {
    let ok = !c.is_empty() && c.len() < 40 && c.chars().all(|ch| ch.is_ascii_alphanumeric() || "#(),.% ".contains(ch));
    if ok { c } else { "#4f46e5" }
}

/// Creates the host element, its shadow root and the leptos root, once.
pub(super) fn mount() -> Result<(), wasm_bindgen::JsValue> {
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
pub(super) fn top_layer(host: &web_sys::Element, up: bool) {
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
pub(super) fn focus_step(step: Step) {
    let selector = match step {
        Step::Score => ".scale [tabindex='0']",
        Step::FollowUp(_) => "textarea",
        Step::Thanks(_) => ".q",
    };
    request_animation_frame(move || {
        if let Some(el) = in_card(selector).and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
            let _ = el.focus();
        }
    });
}

/// The first element of the shadow root that `selector` matches.
pub(super) fn in_card(selector: &str) -> Option<web_sys::Element> {
    MOUNTED.with(|m| m.borrow().as_ref().and_then(|m| m.shadow.query_selector(selector).ok().flatten()))
}

/// Whether a card is on screen.
pub(super) fn card_is_up() -> bool {
    MOUNTED.with(|m| m.borrow().as_ref().is_some_and(|m| m.card.is_some()))
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

pub(super) fn close(reason: &str) {
    close_now();
    report("closed", &[("reason", reason.into())]);
}

pub(super) fn feedback(kind: &str) {
    report("feedback", &[("kind", kind.into())]);
}

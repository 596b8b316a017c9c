//! The NPS survey card: leptos CSR compiled to WASM, mounted in a Shadow DOM.
//!
//! This is the renderer only. The decider (`loader/decider.js`, run on every page) evaluates
//! triggers, asks the collector and keeps the outbox; it fetches this module only when a survey
//! is due, calls [`show`], and receives what the user did through `report(what, detail)`.

mod i18n;
mod payload;
mod ui;

use wasm_bindgen::prelude::*;

/// Shows the card for `payload` (`{lang, texts, appearance, start_band?, start_thanks?, preview?}`),
/// replacing any card on screen. `report(what, detail)` is told `score` `{score}`, `complete`
/// `{comment, extra_answers}`, `feedback` `{kind}` and `closed` `{reason}`.
#[wasm_bindgen]
pub fn show(payload: JsValue, report: js_sys::Function) {
    ui::show(payload::read(&payload), report);
}

/// Removes the card, if any, without reporting (the host signed the user out).
#[wasm_bindgen]
pub fn close() {
    ui::close_now();
}

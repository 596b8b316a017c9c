//! The embeddable NPS widget: leptos CSR compiled to WASM, loaded by the tiny `loader/nps.js`.
//!
//! The loader queues the host page's calls (`nps('identify', ...)`) until this module is ready,
//! then hands them over one by one through [`command`], in order.

mod app;
mod browser;
mod i18n;
mod outbox;
mod ui;

use wasm_bindgen::prelude::*;

/// Called once by the loader: `emit(event, detail)` reaches the host's `nps('on', ...)`
/// listeners. Also hooks the flush of the outbox to the browser coming back online and to a
/// timer, so answers left on a bad network get out without the user doing anything.
#[wasm_bindgen]
pub fn boot(emit: js_sys::Function) {
    app::set_emitter(emit);
    let window = browser::window();
    let online = Closure::<dyn Fn()>::new(|| app::flush(true));
    let _ = window.add_event_listener_with_callback("online", online.as_ref().unchecked_ref());
    online.forget();
    let tick = Closure::<dyn Fn()>::new(|| app::flush(false));
    let _ = window.set_interval_with_callback_and_timeout_and_arguments_0(tick.as_ref().unchecked_ref(), 15_000);
    tick.forget();
}

/// One host command: `name` as given to `nps(name, ...)`, `args` the rest as an array.
#[wasm_bindgen]
pub fn command(name: &str, args: js_sys::Array) {
    // JSON.stringify drops functions and undefined, which is what we want from host objects.
    let args: Vec<String> =
        args.iter().map(|a| js_sys::JSON::stringify(&a).ok().and_then(|s| s.as_string()).unwrap_or_else(|| "null".to_owned())).collect();
    app::command(name, &args);
}

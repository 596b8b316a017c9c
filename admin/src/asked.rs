//! Reads on the screens are `LocalResource`s over what a form last asked for, not tasks that
//! set a signal: a new question starts a request, and a late answer to an earlier one is
//! dropped instead of overwriting the figures of the later one (browser-tested in
//! admin-reports.test.mjs).

use leptos::prelude::*;

/// Applies a form's values: what is asked becomes `now`, or, when it already was, is asked
/// again (answers may have arrived since).
pub fn ask<T: PartialEq + Send + Sync + 'static>(asked: RwSignal<T>, now: T) {
    if asked.with_untracked(|a| *a == now) {
        asked.notify();
    } else {
        asked.set(now);
    }
}

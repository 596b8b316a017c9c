//! Writes through the API are leptos `Action`s: a handler dispatches what to send, the
//! action runs the request (`Action::new_local`: the browser's fetch futures are not `Send`),
//! and what the screen does with the answer runs in an effect over `action.value()`. Busy
//! states read `action.pending()`.

use crate::api::ApiResult;
use leptos::prelude::*;
use std::future::Future;

/// An action over `run`, and `done` called with each of its answers (untracked, so what
/// `done` reads does not re-run it). `run` gets its own copy of what was dispatched, since its
/// future outlives the dispatch.
pub fn write<I, O, Fu>(run: impl Fn(I) -> Fu + 'static, done: impl Fn(O) + 'static) -> Action<I, O>
where
    I: Clone + 'static,
    O: Clone + 'static,
    Fu: Future<Output = O> + 'static,
{
    let action = Action::new_local(move |input: &I| run(input.clone()));
    on_answer(action, done);
    action
}

/// The usual form write: its failure shown in `error`, which a success clears before `ok`
/// runs with the answer.
pub fn write_or_error<I, T, Fu>(
    run: impl Fn(I) -> Fu + 'static,
    error: RwSignal<Option<String>>,
    ok: impl Fn(T) + 'static,
) -> Action<I, ApiResult<T>>
where
    I: Clone + 'static,
    T: Clone + 'static,
    Fu: Future<Output = ApiResult<T>> + 'static,
{
    write(run, move |answer| match answer {
        Ok(value) => {
            error.set(None);
            ok(value);
        }
        Err(e) => error.set(Some(e.message)),
    })
}

/// A read that fills signals rather than a resource (it decides which cards show, or fills a
/// form): `run` once now, `done` with its answer.
pub fn load<O, Fu>(run: impl Fn() -> Fu + 'static, done: impl Fn(O) + 'static)
where
    O: Clone + Send + Sync + 'static,
    Fu: Future<Output = O> + 'static,
{
    write(move |()| run(), done).dispatch(());
}

/// A form over settings the collector stores: the action that saves it, and what the form
/// says after a save (`status`) or a failure (`error`).
pub struct StoredSettings<T: 'static> {
    pub save: Action<T, ApiResult<T>>,
    pub status: RwSignal<Option<String>>,
    pub error: RwSignal<Option<String>>,
}

/// The alert and follow-up policies: the stored settings fill the form once they are in
/// (`show`); a save sends what the form says, and the settings as stored fill it again while
/// `saved` says so.
pub fn stored_settings<T, L, S>(
    fetch: impl Fn() -> L + 'static,
    store: impl Fn(T) -> S + 'static,
    show: impl Fn(T) + Copy + 'static,
    saved: impl Fn(&T) -> String + 'static,
) -> StoredSettings<T>
where
    T: Clone + Send + Sync + 'static,
    L: Future<Output = ApiResult<T>> + 'static,
    S: Future<Output = ApiResult<T>> + 'static,
{
    let (status, error) = (RwSignal::new(None), RwSignal::new(None));
    load(fetch, move |answer| match answer {
        Ok(stored) => show(stored),
        Err(e) => error.set(Some(e.message)),
    });
    let save = write(store, move |answer| match answer {
        Ok(stored) => {
            error.set(None);
            status.set(Some(saved(&stored)));
            show(stored);
        }
        Err(e) => {
            status.set(None);
            error.set(Some(e.message));
        }
    });
    StoredSettings { save, status, error }
}

/// Calls `done` with each answer of `action`, untracked.
pub fn on_answer<I: 'static, O: Clone + 'static>(action: Action<I, O>, done: impl Fn(O) + 'static) {
    Effect::new(move |_| {
        if let Some(answer) = action.value().get() {
            untrack(|| done(answer));
        }
    });
}

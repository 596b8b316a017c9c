//! Writes through the API are leptos `Action`s: a handler dispatches what to send, the
//! action runs the request (`Action::new_local`: the browser's fetch futures are not `Send`),
//! and what the screen does with the answer runs in an effect over `action.value()`. Busy
//! states read `action.pending()`.

use leptos::prelude::*;
use std::future::Future;

/// An action over `run`, and `done` called with each of its answers (untracked, so what
/// `done` reads does not re-run it).
pub fn write<I, O, Fu>(run: impl Fn(&I) -> Fu + 'static, done: impl Fn(O) + 'static) -> Action<I, O>
where
    I: 'static,
    O: Clone + 'static,
    Fu: Future<Output = O> + 'static,
{
    let action = Action::new_local(run);
    on_answer(action, done);
    action
}

/// A read that fills signals rather than a resource (it decides which cards show, or fills a
/// form): `run` once now, `done` with its answer.
pub fn load<O, Fu>(run: impl Fn() -> Fu + 'static, done: impl Fn(O) + 'static)
where
    O: Clone + Send + Sync + 'static,
    Fu: Future<Output = O> + 'static,
{
    write(move |_: &()| run(), done).dispatch(());
}

/// Calls `done` with each answer of `action`, untracked.
pub fn on_answer<I: 'static, O: Clone + 'static>(action: Action<I, O>, done: impl Fn(O) + 'static) {
    Effect::new(move |_| {
        if let Some(answer) = action.value().get() {
            untrack(|| done(answer));
        }
    });
}

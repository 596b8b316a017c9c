//! The CSV import form the partner registry and the business data share: paste a file (its
//! header row pre-filled), send it, see every problem by line or a confirmation. The file is
//! read client-side by `nps_core`'s parsers, so a file with a problem sends nothing.

use crate::api::ApiResult;
use crate::components::on_submit;
use leptos::prelude::*;
use std::future::Future;

#[component]
pub fn CsvImport<F, Fut>(
    /// The textarea's `name`.
    name: &'static str,
    label: &'static str,
    /// What the textarea holds at first and after an import: the header row.
    template: &'static str,
    button: &'static str,
    /// Sends the text; the confirmation to show, or the error (its problems, one per line).
    submit: F,
    children: Children,
) -> impl IntoView
where
    F: Fn(String) -> Fut + Copy + 'static,
    Fut: Future<Output = ApiResult<String>> + 'static,
{
    let csv = RwSignal::new(template.to_owned());
    let problems = RwSignal::new(Vec::<String>::new());
    let status = RwSignal::new(String::new());
    let import = crate::actions::write(
        submit,
        move |answer| match answer {
            Ok(message) => {
                problems.set(Vec::new());
                status.set(message);
                csv.set(template.to_owned());
            }
            Err(e) => {
                status.set(String::new());
                problems.set(e.problems());
            }
        },
    );
    let send = on_submit(move || {
        status.set("Importing...".to_owned());
        import.dispatch(csv.get_untracked());
    });
    view! {
        <form on:submit=send>
            <label class="field"><span>{label}</span>
                <textarea name=name rows="6" prop:value=move || csv.get() on:input=move |ev| csv.set(event_target_value(&ev))></textarea>
            </label>
            {children()}
            {move || (!problems.get().is_empty()).then(|| view! {
                <div role="alert">
                    <ul class="field-errors" data-testid="import-problems">
                        {problems.get().into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}
                    </ul>
                </div>
            })}
            <div class="actions">
                <button type="submit">{button}</button>
                <span class="muted" role="status">{move || status.get()}</span>
            </div>
        </form>
    }
}

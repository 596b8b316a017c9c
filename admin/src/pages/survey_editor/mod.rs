//! The survey editor: texts per language, appearance, triggers, sampling, fatigue, schedule,
//! caps and cadence, with the same validation the collector runs (`core`'s `problems()`),
//! messages next to their fields, and a live preview in an iframe.

use crate::api;
use crate::components::fields::options;
use crate::components::{ErrorBox, FieldErrors};
use crate::pages::report::SurveyTabs;
use crate::components::page::{Card, ProjectCrumbs};
use crate::{Route, fmt, replace_url};
use leptos::prelude::*;
use nps_core::Band;
use nps_core::eligibility::{Trigger, UrlOp, UrlRule};
use nps_core::wire::{PerBand, Placement, Survey, SurveyInput, SurveyKind, SurveyStatus, SurveyTexts, Theme};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;

mod appearance;
mod audience;
mod basics;
mod editor;
mod fields;
mod preview;
mod texts;
mod triggers;

use appearance::appearance_card;
use audience::audience_card;
use basics::basics_card;
use editor::Editor;
use fields::*;
use preview::preview_pane;
use texts::texts_card;
use triggers::*;

type Form = RwSignal<SurveyInput>;
type Errors = Signal<Vec<String>>;
type ParseErrors = RwSignal<BTreeMap<String, String>>;

fn new_input() -> SurveyInput {
    SurveyInput {
        name: String::new(),
        kind: SurveyKind::Tnps,
        status: SurveyStatus::Draft,
        definition: Default::default(),
        rules: Default::default(),
    }
}


#[component]
pub fn SurveyEditor(project_id: i64, survey_id: Option<i64>) -> impl IntoView {
    let editor = Editor::new(project_id, survey_id);
    let Editor { form, parse_errors, form_error, saved, busy, current, survey, .. } = editor;
    let errors = editor.errors();
    let lang = RwSignal::new("en".to_owned());
    let loaded = RwSignal::new(survey_id.is_none());
    let load_error = RwSignal::new(None::<String>);
    if let Some(id) = survey_id {
        editor.load(id, lang, loaded, load_error);
    }

    let header = move || match current.get() {
        Some(id) => view! { <SurveyTabs survey_id=id current=Route::Survey(id) survey=survey /> }.into_any(),
        None => view! {
            <ProjectCrumbs project_id=project_id />
            <h1>"New survey"</h1>
        }
        .into_any(),
    };

    view! {
        {header}
        <ErrorBox error=load_error.into() />
        <Show when=move || loaded.get()>
        <div class="editor">
            <form class="editor-form" novalidate on:submit=move |ev: web_sys::SubmitEvent| { ev.prevent_default(); editor.save(None); }>
                {basics_card(form, errors, survey_id.is_some())}
                {texts_card(form, errors, parse_errors, lang)}
                {appearance_card(form, errors)}
                {triggers_card(form, errors, parse_errors)}
                {audience_card(form, errors, parse_errors)}
                <div class="savebar card">
                    {move || {
                        let n = errors.with(Vec::len);
                        (n > 0).then(|| view! { <p class="error" role="alert" data-testid="problem-count">{format!("Fix the {n} problem(s) marked above before saving.")}</p> })
                    }}
                    <ErrorBox error=form_error.into() />
                    <p class="muted" role="status" data-testid="save-status">{move || saved.get()}</p>
                    <div class="actions">
                        <button type="submit" disabled=move || busy.get()>"Save"</button>
                        <button type="button" class="primary-alt" disabled=move || busy.get() on:click=move |_| editor.save(Some(SurveyStatus::Live))>"Publish"</button>
                    </div>
                </div>
            </form>
            {preview_pane(form, lang)}
        </div>
        </Show>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_validation_uses_the_collectors_messages() {
        let mut input = new_input();
        input.name = "Onboarding".into();
        assert!(input.problems().is_empty(), "{:?}", input.problems());
        input.rules.triggers.push(new_trigger("event"));
        let problems = input.problems();
        assert!(problems.iter().any(|p| p.starts_with("rules.triggers[0].name")), "{problems:?}");
        input.name = " ".into();
        input.definition.appearance.brand_colour = "red".into();
        let problems = input.problems();
        assert!(problems.contains(&"name must not be only spaces".to_owned()), "{problems:?}");
        assert!(problems.iter().any(|p| p.starts_with("definition.appearance.brand_colour")), "{problems:?}");
    }

    #[test]
    fn enums_use_their_wire_names() {
        assert_eq!(enum_str(&Placement::BottomSheet), "bottom_sheet");
        assert_eq!(parse_enum::<UrlOp>("glob"), Some(UrlOp::Glob));
    }
}

use leptos::prelude::*;
#[component]
pub fn SurveyEditor(project_id: i64, survey_id: Option<i64>) -> impl IntoView {
    view! { <p>{project_id} {survey_id}</p> }
}

//! The editor's state and what changes it as a whole: loading the stored survey, saving.

use super::*;
use crate::api::ApiResult;

/// The signals of one editor page (all `Copy`, so closures take the whole struct).
#[derive(Clone, Copy)]
pub(super) struct Editor {
    pub form: Form,
    /// The survey's id once it exists (a new survey gets one on its first save).
    pub current: RwSignal<Option<i64>>,
    pub project: RwSignal<i64>,
    pub survey: RwSignal<Option<Survey>>,
    /// The client-side problems are shown after the first attempt to save, not while typing.
    pub show_client: RwSignal<bool>,
    pub server_errors: RwSignal<Vec<String>>,
    pub parse_errors: ParseErrors,
    pub form_error: RwSignal<Option<String>>,
    pub saved: RwSignal<String>,
    /// While a save is on its way.
    pub busy: Memo<bool>,
    saving: Action<Save, ApiResult<Survey>>,
}

/// What a save sends: the survey to update (none: create one in the project) and the form.
type Save = (Option<i64>, i64, SurveyInput);

impl Editor {
    pub fn new(project_id: i64, survey_id: Option<i64>) -> Self {
        let saving = Action::new_local(|(current, project, input): &Save| {
            let (current, project, input) = (*current, *project, input.clone());
            async move {
                match current {
                    Some(id) => api::update_survey(id, &input).await,
                    None => api::create_survey(project, &input).await,
                }
            }
        });
        let editor = Self {
            form: RwSignal::new(new_input()),
            current: RwSignal::new(survey_id),
            project: RwSignal::new(project_id),
            survey: RwSignal::new(None),
            show_client: RwSignal::new(false),
            server_errors: RwSignal::new(Vec::new()),
            parse_errors: RwSignal::new(BTreeMap::new()),
            form_error: RwSignal::new(None),
            saved: RwSignal::new(String::new()),
            busy: saving.pending(),
            saving,
        };
        crate::actions::on_answer(saving, move |answer| editor.answered(answer));
        editor
    }

    /// Every message a field shows: the client's checks (once shown), the fields that do not
    /// parse, and the collector's answer to the last save.
    pub fn errors(self) -> Errors {
        Signal::derive(move || {
            let mut all = if self.show_client.get() { self.form.with(SurveyInput::problems) } else { Vec::new() };
            all.extend(self.parse_errors.get().into_values());
            for e in self.server_errors.get() {
                if !all.contains(&e) {
                    all.push(e);
                }
            }
            all
        })
    }

    /// Fills the form with the stored survey `id`.
    pub fn load(self, id: i64, lang: RwSignal<String>, loaded: RwSignal<bool>, load_error: RwSignal<Option<String>>) {
        crate::actions::load(
            move || api::survey(id),
            move |answer| match answer {
                Ok(s) => {
                    self.project.set(s.project_id);
                    lang.set(s.definition.default_language.clone());
                    self.form.set(SurveyInput {
                        name: s.name.clone(),
                        kind: s.kind,
                        status: s.status,
                        definition: s.definition.clone(),
                        rules: s.rules.clone(),
                    });
                    self.survey.set(Some(s));
                    loaded.set(true);
                }
                Err(e) => load_error.set(Some(e.message)),
            },
        );
    }

    /// Saves the form (with `status`, when publishing): nothing is sent while a check fails.
    pub fn save(self, status: Option<SurveyStatus>) {
        self.form_error.set(None);
        self.saved.set(String::new());
        self.server_errors.set(Vec::new());
        let mut input = self.form.get_untracked();
        if let Some(s) = status {
            input.status = s;
        }
        // The collector's own checks, shared through `core`.
        let mut problems = input.problems();
        problems.extend(self.parse_errors.get_untracked().into_values());
        if !problems.is_empty() {
            self.show_client.set(true);
            return;
        }
        self.saving.dispatch((self.current.get_untracked(), self.project.get_untracked(), input));
    }

    /// What the collector answered to a save.
    fn answered(self, answer: ApiResult<Survey>) {
        match answer {
            Ok(s) => self.saved_as(s),
            Err(e) if e.status == 422 => {
                self.server_errors.set(e.problems());
                self.form_error.set(Some("The collector refused the survey; see the messages below.".to_owned()));
            }
            Err(e) => self.form_error.set(Some(e.message)),
        }
    }

    fn saved_as(self, s: Survey) {
        if self.current.get_untracked().is_none() {
            replace_url(Route::Survey(s.id));
        }
        self.current.set(Some(s.id));
        self.form.update(|f| f.status = s.status);
        self.saved.set(if s.status == SurveyStatus::Live { "Saved; the survey is live.".to_owned() } else { format!("Saved ({}).", s.status.as_str()) });
        self.survey.set(Some(s));
    }
}

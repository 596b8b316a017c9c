//! The survey card: name, kind and status.

use super::*;

const KINDS: &[(&str, &str)] = &[("tnps", "tNPS (transactional)"), ("rnps", "rNPS (relational)"), ("enps", "eNPS (employees)"), ("partner", "partner NPS")];

/// The kinds a stored survey of `kind` may be edited into (`SurveyKind::may_become`): the
/// customer kinds into each other; employee and partner NPS never change.
fn kinds_for(kind: SurveyKind) -> &'static [(&'static str, &'static str)] {
    match kind {
        SurveyKind::Tnps | SurveyKind::Rnps => &KINDS[..2],
        SurveyKind::Enps => &KINDS[2..3],
        SurveyKind::Partner => &KINDS[3..],
    }
}
const STATUSES: &[(&str, &str)] = &[("draft", "draft"), ("live", "live"), ("paused", "paused"), ("closed", "closed")];

pub(super) fn basics_card(form: Form, errors: Errors, stored: bool) -> impl IntoView {
    // Built once the survey is loaded, so the stored kind is the form's.
    let kinds = if stored { kinds_for(form.with_untracked(|f| f.kind)) } else { KINDS };
    view! {
        <Card title="Survey">
            {text_field(form, errors, "Name", "name", |f| f.name.clone(), |f, v| f.name = v)}
            <div class="row">
                {enum_field(form, "Kind", "kind", kinds, |f| f.kind, |f, k| f.kind = k)}
                {enum_field(form, "Status", "status", STATUSES, |f| f.status, |f, s| f.status = s)}
            </div>
        </Card>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_survey_offers_only_the_kinds_it_may_become() {
        for kind in [SurveyKind::Tnps, SurveyKind::Rnps, SurveyKind::Enps, SurveyKind::Partner] {
            for (name, _) in KINDS {
                let other = serde_json::from_value::<SurveyKind>(serde_json::json!(name)).expect("a kind");
                assert_eq!(kinds_for(kind).iter().any(|(n, _)| n == name), kind.may_become(other), "{kind:?} -> {name}");
            }
        }
    }
}

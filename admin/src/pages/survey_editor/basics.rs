//! The survey card: name, kind and status.

use super::*;

const KINDS: &[(&str, &str)] = &[("tnps", "tNPS (transactional)"), ("rnps", "rNPS (relational)"), ("enps", "eNPS (employees)"), ("partner", "partner NPS")];
const STATUSES: &[(&str, &str)] = &[("draft", "draft"), ("live", "live"), ("paused", "paused"), ("closed", "closed")];

pub(super) fn basics_card(form: Form, errors: Errors) -> impl IntoView {
    view! {
        <Card title="Survey">
            {text_field(form, errors, "Name", "name", |f| f.name.clone(), |f, v| f.name = v)}
            <div class="row">
                {enum_field(form, "Kind", "kind", KINDS, |f| f.kind, |f, k| f.kind = k)}
                {enum_field(form, "Status", "status", STATUSES, |f| f.status, |f, s| f.status = s)}
            </div>
        </Card>
    }
}

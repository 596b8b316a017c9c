//! The live preview: the unsaved survey posted to the preview iframe, at a chosen step and band.

use super::*;

/// Posts the unsaved survey to the preview iframe (`/admin/preview.html`).
pub(super) fn post_preview(frame: &web_sys::HtmlIFrameElement, input: &SurveyInput, lang: &str, step: &str, band: &str) {
    let message = serde_json::json!({
        "type": "nps-preview",
        "kind": input.kind,
        "language": lang,
        "step": step,
        "band": band,
        "definition": input.definition,
    });
    let Some(target) = frame.content_window() else { return };
    let origin = web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_else(|| "*".to_owned());
    if let Ok(value) = js_sys::JSON::parse(&message.to_string()) {
        let _ = target.post_message(&value, &origin);
    }
}

/// The preview pane beside the form: the real widget in an iframe, showing the unsaved texts
/// of the language being edited.
pub(super) fn preview_pane(form: Form, lang: RwSignal<String>) -> impl IntoView {
    let step = RwSignal::new("question".to_owned());
    let band = RwSignal::new("promoter".to_owned());
    let frame = NodeRef::<leptos::html::Iframe>::new();
    let send_preview = move || {
        let input = form.get();
        let (l, s, b) = (lang.get(), step.get(), band.get());
        if let Some(frame) = frame.get_untracked() {
            post_preview(&frame, &input, &l, &s, &b);
        }
    };
    Effect::new(move |_| send_preview());
    view! {
    <aside class="preview card" aria-label="Live preview">
        <h2>"Preview"</h2>
        <div class="row">
            <label class="field small">
                <span>"Step"</span>
                <select name="preview_step" prop:value=move || step.get() on:change=move |ev| step.set(event_target_value(&ev))>
                    <option value="question">"question"</option>
                    <option value="follow_up">"follow-up"</option>
                    <option value="thank_you">"thank you"</option>
                </select>
            </label>
            <label class="field small">
                <span>"As a"</span>
                <select name="preview_band" prop:value=move || band.get() on:change=move |ev| band.set(event_target_value(&ev))>
                    <option value="promoter">"promoter"</option>
                    <option value="passive">"passive"</option>
                    <option value="detractor">"detractor"</option>
                </select>
            </label>
        </div>
        <iframe node_ref=frame src="/admin/preview.html" title="Survey preview" class="preview-frame"
            on:load=move |_| send_preview()></iframe>
        <p class="muted small">"Unsaved changes are previewed as you type."</p>
    </aside>
    }
}

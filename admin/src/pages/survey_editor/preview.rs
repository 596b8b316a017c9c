//! The live preview: the unsaved survey posted to the preview iframe.

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

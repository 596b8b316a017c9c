//! HTML text escaping for the pages and e-mails the collector writes itself (hosted survey
//! pages, campaign mail).

/// `text` safe inside an element or a quoted attribute.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

//! Keyboard handling the browser does not do by itself.

use super::*;

/// Keeps Tab and Shift+Tab inside the centre modal: from the last focusable element Tab goes
/// to the first, and from the first Shift+Tab to the last. In between, the browser moves the
/// focus itself (so a group of radio buttons stays one stop).
pub(super) fn trap_focus(card: &web_sys::HtmlElement, ev: &KeyboardEvent) {
    let Ok(nodes) = card.query_selector_all("button,a[href],textarea,input,select,[tabindex]") else { return };
    // Tab stops: not taken out by tabindex=-1, and rendered (a hidden step has no offsetParent).
    let stops: Vec<web_sys::HtmlElement> = (0..nodes.length())
        .filter_map(|i| nodes.item(i)?.dyn_into::<web_sys::HtmlElement>().ok())
        .filter(|e| e.tab_index() >= 0 && e.offset_parent().is_some())
        .collect();
    let (Some(first), Some(last)) = (stops.first(), stops.last()) else {
        ev.prevent_default();
        return;
    };
    let root = card.get_root_node().dyn_into::<web_sys::ShadowRoot>().ok();
    let Some(active) = root.and_then(|r| r.active_element()) else {
        ev.prevent_default();
        let _ = first.focus();
        return;
    };
    // Whether any stop lies beyond the focused element in the direction of travel.
    let direction = if ev.shift_key() { web_sys::Node::DOCUMENT_POSITION_PRECEDING } else { web_sys::Node::DOCUMENT_POSITION_FOLLOWING };
    let more = stops.iter().any(|e| active.compare_document_position(e) & direction != 0);
    if !more {
        ev.prevent_default();
        let _ = if ev.shift_key() { last.focus() } else { first.focus() };
    }
}

/// Arrows move along the scale (mirrored in RTL), Home and End jump to its ends, Esc
/// dismisses, Tab stays in the modal.
pub(super) fn key_pressed(ev: &KeyboardEvent, rtl: bool, modal: bool) {
    let radio = element(ev.target()).filter(|e| e.get_attribute("role").as_deref() == Some("radio"));
    let on_radio = radio.is_some();
    let cur = radio.and_then(|r| r.get_attribute("data-a")).and_then(|d| DIGITS.iter().position(|x| *x == d)).unwrap_or(0) as i32;
    let (next, prev) = if rtl { (cur - 1, cur + 1) } else { (cur + 1, cur - 1) };
    let to = match ev.key().as_str() {
        "Escape" => {
            ev.stop_propagation();
            return dismiss();
        }
        "Tab" if modal => {
            if let Some(card) = ev.current_target().and_then(|c| c.dyn_into::<web_sys::HtmlElement>().ok()) {
                trap_focus(&card, ev);
            }
            return;
        }
        _ if !on_radio => return,
        "ArrowRight" => next,
        "ArrowLeft" => prev,
        "ArrowDown" => cur + 1,
        "ArrowUp" => cur - 1,
        "Home" => 0,
        "End" => 10,
        _ => return,
    };
    ev.prevent_default();
    if let Some(group) = element(ev.target()).and_then(|e| e.parent_element()) {
        select_radio(&group, to.rem_euclid(11) as u8, false);
    }
}

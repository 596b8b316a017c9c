//! The card's steps (score, follow-up, thanks) and moving between them.

use super::*;

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Step {
    Score,
    FollowUp(Band),
    Thanks(Band),
}

pub(super) fn first_step(s: &Shown) -> Step {
    match (s.start_band, s.start_thanks) {
        (Some(band), true) => Step::Thanks(band),
        (Some(band), false) => Step::FollowUp(band),
        (None, _) => Step::Score,
    }
}

pub(super) fn band_text(per: &nps_core::wire::PerBand<String>, band: Band) -> String {
    match band {
        Band::Detractor => per.detractor.clone(),
        Band::Passive => per.passive.clone(),
        Band::Promoter => per.promoter.clone(),
    }
}

/// The scale's buttons as text (no integer formatting code for eleven labels).
pub(super) const DIGITS: [&str; 11] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"];

/// One heading for every step: the question, the band's follow-up question (it labels the
/// comment box), or the band's thanks (focused, so screen readers read it).
pub(super) fn heading_text(texts: &nps_core::wire::SurveyTexts, step: Step) -> String {
    match step {
        Step::Score => texts.question.clone(),
        Step::FollowUp(band) => band_text(&texts.follow_up, band),
        Step::Thanks(band) => band_text(&texts.thank_you, band),
    }
}

/// Moves the card to `step`: the section's `data-step` (the stylesheet shows that step's
/// controls), the heading, then the focus.
pub(super) fn show_step(step: Step, heading: &str) {
    if let Some(card) = in_card(".card") {
        let _ = card.set_attribute("data-step", step_name(step));
    }
    if let Some(q) = in_card(".q") {
        q.set_text_content(Some(heading));
    }
    focus_step(step);
}

pub(super) fn step_name(step: Step) -> &'static str {
    match step {
        Step::Score => "score",
        Step::FollowUp(_) => "follow_up",
        Step::Thanks(Band::Promoter) => "thanks_promoter",
        Step::Thanks(_) => "thanks",
    }
}
